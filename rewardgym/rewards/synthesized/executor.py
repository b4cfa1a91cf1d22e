"""Evaluating LLM-written reward code on batches, always inside the sandbox.

:class:`RewardExecutor` serialises only the batch columns a candidate reads (found statically by
:func:`~rewardgym.rewards.synthesized.static.check_reward_source`) to JSON, runs the candidate with
:mod:`~rewardgym.rewards.synthesized.sandbox_harness` in a :class:`~rewardgym.sandbox.Sandbox` (time and
memory limits, no network, no host files), and parses the totals and named terms it prints. Errors,
timeouts and memory blow-ups come back as an :class:`ExecOutcome` with a message meant to be fed back to
the LLM; the candidate's code never runs in this process.

:class:`SynthesizedReward` turns one candidate into a regular :class:`~rewardgym.rewards.base.RewardFn`.

Example:
    >>> from rewardgym.rollout import collect_transitions
    >>> reward = SynthesizedReward('''
    ... def compute_reward(obs, action, next_obs, info):
    ...     progress = [p - d for p, d in zip(info["prev_distance"], info["distance"])]
    ...     return progress, {"progress": progress}
    ... ''')
    >>> batch = collect_transitions("rewardgym/Maze-v0", 8, seed=0)
    >>> reward(batch).shape                                             # doctest: +SKIP
    torch.Size([8])
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rewardgym.errors import RewardComputationError, RewardSpecError
from rewardgym.rewards.base import RewardFn
from rewardgym.rewards.synthesized.static import StaticReport, check_reward_source
from rewardgym.types import Transitions

__all__ = ["ExecOutcome", "RewardExecutor", "SynthesizedReward"]

HARNESS = Path(__file__).with_name("sandbox_harness.py")
_RESULT, _ERROR = "@@RESULT@@", "@@ERROR@@"


@dataclass
class ExecOutcome:
    """One candidate evaluated on one batch.

    Attributes:
        ok: it returned ``B`` finite rewards.
        total: float32 (B,) rewards when ok.
        terms: the named components it returned, float32 (B,) each.
        error: what went wrong (traceback tail, timeout, memory), for feedback; empty when ok.
        timed_out: it ran past the time limit.
        duration_s: sandbox wall time.
    """

    ok: bool
    total: torch.Tensor | None = None
    terms: dict[str, torch.Tensor] = field(default_factory=dict)
    error: str = ""
    timed_out: bool = False
    duration_s: float = 0.0


def _jsonable(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().tolist()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.generic,)):
        return value.item()
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite value {name} in the result")


class RewardExecutor:
    """Runs candidate reward code on batches in a sandbox.

    Args:
        sandbox: a :class:`~rewardgym.sandbox.Sandbox`, or a backend name for
            :func:`~rewardgym.sandbox.shared_sandbox` (default ``"auto"``: the strongest available).
        timeout_s: wall-clock limit per batch.
        memory_mb: memory limit per batch.
    """

    def __init__(self, sandbox: Any = "auto", *, timeout_s: float = 10.0, memory_mb: int = 512) -> None:
        self._sandbox_spec = sandbox
        self._sandbox = None if isinstance(sandbox, str) else sandbox
        self.timeout_s = float(timeout_s)
        self.memory_mb = int(memory_mb)
        self._torch: bool | None = None

    @property
    def sandbox(self) -> Any:
        """The sandbox (created on first use)."""
        if self._sandbox is None:
            from rewardgym.sandbox import shared_sandbox

            self._sandbox = shared_sandbox(self._sandbox_spec)
        return self._sandbox

    def torch_available(self) -> bool:
        """Whether the sandbox's interpreter can import torch (probed once)."""
        if self._torch is None:
            res = self.sandbox.run(
                {"probe.py": "import torch\nprint('ok')\n"},
                ["python3", "probe.py"],
                timeout_s=60,
                memory_mb=max(self.memory_mb, 2048),
            )
            self._torch = res.ok and res.stdout.strip() == "ok"
        return self._torch

    @staticmethod
    def payload(batch: Transitions, report: StaticReport, nonce: str = "") -> str:
        """The JSON document sent to the sandbox: only the columns ``report`` says the code reads, and the
        run's ``nonce`` (the harness reads it and deletes the file before the candidate runs)."""
        columns = {c: _jsonable(getattr(batch, c)) for c in sorted(report.columns)}
        infos = batch.infos or {}
        keys = sorted(infos) if report.info_keys is None else sorted(k for k in report.info_keys if k in infos)
        info = {k: _jsonable(infos[k]) for k in keys if not k.startswith("_")}
        return json.dumps(
            {
                "nonce": nonce,
                "n": len(batch),
                "torch": report.uses_torch,
                "columns": columns,
                "info": info,
                "available": sorted(k for k in infos if not k.startswith("_")),
            }
        )

    def job(self, source: str, batch: Transitions, report: StaticReport | None = None) -> tuple[Any, str]:
        """The sandbox :class:`~rewardgym.sandbox.Job` that evaluates ``source`` on ``batch``, and the random
        nonce its result line must carry."""
        from rewardgym.sandbox import Job

        report = report or check_reward_source(source)
        nonce = secrets.token_hex(16)
        files = {
            "harness.py": HARNESS.read_text(encoding="utf-8"),
            "reward.py": source,
            "batch.json": self.payload(batch, report, nonce),
        }
        job = Job(files, ["python3", "-I", "harness.py"], timeout_s=self.timeout_s, memory_mb=self.memory_mb)
        return job, nonce

    def parse(self, result: Any, n: int, nonce: str) -> ExecOutcome:
        """Turn a sandbox :class:`~rewardgym.sandbox.ExecResult` into an :class:`ExecOutcome`.

        Only a line tagged with this run's ``nonce`` counts (exactly one), and only finite numbers do.
        """
        duration = float(getattr(result, "duration_s", 0.0))
        if result.timed_out:
            return ExecOutcome(
                False,
                error=f"timed out after {self.timeout_s:g} s (an endless loop?)",
                timed_out=True,
                duration_s=duration,
            )
        if result.memory_exceeded:
            return ExecOutcome(False, error=f"exceeded the {self.memory_mb} MB memory limit", duration_s=duration)
        tags = (f"{_RESULT} {nonce} ", f"{_ERROR} {nonce} ")
        lines = [ln for ln in result.stdout.splitlines() if ln.startswith(tags)] if nonce else []
        if len(lines) > 1:
            return ExecOutcome(False, error="the program printed more than one result line", duration_s=duration)
        if not lines:
            tail = (result.stderr or "").strip()[-1500:]
            return ExecOutcome(
                False,
                error=f"the program exited with status {result.exit_code} without a result: {tail or 'no output'}",
                duration_s=duration,
            )
        marker, _, rest = lines[0].partition(" ")
        body = rest.partition(" ")[2]
        try:
            data = json.loads(body, parse_constant=_reject_constant)
        except (json.JSONDecodeError, ValueError):
            return ExecOutcome(False, error="the result line was not valid JSON of finite numbers", duration_s=duration)
        if not isinstance(data, dict):
            return ExecOutcome(False, error="malformed result: not a JSON object", duration_s=duration)
        if marker == _ERROR:
            return ExecOutcome(
                False,
                error=f"{data.get('error', '')}\n{data.get('traceback', '')}".strip(),
                duration_s=duration,
            )
        try:
            total = torch.tensor(data["total"], dtype=torch.float32)
            terms = {str(k): torch.tensor(v, dtype=torch.float32) for k, v in data["terms"].items()}
        except (KeyError, TypeError, ValueError) as exc:
            return ExecOutcome(False, error=f"malformed result: {exc}", duration_s=duration)
        if total.shape != (n,) or any(t.shape != (n,) for t in terms.values()):
            return ExecOutcome(False, error=f"the result does not have {n} values per term", duration_s=duration)
        if not all(bool(torch.isfinite(t).all()) for t in (total, *terms.values())):
            return ExecOutcome(False, error="the result holds non-finite values", duration_s=duration)
        return ExecOutcome(True, total, terms, duration_s=duration)

    def run(self, source: str, batch: Transitions, *, report: StaticReport | None = None) -> ExecOutcome:
        """Evaluate ``source`` on ``batch`` in the sandbox (a failed static check is returned, not run)."""
        return self.run_many([source], batch, reports=[report])[0]

    def run_many(
        self,
        sources: Sequence[str],
        batch: Transitions,
        *,
        reports: Sequence[StaticReport | None] | None = None,
    ) -> list[ExecOutcome]:
        """Evaluate several candidates on the same batch concurrently (one sandbox job each)."""
        reports = list(reports) if reports is not None else [None] * len(sources)
        checked = [r or check_reward_source(s) for s, r in zip(sources, reports)]
        outcomes: list[ExecOutcome | None] = [None] * len(sources)
        todo = []
        for i, rep in enumerate(checked):
            if not rep.ok:
                outcomes[i] = ExecOutcome(False, error="static check failed: " + "; ".join(rep.errors))
            elif len(batch) == 0:
                outcomes[i] = ExecOutcome(True, torch.zeros(0), {})
            else:
                todo.append(i)
        if todo:
            jobs = [self.job(sources[i], batch, checked[i]) for i in todo]
            results = self.sandbox.run_many([job for job, _ in jobs])
            for i, res, (_, nonce) in zip(todo, results, jobs):
                outcomes[i] = self.parse(res, len(batch), nonce)
        return [o for o in outcomes if o is not None]


