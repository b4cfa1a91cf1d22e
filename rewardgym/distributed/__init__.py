"""Scale-out on Ray: vector envs whose sub-envs live in actors, and batched reward scoring on actors.

Ray is an optional extra (``pip install "rewardgym[ray]"``) imported only when one of these is used:

- :class:`~rewardgym.distributed.vector.RayVectorEnv`: a Gymnasium ``VectorEnv`` whose sub-envs run in Ray
  actors (each hosting the family's native batched env, else a sync one), seed for seed equal to
  ``gymnasium.make_vec``; a lost actor is replaced and its episodes raise or end truncated, explicitly.
- :class:`~rewardgym.distributed.scoring.RayScorer` / :func:`~rewardgym.distributed.scoring.score_on_actors`:
  score an ``Episodes`` (or ``Transitions``) batch with any reward on a pool of actors, in chunks, with
  bounded in-flight work and per-item timeouts; failed rows come back marked with their reason, never as 0.
  :class:`~rewardgym.distributed.scoring.RayReward` makes that a regular reward.
- :func:`~rewardgym.distributed._ray.init_ray`: connect to a cluster (``address="auto"``) or start a local one.

Example:
    >>> import rewardgym.distributed as dist
    >>> sorted(dist.__all__)[:3]
    ['RayReward', 'RayScorer', 'RayVectorEnv']
"""

from __future__ import annotations

import importlib
from typing import Any

from rewardgym.errors import WorkerLostError

__all__ = [
    "RayReward",
    "RayScorer",
    "RayVectorEnv",
    "ScoreResult",
    "WorkerFailure",
    "WorkerLostError",
    "init_ray",
    "score_on_actors",
]

_WHERE = {
    "RayReward": "scoring",
    "RayScorer": "scoring",
    "ScoreResult": "scoring",
    "score_on_actors": "scoring",
    "RayVectorEnv": "vector",
    "WorkerFailure": "vector",
    "init_ray": "_ray",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"rewardgym.distributed.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'rewardgym.distributed' has no attribute {name!r}")
