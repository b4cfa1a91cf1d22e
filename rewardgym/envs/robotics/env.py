"""MuJoCo arm tasks ``rewardgym/Reach-v0`` and ``rewardgym/Push-v0``: spaces, ``info`` contract, reward.

Both tasks use the same 3-link planar arm (hinges about z, link lengths 0.10 / 0.10 / 0.09 m to the
fingertip, base at the origin, joints 1-2 limited to ±2.8 rad) driven by three torque motors. Models are
shipped MJCF (``rewardgym/envs/robotics/assets``). One env step = ``frame_skip`` (2) physics steps of
0.01 s. Episodes are truncated by the registered time limit (Reach 50 steps, Push 100 steps); they
terminate only with ``terminate_on_success=True``.

Action (both): ``Box(-1, 1, (3,), float32)``, the three joint torques (gear 1 N·m). Out-of-range actions are
clipped (``clip_actions=False`` rejects them); a wrong shape or a non-finite value raises
:class:`~rewardgym.errors.InvalidActionError`.

Reach-v0 observation, ``Box(-inf, inf, (13,), float64)``:
``cos q (3) | sin q (3) | qdot (3) | target xy (2) | fingertip xy - target xy (2)``.
The target is sampled uniformly over the annulus 0.08 ≤ r ≤ 0.25 m around the base at every reset; the
joints start within ±0.1 rad of straight (along +x).

Push-v0 observation, ``Box(-inf, inf, (21,), float64)``:
``cos q (3) | sin q (3) | qdot arm (3) | fingertip xy (2) | object xy (2) | object velocity xy (2) |
goal xy (2) | object - fingertip xy (2) | goal - object xy (2)``.
The puck (radius 0.025 m, 0.05 kg, sliding with damping on two slide joints) starts 0.12-0.22 m from the
base, away from the arm; the goal is 0.10-0.20 m from the puck, 0.08-0.25 m from the base. Walls at
±0.34 m keep the puck in the arena; only the arm and the walls touch it.

Batched versions (same spaces and info, Gymnasium's vector layout) are the ``vector_entry_point``:
``gymnasium.make_vec(id, num_envs=N, vectorization_mode="vector_entry_point")``
(:mod:`rewardgym.envs.robotics.vector`).

``info`` (every ``reset`` and ``step``; reward functions read these columns from ``Transitions.infos``;
positions are world coordinates in metres, arrays are float64, flags are bool):

==============================  =======  ===========================================================
key                             shape    meaning
==============================  =======  ===========================================================
``qpos``                        (nq,)    joint positions: arm hinges (3), then Push's puck x, y (2)
``qvel``                        (nv,)    joint velocities, same layout
``fingertip_pos``               (3,)     fingertip position
``action``                      (3,)     the action applied this step (after clipping); zeros at reset
``prev_action``                 (3,)     the action applied on the previous step; zeros at reset
``success``                     bool     task solved in this state (see below)
``target_pos``                  (3,)     Reach: the target
``fingertip_target_distance``   float    Reach: ``|fingertip_pos - target_pos|``
``object_pos``                  (3,)     Push: the puck's centre
``object_vel``                  (3,)     Push: the puck's velocity
``goal_pos``                    (3,)     Push: the goal
``fingertip_object_distance``   float    Push: ``|object_pos - fingertip_pos|``
``object_goal_distance``        float    Push: ``|goal_pos - object_pos|``
``contact``                     bool     Push: some arm geom touches the puck (MuJoCo's contact list)
``fingertip_contact``           bool     Push: the fingertip touches the puck
==============================  =======  ===========================================================

``success`` is ``fingertip_target_distance < success_radius`` (Reach) or
``object_goal_distance < success_radius`` (Push); ``success_radius`` defaults to 0.05 m and is drawn as
the translucent disc. An episode counts as solved when ``success`` holds on its last step.

Reset options pin parts of the initial state (the random draws are made all the same):
``arm_qpos`` (3 joint angles), Reach ``target_pos`` (x, y), Push ``object_pos`` and ``goal_pos`` (x, y).

Reward: the env's own reward is its registered default, ``robotics/reach-default-v0`` or
``robotics/push-default-v0`` (see :mod:`rewardgym.envs.robotics.rewards.defaults`), computed from the
``info`` above. ``reward=`` takes any other weighted sum of ``robotics/*`` terms; for anything else, wrap
the env with :func:`rewardgym.wrap`.

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> env = gym.make("rewardgym/Reach-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, sorted(info)[:3]
    ((13,), ['action', 'fingertip_pos', 'fingertip_target_distance'])
    >>> obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    >>> bool(info["success"]) in (True, False)
    True
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from rewardgym.envs.guard import EpisodeGuard
from rewardgym.envs.robotics.render import FrameRenderer
from rewardgym.envs.robotics.sim import ArmSim
from rewardgym.envs.robotics.tasks import PushSim, ReachSim

__all__ = ["PushEnv", "ReachEnv", "RoboticsEnv", "row_info"]


def row_info(info: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    """Row ``i`` of batched info columns: arrays for vectors, Python floats / bools for scalars."""
    out: dict[str, Any] = {}
    for key, col in info.items():
        if col.ndim > 1:
            out[key] = col[i].copy()
        elif col.dtype == np.bool_:
            out[key] = bool(col[i])
        else:
            out[key] = float(col[i])
    return out


class RoboticsEnv(gym.Env[np.ndarray, np.ndarray]):
    """Base of the single MuJoCo arm envs: one row of an :class:`~rewardgym.envs.robotics.sim.ArmSim`.

    Args:
        render_mode: ``"rgb_array"`` or None.
        width: frame width in pixels (at most 1024).
        height: frame height in pixels (at most 1024).
        camera: ``"overview"`` (angled) or ``"top"`` (straight down).
        **sim_kwargs: ``reward``, ``success_radius``, ``terminate_on_success``, ``frame_skip``,
            ``clip_actions`` (see :class:`~rewardgym.envs.robotics.sim.ArmSim`).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 50}
    sim_class: ClassVar[type[ArmSim]]

    def __init__(
        self,
        *,
        render_mode: str | None = None,
        width: int = 320,
        height: int = 320,
        camera: str = "overview",
        **sim_kwargs: Any,
    ) -> None:
        self.sim = self.sim_class(1, **sim_kwargs)
        self.render_mode = render_mode
        self._frames = FrameRenderer(
            self.sim.model, render_mode, self.metadata["render_modes"], width, height, camera
        )
        self.metadata = {**self.metadata, "render_fps": round(1.0 / self.sim.dt)}
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (self.sim.obs_dim,), np.float64)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (self.sim.nu,), np.float32)
        self._rows = np.zeros(1, dtype=np.int64)
        self._guard = EpisodeGuard(type(self).__name__)

    @property
    def dt(self) -> float:
        """Seconds of simulated time per env step."""
        return self.sim.dt

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self.sim.reset_rows(self._rows, [self.np_random], options)
        self._guard.start()
        return self.sim.observe()[0], row_info(self.sim.info(), 0)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        a = self.sim.check_actions(action, None)
        self._guard.check()
        self.sim.step_rows(self._rows, a)
        info = self.sim.info()
        reward = float(self.sim.reward(info)[0])
        terminated = bool(self.sim.terminate_on_success and info["success"][0])
        self._guard.finish(terminated, False)
        return self.sim.observe()[0], reward, terminated, False, row_info(info, 0)

    def render(self) -> np.ndarray | None:
        """An ``(height, width, 3)`` uint8 frame in ``rgb_array`` mode (None without a render mode)."""
        return self._frames.frame(self.sim.data[0])

    def close(self) -> None:
        self._frames.close()
        self.sim.close()


class ReachEnv(RoboticsEnv):
    """A 3-link planar arm reaching a random target (MuJoCo); obs (13,), action (3,), info per module doc.

    Example:
        >>> env = ReachEnv()
        >>> obs, info = env.reset(seed=1)
        >>> round(info["fingertip_target_distance"], 3) > 0
        True
    """

    sim_class = ReachSim


class PushEnv(RoboticsEnv):
    """A 3-link planar arm pushing a puck to a random goal (MuJoCo); obs (21,), action (3,).

    Example:
        >>> env = PushEnv()
        >>> obs, info = env.reset(seed=1)
        >>> obs.shape, info["contact"]
        ((21,), False)
    """

    sim_class = PushSim