class SynthesizedReward(RewardFn):
    """A reward whose code an LLM wrote; every evaluation runs in the sandbox.

    Args:
        source: Python source defining ``compute_reward(obs, action, next_obs, info)``.
        executor: the :class:`RewardExecutor` (default: one on the ``"auto"`` shared sandbox).
        name: display name.

    Raises:
        RewardSpecError: the source fails the static checks (the message lists every problem).
    """

    row_independent = False  # generated code may use batch statistics

    def __init__(self, source: str, *, executor: RewardExecutor | None = None, name: str = "") -> None:
        self.report = check_reward_source(source)
        if not self.report.ok:
            raise RewardSpecError("the reward code fails the static checks:\n  " + "\n  ".join(self.report.errors))
        self.source = source
        self.executor = executor or RewardExecutor()
        self.name = name

    def evaluate(self, batch: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        outcome = self.executor.run(self.source, batch, report=self.report)
        if not outcome.ok or outcome.total is None:
            raise RewardComputationError(
                f"synthesized reward {self.display_name!r} failed in the sandbox: {outcome.error}"
            )
        device = batch.device
        terms = {f"{self.display_name}/{k}": v.to(device) for k, v in outcome.terms.items()}
        total = outcome.total.to(device)
        return total, {self.display_name: total, **terms}
