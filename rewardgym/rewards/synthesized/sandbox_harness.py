"""Runs ONE candidate reward on ONE batch, inside the sandbox only (the host never imports or runs this).

The host sends three files: this harness, ``reward.py`` (the candidate) and ``batch.json``
(``{"n": B, "torch": bool, "columns": {...}, "info": {...}}``, only the columns the candidate reads).
The harness reads the batch and its per-run nonce and deletes the file before the candidate runs, executes
the candidate, calls ``compute_reward(obs, action, next_obs, info)``, checks the result (a total of B finite
numbers, optionally a dict of named terms of B numbers each) and prints one line tagged with the nonce:
``@@RESULT@@ NONCE {"total": [...], "terms": {...}}`` or ``@@ERROR@@ NONCE {"error": ..., "traceback": ...}``.
Anything the candidate prints or writes to file descriptor 1 goes to stderr: the result goes out through
a private duplicate of the original stdout. Standard library only; torch only if the candidate uses it.
"""

import json
import math
import os
import sys
import traceback

RESULT = "@@RESULT@@"
ERROR = "@@ERROR@@"


class CandidateError(Exception):
    """The candidate returned something other than B finite numbers."""


def _floats(value, n, what):
    if hasattr(value, "detach"):
        value = value.detach().reshape(-1).tolist() if value.dim() else float(value)
    if isinstance(value, (bool, int, float)):
        value = [float(value)] * n
    if not isinstance(value, (list, tuple)):
        raise CandidateError(f"{what} must be a list or tensor of {n} numbers, got {type(value).__name__}")
    if len(value) != n:
        raise CandidateError(f"{what} has {len(value)} values; expected {n} (one per transition)")
    out = []
    for i, v in enumerate(value):
        if isinstance(v, (list, tuple)) and len(v) == 1:
            v = v[0]
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise CandidateError(f"{what}[{i}] is {type(v).__name__}, not a number") from None
        if not math.isfinite(f):
            raise CandidateError(f"{what}[{i}] is {f} (rewards must be finite)")
        out.append(f)
    return out


def _tail(exc):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "reward.py"]
    lines = traceback.format_list(frames[-3:]) + traceback.format_exception_only(type(exc), exc)
    return "".join(lines)[-2000:]


def main():
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the candidate's prints and raw writes to fd 1 must not corrupt the result line
    sys.stdout = sys.stderr
    data = {}
    nonce = ""
    try:
        with open("batch.json", encoding="utf-8") as fh:
            data = json.load(fh)
        os.unlink("batch.json")
        nonce = str(data.pop("nonce", ""))
        with open("reward.py", encoding="utf-8") as fh:
            source = fh.read()
        n = int(data["n"])
        columns, info = data["columns"], data["info"]
        if data.get("torch"):
            import torch

            def convert(v):
                return None if v is None else torch.tensor(v)

            columns = {k: convert(v) for k, v in columns.items()}
            info = {k: convert(v) if not (v and isinstance(v[0], str)) else v for k, v in info.items()}
        namespace = {"__name__": "candidate_reward"}
        exec(compile(source, "reward.py", "exec"), namespace)
        fn = namespace["compute_reward"]
        result = fn(columns.get("obs"), columns.get("action"), columns.get("next_obs"), info)
        terms = {}
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict):
            result, terms = result
        payload = {
            "total": _floats(result, n, "the total reward"),
            "terms": {str(k): _floats(v, n, f"term {k!r}") for k, v in terms.items()},
        }
    except BaseException as exc:  # report everything, including SystemExit and KeyboardInterrupt
        message = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, KeyError):
            message += f" (the info keys are: {', '.join(data.get('available', []))})"
        out.write(f"{ERROR} {nonce} " + json.dumps({"error": message, "traceback": _tail(exc)}) + "\n")
        out.flush()
        return 1
    out.write(f"{RESULT} {nonce} " + json.dumps(payload, allow_nan=False) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
