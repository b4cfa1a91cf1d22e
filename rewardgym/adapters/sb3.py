"""Stable-Baselines3 adapter: a Gymnasium vector env (the natively batched maze and robotics envs included) as an
SB3 ``VecEnv``.

SB3 steps a ``VecEnv``: ``step(actions) -> (obs, rewards, dones, infos)`` with a list of per-env info dicts, and
it expects finished sub-envs to be reset within the same step, the last observation of the episode kept in
``infos[i]["terminal_observation"]`` and ``infos[i]["TimeLimit.truncated"]`` set on time-outs. That is
Gymnasium's ``SAME_STEP`` autoreset mode, so :class:`SB3VecEnv` wraps a vector env in that mode and only
re-lays the results out:

- ``done = terminated | truncated``; rewards as float32;
- the column-wise info dict (Gymnasium's ``_key`` masks honoured) becomes one dict per sub-env; for a finished
  sub-env it is the final step's info (``final_info``), and the info of its reset goes to ``reset_infos``;
- ``seed()`` / ``set_options()`` apply at the next ``reset()``, as in SB3's own vec envs.

:func:`make_sb3_vec_env` builds one from a registered id: the family's native vector env
(``vector_entry_point``: one NumPy / MuJoCo call per step for all sub-envs) when it has one, else a
``SyncVectorEnv``, both in ``SAME_STEP`` mode. SB3's ``VecMonitor`` adds episode statistics on top.

Install with ``pip install "rewardgym[sb3]"``.

Example:
    >>> import rewardgym
    >>> from rewardgym.adapters.sb3 import make_sb3_vec_env
    >>> venv = make_sb3_vec_env("rewardgym/Maze-v0", n_envs=4, size=7)
    >>> venv.seed(0)
    [0, 1, 2, 3]
    >>> obs = venv.reset()
    >>> obs.shape
    (4, 7, 7)
    >>> obs, rewards, dones, infos = venv.step(venv.unwrapped.env.greedy_actions())
    >>> rewards.dtype, len(infos), sorted(infos[0])[:2]
    (dtype('float32'), 4, ['TimeLimit.truncated', 'agent_pos'])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from rewardgym.errors import EnvConfigError, require

try:  # SB3 is optional: without it the module imports, and building an adapter names the extra to install.
    from stable_baselines3.common.vec_env import VecEnv as _VecEnvBase
except ImportError:  # pragma: no cover - exercised only where SB3 is missing
    _VecEnvBase = object  # type: ignore[assignment,misc]

__all__ = ["SB3VecEnv", "info_rows", "make_sb3_vec_env"]


def info_rows(info: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """Gymnasium's column-wise vector info as ``n`` per-env dicts (a column masked out by ``_key`` is left out).

    Example:
        >>> info_rows({"d": np.array([1, 2]), "x": np.array([5, 0]), "_x": np.array([True, False])}, 2)
        [{'d': np.int64(1), 'x': np.int64(5)}, {'d': np.int64(2)}]
    """
    keys: list[str] = []
    columns: list[Any] = []
    partial: list[tuple[str, Any, list[int]]] = []
    for key, value in info.items():
        if key.startswith("_") and key[1:] in info:
            continue
        column = info_rows(value, n) if isinstance(value, dict) else value
        mask = info.get(f"_{key}")
        if mask is None or bool(np.all(mask)):
            keys.append(key)
            columns.append(list(column))  # one row each (NumPy splits along the first axis)
        else:
            partial.append((key, column, np.flatnonzero(mask).tolist()))
    rows = [dict(zip(keys, values)) for values in zip(*columns)] if keys else [{} for _ in range(n)]
    for key, column, present in partial:
        for i in present:
            rows[i][key] = column[i]
    return rows


class SB3VecEnv(_VecEnvBase):  # type: ignore[misc,valid-type]
    """An SB3 ``VecEnv`` over a Gymnasium vector env in ``SAME_STEP`` autoreset mode (see the module docstring).

    Args:
        env: a ``gymnasium.vector.VectorEnv`` whose ``metadata["autoreset_mode"]`` is ``SAME_STEP``.

    Raises:
        MissingDependencyError: Stable-Baselines3 is not installed.
        EnvConfigError: ``env`` is not a vector env, or it resets sub-envs on the next step.
    """

    def __init__(self, env: gym.vector.VectorEnv) -> None:
        require("stable_baselines3", "sb3", "stable-baselines3")
        if not isinstance(env, gym.vector.VectorEnv):
            raise EnvConfigError(f"SB3VecEnv wraps a gymnasium.vector.VectorEnv, got {type(env).__name__}")
        mode = env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
        if mode != AutoresetMode.SAME_STEP:
            raise EnvConfigError(
                f"SB3VecEnv needs a vector env in SAME_STEP autoreset mode (SB3 resets finished envs within the "
                f"step), got {getattr(mode, 'name', mode)}; build it with make_sb3_vec_env(env_id, ...), or pass "
                "autoreset_mode=gymnasium.vector.AutoresetMode.SAME_STEP when you make it"
            )
        self.env = env
        self.render_mode = getattr(env, "render_mode", None)
        super().__init__(env.num_envs, env.single_observation_space, env.single_action_space)
        self.metadata = dict(env.metadata)
        self._actions: np.ndarray | None = None

    # --- the VecEnv API ----------------------------------------------------------------------------------------
    def reset(self) -> Any:
        """Reset every sub-env with the seeds / options set since the last reset (then forget them)."""
        seeds = None if all(s is None for s in self._seeds) else list(self._seeds)
        options = self._options[0] if self._options and all(o == self._options[0] for o in self._options) else None
        if options is None and any(self._options):
            raise EnvConfigError("SB3VecEnv applies one options dict to every sub-env; got different ones per env")
        obs, info = self.env.reset(seed=seeds, options=options or None)
        self.reset_infos = info_rows(info, self.num_envs)
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> tuple[Any, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        if self._actions is None:
            raise EnvConfigError("step_wait() called before step_async(actions)")
        obs, reward, terminated, truncated, info = self.env.step(self._actions)
        self._actions = None
        done = np.logical_or(terminated, truncated)
        final_obs = info.pop("final_obs", None)
        final_info = info.pop("final_info", None)
        info.pop("_final_obs", None)
        info.pop("_final_info", None)
        infos = info_rows(info, self.num_envs)
        finals = info_rows(final_info, self.num_envs) if final_info is not None and done.any() else None
        for i in np.flatnonzero(done).tolist():
            self.reset_infos[i] = infos[i]
            infos[i] = finals[i] if finals is not None else {}
            infos[i]["terminal_observation"] = None if final_obs is None else final_obs[i]
        for i, row in enumerate(infos):
            row["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
        return obs, np.asarray(reward, dtype=np.float32), done, infos

    def close(self) -> None:
        self.env.close()

    def get_images(self) -> Sequence[np.ndarray | None]:
        frames = self.env.render()
        return [None] * self.num_envs if frames is None else list(frames)

    # --- attributes: per sub-env where the vector env holds sub-env objects, else the vector env's own -----------
    def _sub_envs(self) -> list[gym.Env] | None:
        envs = getattr(self.env, "envs", None)
        return list(envs) if isinstance(envs, (list, tuple)) else None

    def _targets(self, indices: Any) -> list[int]:
        return list(self._get_indices(indices))

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        subs = self._sub_envs()
        if subs is not None:
            return [subs[i].get_wrapper_attr(attr_name) for i in self._targets(indices)]
        value = getattr(self.env, attr_name)
        return [value for _ in self._targets(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        subs = self._sub_envs()
        if subs is not None:
            for i in self._targets(indices):
                setattr(subs[i], attr_name, value)
        else:
            setattr(self.env, attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any) -> list[Any]:
        subs = self._sub_envs()
        targets = self._targets(indices)
        if subs is not None:
            return [subs[i].get_wrapper_attr(method_name)(*method_args, **method_kwargs) for i in targets]
        result = getattr(self.env, method_name)(*method_args, **method_kwargs)  # one call serves every sub-env
        return [result for _ in targets]

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: Any = None) -> list[bool]:
        subs = self._sub_envs()
        if subs is None:
            return [False for _ in self._targets(indices)]
        from stable_baselines3.common.env_util import is_wrapped

        return [is_wrapped(subs[i], wrapper_class) for i in self._targets(indices)]


def make_sb3_vec_env(
    env_id: str,
    n_envs: int = 8,
    *,
    vectorization_mode: str | None = None,
    wrappers: Iterable[Any] | None = None,
    **env_kwargs: Any,
) -> SB3VecEnv:
    """An :class:`SB3VecEnv` of ``n_envs`` copies of a registered env, in ``SAME_STEP`` autoreset mode.

    Args:
        env_id: a registered id, e.g. ``"rewardgym/Maze-v0"``.
        n_envs: number of sub-envs.
        vectorization_mode: ``"vector_entry_point"`` (the native batched env: default where the id has one),
            ``"sync"`` or ``"async"``.
        wrappers: single-env wrappers (``sync`` / ``async`` only), as for ``gymnasium.make_vec``.
        **env_kwargs: passed to the env (e.g. ``size=11`` for the maze).

    Raises:
        MissingDependencyError: Stable-Baselines3 is not installed.
        EnvConfigError: an unknown vectorization mode, or wrappers with the native vector env.
    """
    spec = gym.spec(env_id)
    mode = vectorization_mode or ("vector_entry_point" if spec.vector_entry_point is not None else "sync")
    if mode == "vector_entry_point":
        if wrappers:
            raise EnvConfigError("wrappers apply to single envs: use vectorization_mode='sync' with them")
        env = gym.make_vec(env_id, num_envs=n_envs, vectorization_mode=mode,
                           autoreset_mode=AutoresetMode.SAME_STEP, **env_kwargs)
    elif mode in ("sync", "async"):
        env = gym.make_vec(env_id, num_envs=n_envs, vectorization_mode=mode, wrappers=list(wrappers or []),
                           vector_kwargs={"autoreset_mode": AutoresetMode.SAME_STEP}, **env_kwargs)
    else:
        raise EnvConfigError(f"vectorization_mode must be 'vector_entry_point', 'sync' or 'async', got {mode!r}")
    return SB3VecEnv(env)
