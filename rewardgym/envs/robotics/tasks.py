"""The two arm tasks: :class:`ReachSim` (reach a target) and :class:`PushSim` (push a puck to a goal).

Each defines how an episode starts (:meth:`~ArmSim.sample`), the observation vector and the ``info``
columns; the stepping machinery is :class:`~rewardgym.envs.robotics.sim.ArmSim`. The specification of both
(spaces, every info key) is in :mod:`rewardgym.envs.robotics.env`.

Example:
    >>> sim = ReachSim(2)
    >>> sim.reset_rows([0, 1], [np.random.default_rng(0), np.random.default_rng(1)])
    >>> sim.observe().shape, sim.info()["success"].tolist()
    ((2, 13), [False, False])
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from rewardgym.envs.robotics.sim import ArmSim, norm3

__all__ = ["PushSim", "ReachSim"]


class ReachSim(ArmSim):
    """Reach: move the fingertip to a random target in the plane (see :mod:`rewardgym.envs.robotics.env`)."""

    asset = "reach.xml"
    default_reward = "robotics/reach-default-v0"
    obs_dim = 13
    target_radius = (0.08, 0.25)
    info_keys = (
        "qpos",
        "qvel",
        "fingertip_pos",
        "target_pos",
        "fingertip_target_distance",
        "action",
        "prev_action",
        "success",
    )
    option_slots: ClassVar[dict[str, tuple[str, slice]]] = {
        **ArmSim.option_slots,
        "target_pos": ("mocap", slice(0, 2)),
    }

    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        qpos, qvel = self.arm_start(rng)
        lo, hi = self.target_radius
        r = np.sqrt(rng.uniform(lo * lo, hi * hi))
        theta = rng.uniform(-np.pi, np.pi)
        return qpos, qvel, np.array([r * np.cos(theta), r * np.sin(theta), self._base[2]])

    def observe(self) -> np.ndarray:
        tip = self.fingertip()
        return np.concatenate([*self.arm_features(), self.mocap[:, :2], (tip - self.mocap)[:, :2]], axis=1)

    def info(self) -> dict[str, np.ndarray]:
        tip = self.fingertip()
        distance = norm3(tip - self.mocap)
        return {
            "qpos": self.qpos.copy(),
            "qvel": self.qvel.copy(),
            "fingertip_pos": tip.copy(),
            "target_pos": self.mocap.copy(),
            "fingertip_target_distance": distance,
            "action": self.action.copy(),
            "prev_action": self.prev_action.copy(),
            "success": distance < self.success_radius,
        }


class PushSim(ArmSim):
    """Push: push the puck to a random goal (see :mod:`rewardgym.envs.robotics.env`)."""

    asset = "push.xml"
    default_reward = "robotics/push-default-v0"
    obs_dim = 21
    zone_geom = "goal_zone"
    object_radius = (0.12, 0.22)
    goal_offset = (0.10, 0.20)
    goal_radius = (0.08, 0.25)
    info_keys = (
        "qpos",
        "qvel",
        "fingertip_pos",
        "object_pos",
        "object_vel",
        "goal_pos",
        "fingertip_object_distance",
        "object_goal_distance",
        "contact",
        "fingertip_contact",
        "action",
        "prev_action",
        "success",
    )
    option_slots: ClassVar[dict[str, tuple[str, slice]]] = {
        **ArmSim.option_slots,
        "object_pos": ("qpos", slice(3, 5)),
        "goal_pos": ("mocap", slice(0, 2)),
    }

    def __init__(self, num_envs: int, **kwargs: Any) -> None:
        super().__init__(num_envs, **kwargs)
        self._object_geom = self.model.geom("object").id

    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        arm_q, arm_v = self.arm_start(rng)
        r = rng.uniform(*self.object_radius)
        theta = rng.uniform(0.6, 2 * np.pi - 0.6)  # clear of the arm, which starts along +x
        obj = np.array([r * np.cos(theta), r * np.sin(theta)])
        goal = obj
        for _ in range(100):
            d, phi = rng.uniform(*self.goal_offset), rng.uniform(-np.pi, np.pi)
            goal = obj + d * np.array([np.cos(phi), np.sin(phi)])
            if self.goal_radius[0] <= np.hypot(*goal) <= self.goal_radius[1]:
                break
        qpos = np.concatenate([arm_q, obj])
        qvel = np.concatenate([arm_v, np.zeros(2)])
        return qpos, qvel, np.array([goal[0], goal[1], self._base[2]])

    def object_pos(self) -> np.ndarray:
        out = np.empty((self.num_envs, 3))
        out[:, :2] = self.qpos[:, 3:5]
        out[:, 2] = self._base[2]
        return out

    def observe(self) -> np.ndarray:
        tip, obj = self.fingertip(), self.object_pos()
        return np.concatenate(
            [
                *self.arm_features(),
                tip[:, :2],
                obj[:, :2],
                self.qvel[:, 3:5],
                self.mocap[:, :2],
                (obj - tip)[:, :2],
                (self.mocap - obj)[:, :2],
            ],
            axis=1,
        )

    def info(self) -> dict[str, np.ndarray]:
        tip, obj = self.fingertip(), self.object_pos()
        object_goal = norm3(self.mocap - obj)
        vel = np.zeros((self.num_envs, 3))
        vel[:, :2] = self.qvel[:, 3:5]
        return {
            "qpos": self.qpos.copy(),
            "qvel": self.qvel.copy(),
            "fingertip_pos": tip.copy(),
            "object_pos": obj,
            "object_vel": vel,
            "goal_pos": self.mocap.copy(),
            "fingertip_object_distance": norm3(obj - tip),
            "object_goal_distance": object_goal,
            "contact": self.contact.copy(),
            "fingertip_contact": self.fingertip_contact.copy(),
            "action": self.action.copy(),
            "prev_action": self.prev_action.copy(),
            "success": object_goal < self.success_radius,
        }
