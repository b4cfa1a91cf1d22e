"""Saving, loading and registering synthesized rewards, with their provenance.

:func:`save_result` writes a folder::

    reward.py            the best candidate's code
    provenance.json      env, task, prompt, model, fitness evaluator, settings, code SHA-256, fitness history
    candidates.jsonl     every candidate: round, status, error, fitness, curve, term statistics, code

:func:`register_synthesized` registers a saved folder (or a result) as ``synthesized/<name>-v0``: a factory
returning a :class:`~rewardgym.rewards.synthesized.executor.SynthesizedReward`, whose code runs in the
sandbox. The code's hash is checked against the provenance record on load.

Example:
    >>> import rewardgym
    >>> folder = save_source("def compute_reward(o, a, n, info):\\n    return info['success'], {}\\n",
    ...                      "rewardgym/Maze-v0", directory=__import__("tempfile").mkdtemp())
    >>> register_synthesized(folder, "doc-maze")
    'synthesized/doc-maze-v0'
    >>> rewardgym.make_reward("synthesized/doc-maze-v0").source.startswith("def compute_reward")
    True
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from pathlib import Path
from typing import Any

from rewardgym.errors import RewardSpecError
from rewardgym.rewards.registry import register_reward
from rewardgym.rewards.synthesized.executor import SynthesizedReward
from rewardgym.rewards.synthesized.loop import SynthesisResult

__all__ = ["load_synthesized", "register_synthesized", "save_result", "save_source"]


def _sha(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _clean(value: Any) -> Any:
    """JSON-safe copy (NaN -> None)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def save_source(
    source: str, env_id: str, *, directory: str | Path, provenance: dict[str, Any] | None = None
) -> Path:
    """Write ``reward.py`` and ``provenance.json`` for hand-supplied code; returns the folder."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reward.py").write_text(source, encoding="utf-8")
    record = {
        "env_id": env_id,
        "code_sha256": _sha(source),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        **(provenance or {}),
    }
    (folder / "provenance.json").write_text(json.dumps(_clean(record), indent=2), encoding="utf-8")
    return folder


def save_result(result: SynthesisResult, directory: str | Path) -> Path:
    """Save the best reward of ``result`` with its provenance and every candidate; returns the folder.

    Raises:
        RewardSpecError: no candidate succeeded (nothing to save); the candidates are still written.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "candidates.jsonl").open("w", encoding="utf-8") as fh:
        for cand in result.candidates:
            fh.write(json.dumps(_clean(cand.to_dict())) + "\n")
    if result.best is None or result.best.source is None:
        raise RewardSpecError(
            f"no candidate reward succeeded; see {folder / 'candidates.jsonl'} for the errors"
        )
    provenance = {
        "task": result.spec.task,
        "env_kwargs": result.spec.env_kwargs,
        "success_key": result.spec.success_key,
        "model": result.model,
        "fitness_evaluator": result.fitness_evaluator,
        "settings": result.settings,
        "prompt": result.prompt,
        "best": {
            "iteration": result.best.iteration,
            "index": result.best.index,
            "fitness": result.best.fitness,
            "curve": result.best.curve,
        },
        "fitness_history": result.history,
    }
    return save_source(result.best.source, result.spec.env_id, directory=folder, provenance=provenance)


def load_synthesized(directory: str | Path, **kwargs: Any) -> SynthesizedReward:
    """Load a saved reward (its code is hash-checked against ``provenance.json``).

    Raises:
        RewardSpecError: missing files or a hash mismatch (the code was edited after synthesis).
    """
    folder = Path(directory)
    try:
        source = (folder / "reward.py").read_text(encoding="utf-8")
        record = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RewardSpecError(
            f"{folder} is not a saved synthesized reward (reward.py + provenance.json): {exc}"
        ) from exc
    if record.get("code_sha256") != _sha(source):
        raise RewardSpecError(
            f"{folder / 'reward.py'} does not match the SHA-256 in provenance.json (edited?)"
        )
    reward = SynthesizedReward(source, **kwargs)
    reward.provenance = record  # type: ignore[attr-defined]
    return reward


def register_synthesized(source: str | Path | SynthesisResult, name: str, *, overwrite: bool = True) -> str:
    """Register a saved folder (or a result's best code) as ``synthesized/<name>-v0``; returns the name."""
    if isinstance(source, SynthesisResult):
        if source.best is None or source.best.source is None:
            raise RewardSpecError("the synthesis result has no successful candidate to register")
        code, env_id = source.best.source, source.spec.env_id

        def factory(**kwargs: Any) -> SynthesizedReward:
            return SynthesizedReward(code, **kwargs)
    else:
        folder = Path(source)
        env_id = json.loads((folder / "provenance.json").read_text(encoding="utf-8")).get("env_id")

        def factory(**kwargs: Any) -> SynthesizedReward:
            return load_synthesized(folder, **kwargs)

    full = f"synthesized/{name}-v0"
    factory.__doc__ = f"LLM-synthesized reward for {env_id} (runs in the sandbox)."
    register_reward(full, overwrite=overwrite, example=env_id)(factory)
    return full
