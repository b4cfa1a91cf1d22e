"""Natively batched Reach / Push: ``N`` MuJoCo simulations stepped in one call per vector step.

Registered as the ``vector_entry_point`` of ``rewardgym/Reach-v0`` and ``rewardgym/Push-v0``. The observation,
reward, ``terminated``, ``truncated`` and ``info`` columns equal those of a ``SyncVectorEnv`` over the single
env (sub-env ``i`` seeded with ``seed + i``), including Gymnasium's ``_key`` info masks and its autoreset
modes: ``NEXT_STEP`` (default: the step after an episode ends resets that sub-env, ignores its action and
returns reward 0) and ``SAME_STEP`` (``info["final_obs"]`` / ``info["final_info"]``). Observations and info
are computed for all sub-envs at once with NumPy. The physics of all sub-envs runs in one call to MuJoCo's C
batch (``backend="batch"``, the default: ``mujoco.batch``, ``num_threads`` threads, the GIL released); the
same bits come from ``backend="loop"`` (a Python loop over one ``MjData`` per sub-env, as a single env steps).

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> envs = gym.make_vec("rewardgym/Reach-v0", num_envs=4, vectorization_mode="vector_entry_point")
    >>> obs, info = envs.reset(seed=0)
    >>> obs.shape, info["fingertip_pos"].shape
    ((4, 13), (4, 3))
    >>> obs, reward, terminated, truncated, info = envs.step(envs.action_space.sample())
    >>> reward.shape, info["success"].dtype
    ((4,), dtype('bool'))
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rewardgym.envs.robotics.render import FrameRenderer
from rewardgym.envs.robotics.sim import ArmSim
from rewardgym.envs.robotics.tasks import PushSim, ReachSim
from rewardgym.errors import EnvConfigError

__all__ = ["PushVectorEnv", "ReachVectorEnv", "RoboticsVectorEnv"]


def _with_masks(info: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, Any]:
    """Gymnasium's vector info layout: each column plus a ``_key`` mask; rows outside the mask are zeroed."""
    out: dict[str, Any] = {}
    partial = not mask.all()
    for key, col in info.items():
        if partial:
            col = np.where(mask.reshape(-1, *([1] * (col.ndim - 1))), col, np.zeros_like(col))
        out[key] = col
        out[f"_{key}"] = mask.copy()
    return out


