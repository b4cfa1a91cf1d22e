"""What runs inside the Ray actors: a block of sub-envs (:class:`EnvWorker`) or a reward (:class:`ScoreWorker`).

Both are plain classes (``ray.remote`` is applied lazily, see :func:`rewardgym.distributed._ray.remote_class`),
so they can be built and tested in-process too.

Example:
    >>> worker = EnvWorker("rewardgym/Maze-v0", 2, "auto", {"size": 7}, {})
    >>> worker.describe()["vectorization_mode"]
    'vector_entry_point'
    >>> obs, infos = worker.reset(0, None)
    >>> obs.shape
    (2, 7, 7)
"""

from __future__ import annotations

import os
import socket
from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["EnvWorker", "ScoreWorker", "resolve_mode"]


def resolve_mode(env_id: str, mode: str) -> str:
    """``"auto"``: the family's native vector env where it registers one, else ``"sync"``."""
    import rewardgym  # noqa: F401 - registers the envs in this process

    if mode != "auto":
        return mode
    return "vector_entry_point" if gym.spec(env_id).vector_entry_point is not None else "sync"


def _where() -> dict[str, Any]:
    node = None
    try:
        import ray

        if ray.is_initialized():
            node = ray.get_runtime_context().get_node_id()
    except ImportError:
        pass
    return {"pid": os.getpid(), "host": socket.gethostname(), "node_id": node}


class EnvWorker:
    """A vector env of ``num_envs`` sub-envs (``gymnasium.make_vec``) living in one process.

    Args:
        env_id: a registered Gymnasium id.
        num_envs: sub-envs in this block.
        mode: ``"auto"``, ``"vector_entry_point"``, ``"sync"`` or ``"async"``.
        env_kwargs: keyword arguments of the env.
        vector_kwargs: ``vector_kwargs`` of ``make_vec`` (e.g. ``{"autoreset_mode": ...}`` for sync envs).
    """

    def __init__(
        self, env_id: str, num_envs: int, mode: str, env_kwargs: dict[str, Any], vector_kwargs: dict[str, Any]
    ) -> None:
        self.mode = resolve_mode(env_id, mode)
        extra = {"vector_kwargs": vector_kwargs} if vector_kwargs else {}
        self.env = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode=self.mode, **extra, **env_kwargs)

    def describe(self) -> dict[str, Any]:
        """Spaces, metadata and where the worker runs."""
        return {
            "single_observation_space": self.env.single_observation_space,
            "single_action_space": self.env.single_action_space,
            "metadata": dict(self.env.metadata),
            "render_mode": self.env.render_mode,
            "vectorization_mode": self.mode,
            **_where(),
        }

    def reset(self, seed: Any, options: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
        """``env.reset(seed=seed, options=options)``."""
        return self.env.reset(seed=seed, options=options)

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """``env.step(actions)``."""
        return self.env.step(actions)

    def render(self) -> Any:
        """``env.render()``."""
        return self.env.render()

    def close(self) -> None:
        """``env.close()``."""
        self.env.close()


class ScoreWorker:
    """A reward built once per process, scoring the batches (``Episodes`` or ``Transitions``) it is sent.

    Args:
        reward: ``(what, is_factory)``: a registered name, a spec dict or a
            :class:`~rewardgym.rewards.base.Reward`, or a zero-argument callable that builds one.
    """

    def __init__(self, reward: tuple[Any, bool]) -> None:
        from rewardgym.rewards.spec import build_reward

        what, is_factory = reward
        self.reward = build_reward(what() if is_factory else what)

    def score(self, batch: Any) -> dict[str, np.ndarray]:
        """The reward's breakdown of ``batch`` (every term plus ``"total"``) as float32 arrays."""
        return {k: v.detach().cpu().numpy() for k, v in self.reward.breakdown(batch).items()}

    def where(self) -> dict[str, Any]:
        """Process id, host and Ray node of this worker."""
        return _where()
