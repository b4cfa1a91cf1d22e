"""Apply ``robotics/*`` rewards to Gymnasium's own MuJoCo envs: :class:`MujocoInfo`.

The wrapper reads the wrapped env's MuJoCo state after each ``reset`` / ``step`` and adds it to ``info`` under
the keys of :mod:`rewardgym.envs.robotics.env`; observations, rewards, dynamics and random draws are those of
the wrapped env, untouched. Known envs (by class): Reacher (``fingertip_pos``, ``target_pos``) and Pusher
(``fingertip_pos`` = the ``tips_arm`` body, ``object_pos``, ``goal_pos``, ``contact``). Other MuJoCo envs
work with an explicit ``bodies={"fingertip_pos": "body name", ...}``.

Keys added: ``qpos``, ``qvel``, ``action`` (as passed to ``step``; zeros at reset), ``prev_action``, one
``*_pos`` per mapped body, ``fingertip_target_distance`` / ``fingertip_object_distance`` /
``object_goal_distance`` when both ends are mapped, ``contact`` / ``fingertip_contact`` when an object is,
and ``success`` (fingertip within ``success_radius`` of the target, or object within it of the goal).
Positions are the bodies' frames (``data.xpos``), the quantities Gymnasium's own rewards use.

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> env = rewardgym.wrap(MujocoInfo(gym.make("Reacher-v5")), "robotics/distance-to-target-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs, reward, *_, info = env.step(env.action_space.sample())
    >>> bool(abs(reward - info["reward_dist"]) < 1e-6)  # Reacher's own distance term
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from rewardgym.errors import EnvConfigError

__all__ = ["KNOWN_BODIES", "KNOWN_SUCCESS_RADIUS", "MujocoInfo"]

KNOWN_SUCCESS_RADIUS: dict[str, float] = {"ReacherEnv": 0.05, "PusherEnv": 0.08}
"""Pusher's goal is drawn as a disc of radius 0.08 m, 0.048 m below the puck's centre."""

KNOWN_BODIES: dict[str, dict[str, str]] = {
    "ReacherEnv": {"fingertip_pos": "fingertip", "target_pos": "target"},
    "PusherEnv": {"fingertip_pos": "tips_arm", "object_pos": "object", "goal_pos": "goal"},
}
_DISTANCES = (
    ("fingertip_target_distance", "fingertip_pos", "target_pos"),
    ("fingertip_object_distance", "fingertip_pos", "object_pos"),
    ("object_goal_distance", "object_pos", "goal_pos"),
)


class MujocoInfo(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Expose a Gymnasium MuJoCo env's state in ``info`` under rewardgym's robotics keys.

    Args:
        env: a Gymnasium MuJoCo env (``Reacher-v5``, ``Pusher-v5``, or another with ``bodies``).
        bodies: ``{info key: body name}``; keys among ``fingertip_pos``, ``target_pos``, ``object_pos``,
            ``goal_pos``. Defaults to :data:`KNOWN_BODIES` for the env's class.
        success_radius: metres, for ``info["success"]`` (None: :data:`KNOWN_SUCCESS_RADIUS` for the env's
            class, else 0.05).
    """

    def __init__(
        self, env: gym.Env, *, bodies: Mapping[str, str] | None = None, success_radius: float | None = None
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, bodies=bodies, success_radius=success_radius)
        gym.Wrapper.__init__(self, env)
        base = env.unwrapped
        if not (hasattr(base, "model") and hasattr(base, "data")):
            raise EnvConfigError(
                f"MujocoInfo wraps Gymnasium MuJoCo envs; {type(base).__name__} has no MuJoCo model"
            )
        kind = type(base).__name__
        if bodies is None and kind not in KNOWN_BODIES:
            raise EnvConfigError(
                f"no default body mapping for {kind}; pass "
                f"bodies={{'fingertip_pos': ..., 'target_pos': ...}} "
                f"(known envs: {sorted(KNOWN_BODIES)})"
            )
        self.bodies = dict(bodies if bodies is not None else KNOWN_BODIES[kind])
        allowed = {"fingertip_pos", "target_pos", "object_pos", "goal_pos"}
        if set(self.bodies) - allowed:
            raise EnvConfigError(f"bodies keys must be among {sorted(allowed)}, got {sorted(self.bodies)}")
        model = base.model
        names = [model.body(i).name for i in range(model.nbody)]
        missing = [b for b in self.bodies.values() if b not in names]
        if missing:
            raise EnvConfigError(f"bodies {missing} are not in the model; it has {names}")
        if success_radius is None:
            success_radius = KNOWN_SUCCESS_RADIUS.get(kind, 0.05)
        if not (isinstance(success_radius, (int, float)) and success_radius > 0):
            raise EnvConfigError(f"success_radius must be a positive number, got {success_radius!r}")
        self.success_radius = float(success_radius)
        self._body_ids = {key: names.index(b) for key, b in self.bodies.items()}
        self._object_geoms = self._geoms_of("object_pos")
        self._tip_geoms = self._geoms_of("fingertip_pos")
        self._action = np.zeros(env.action_space.shape)
        self._prev = np.zeros(env.action_space.shape)

    def _geoms_of(self, key: str) -> np.ndarray:
        if key not in self._body_ids:
            return np.zeros(0, dtype=int)
        model = self.env.unwrapped.model
        root = self._body_ids[key]
        bodies = [b for b in range(model.nbody) if self._descends(model, b, root)]
        return np.flatnonzero(np.isin(model.geom_bodyid, bodies))

    @staticmethod
    def _descends(model: Any, body: int, root: int) -> bool:
        while body != 0:
            if body == root:
                return True
            body = int(model.body_parentid[body])
        return root == 0

    def _state(self) -> dict[str, Any]:
        base = self.env.unwrapped
        data, model = base.data, base.model
        info: dict[str, Any] = {"qpos": data.qpos.copy(), "qvel": data.qvel.copy()}
        for key, body in self._body_ids.items():
            info[key] = data.xpos[body].copy()
        for name, a, b in _DISTANCES:
            if a in info and b in info:
                info[name] = float(np.linalg.norm(info[b] - info[a]))
        if "object_pos" in info:
            pairs = data.contact.geom[: data.ncon]
            touching = np.isin(pairs, self._object_geoms)
            one_side = touching[:, 0] ^ touching[:, 1]
            other = np.where(touching[:, 0], pairs[:, 1], pairs[:, 0])[one_side]
            other_body = model.geom_bodyid[other]
            info["contact"] = bool((other_body != 0).any())
            info["fingertip_contact"] = bool(np.isin(other, self._tip_geoms).any())
        if "object_goal_distance" in info:
            info["success"] = info["object_goal_distance"] < self.success_radius
        elif "fingertip_target_distance" in info:
            info["success"] = info["fingertip_target_distance"] < self.success_radius
        info["action"] = self._action.copy()
        info["prev_action"] = self._prev.copy()
        return info

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = self.env.reset(seed=seed, options=options)
        self._action = np.zeros_like(self._action)
        self._prev = np.zeros_like(self._prev)
        return obs, {**info, **self._state()}

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._prev = self._action
        self._action = np.asarray(action, dtype=np.float64).reshape(self._prev.shape).copy()
        return obs, reward, terminated, truncated, {**info, **self._state()}