class RoboticsVectorEnv(VectorEnv):
    """``num_envs`` arm simulations behind Gymnasium's ``VectorEnv`` API (base of the batched tasks).

    Args:
        num_envs: number of sub-envs.
        max_episode_steps: truncate each episode after this many steps (None: the task's registered limit).
        autoreset_mode: ``AutoresetMode.NEXT_STEP`` (default) or ``AutoresetMode.SAME_STEP`` (or their names).
        render_mode: ``"rgb_array"`` (``render()`` returns one frame per sub-env) or None.
        width: frame width in pixels.
        height: frame height in pixels.
        camera: ``"overview"`` or ``"top"``.
        num_threads: threads stepping the simulations (1: the calling thread).
        backend: ``"batch"`` (MuJoCo's C thread pool steps every sub-env in one call) or ``"loop"`` (a Python
            loop over the sub-envs); the results are identical.
        **sim_kwargs: ``reward``, ``success_radius``, ``terminate_on_success``, ``frame_skip``,
            ``clip_actions`` (as for the single env).
    """

    sim_class: ClassVar[type[ArmSim]]
    default_max_episode_steps: ClassVar[int]

    def __init__(
        self,
        num_envs: int,
        *,
        max_episode_steps: int | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        render_mode: str | None = None,
        width: int = 320,
        height: int = 320,
        camera: str = "overview",
        num_threads: int = 1,
        backend: str = "batch",
        **sim_kwargs: Any,
    ) -> None:
        try:
            mode = AutoresetMode(autoreset_mode)
        except ValueError:
            raise EnvConfigError(
                "autoreset_mode must be 'NextStep' or 'SameStep' (gymnasium.vector.AutoresetMode), "
                f"got {autoreset_mode!r}"
            ) from None
        if mode not in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
            raise EnvConfigError(f"autoreset_mode {mode.value!r} is not supported; use NextStep or SameStep")
        limit = self.default_max_episode_steps if max_episode_steps is None else max_episode_steps
        if not isinstance(limit, (int, np.integer)) or isinstance(limit, bool) or limit < 1:
            raise EnvConfigError(
                f"max_episode_steps must be a positive int or None, got {max_episode_steps!r}"
            )
        self.sim = self.sim_class(num_envs, num_threads=num_threads, backend=backend, **sim_kwargs)
        self.num_envs = self.sim.num_envs
        self.max_episode_steps = int(limit)
        self.render_mode = render_mode
        self.metadata = {
            "render_modes": ["rgb_array"],
            "render_fps": round(1.0 / self.sim.dt),
            "autoreset_mode": mode,
        }
        self._frames = FrameRenderer(self.sim.model, render_mode, ["rgb_array"], width, height, camera)
        self.single_observation_space = gym.spaces.Box(-np.inf, np.inf, (self.sim.obs_dim,), np.float64)
        self.single_action_space = gym.spaces.Box(-1.0, 1.0, (self.sim.nu,), np.float32)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._rngs: list[np.random.Generator | None] = [None] * self.num_envs
        self._elapsed = np.zeros(self.num_envs, dtype=np.int64)
        self._needs_reset = np.zeros(self.num_envs, dtype=bool)
        self._all = np.ones(self.num_envs, dtype=bool)

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset all sub-envs (or those in ``options["reset_mask"]``); ``seed=s`` seeds sub-env i with s+i.

        Other options pin the initial state of every sub-env reset now (as for the single env).
        """
        n = self.num_envs
        seeds = (
            [None] * n
            if seed is None
            else ([seed + i for i in range(n)] if isinstance(seed, int) else list(seed))
        )
        if len(seeds) != n:
            raise EnvConfigError(f"reset(seed=[...]) needs {n} seeds (one per sub-env), got {len(seeds)}")
        mask = self._all
        options = dict(options or {})
        if "reset_mask" in options:
            mask = np.asarray(options.pop("reset_mask"))
            if mask.shape != (n,) or mask.dtype != np.bool_ or not mask.any():
                raise EnvConfigError(
                    f"options['reset_mask'] must be a bool array of shape ({n},) with a True value"
                )
        rows = np.flatnonzero(mask)
        for i in rows:
            if seeds[i] is not None or self._rngs[i] is None:
                self._rngs[i], _ = seeding.np_random(seeds[i])
        self._reset(rows, options)
        return self.sim.observe(), _with_masks(self.sim.info(), mask)

    def _reset(self, rows: np.ndarray, options: dict[str, Any] | None = None) -> None:
        self.sim.reset_rows(rows, [self._rngs[i] for i in rows], options)
        self._elapsed[rows] = 0
        self._needs_reset[rows] = False

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every sub-env; finished ones reset as ``autoreset_mode`` says."""
        sim = self.sim
        a = sim.check_actions(actions, self.num_envs)
        same_step = self.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
        resetting = self._needs_reset.copy()
        any_resetting = bool(resetting.any())
        if any_resetting:
            self._reset(np.flatnonzero(resetting))
            stepping = np.flatnonzero(~resetting)
            sim.step_rows(stepping, a[stepping])
            self._elapsed[stepping] += 1
        else:  # the common case: every sub-env steps, no index arrays needed
            sim.step_rows(None, a)
            self._elapsed += 1
        info = sim.info()
        reward = sim.reward(info)
        terminated = info["success"] & sim.terminate_on_success
        truncated = self._elapsed >= self.max_episode_steps
        if any_resetting:
            reward[resetting] = 0.0
            terminated[resetting] = False
            truncated[resetting] = False
        done = terminated | truncated
        obs = sim.observe()
        extra: dict[str, Any] = {}
        if same_step and done.any():
            rows = np.flatnonzero(done)
            final_obs = np.full(self.num_envs, None, dtype=object)
            for i in rows:
                final_obs[i] = obs[i]
            extra = {
                "final_obs": final_obs,
                "_final_obs": done.copy(),
                "final_info": _with_masks(info, done),
                "_final_info": done.copy(),
            }
            self._reset(rows)
            obs, info = sim.observe(), sim.info()
        else:
            self._needs_reset = done
        return obs, reward, terminated, truncated, {**extra, **_with_masks(info, self._all)}

    def render(self) -> tuple[np.ndarray, ...] | None:
        """One ``(height, width, 3)`` frame per sub-env in ``rgb_array`` mode."""
        if self.render_mode is None:
            return self._frames.frame(None)
        return tuple(self._frames.frame(d) for d in self.sim.data)

    def close_extras(self, **kwargs: Any) -> None:
        self._frames.close()
        self.sim.close()


class ReachVectorEnv(RoboticsVectorEnv):
    """Batched ``rewardgym/Reach-v0`` (see :mod:`rewardgym.envs.robotics.env` for spaces and info)."""

    sim_class = ReachSim
    default_max_episode_steps = 50


class PushVectorEnv(RoboticsVectorEnv):
    """Batched ``rewardgym/Push-v0`` (see :mod:`rewardgym.envs.robotics.env` for spaces and info)."""

    sim_class = PushSim
    default_max_episode_steps = 100
