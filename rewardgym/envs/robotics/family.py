"""The robotics family's declaration: Reach-v0 / Push-v0, their reward terms, experiments and ``info`` contract."""

from __future__ import annotations

from rewardgym.family import EnvEntry, Family, InfoField

_COMMON = (
    InfoField("fingertip_pos", "float64", (3,), "fingertip position (world coordinates, metres)"),
    InfoField("action", "float64", (3,), "the action applied this step (after clipping); zeros at reset"),
    InfoField("prev_action", "float64", (3,), "the action applied on the previous step; zeros at reset"),
    InfoField("success", "bool", (), "the task is solved in this state (distance below success_radius)"),
)

REACH_INFO = (
    InfoField("qpos", "float64", (3,), "arm hinge angles (rad)"),
    InfoField("qvel", "float64", (3,), "arm hinge velocities (rad/s)"),
    InfoField("target_pos", "float64", (3,), "the target position"),
    InfoField("fingertip_target_distance", "float64", (), "|fingertip_pos - target_pos| (m)"),
    *_COMMON,
)

PUSH_INFO = (
    InfoField("qpos", "float64", (5,), "arm hinge angles (3), then the puck's x, y (2)"),
    InfoField("qvel", "float64", (5,), "velocities, same layout as qpos"),
    InfoField("object_pos", "float64", (3,), "the puck's centre"),
    InfoField("object_vel", "float64", (3,), "the puck's velocity"),
    InfoField("goal_pos", "float64", (3,), "the goal position"),
    InfoField("fingertip_object_distance", "float64", (), "|object_pos - fingertip_pos| (m)"),
    InfoField("object_goal_distance", "float64", (), "|goal_pos - object_pos| (m)"),
    InfoField("contact", "bool", (), "some arm geom touches the puck"),
    InfoField("fingertip_contact", "bool", (), "the fingertip touches the puck"),
    *_COMMON,
)

FAMILY = Family(
    name="robotics",
    doc="MuJoCo 3-link arm tasks with composable reward terms (needs the robotics extra).",
    envs=(
        EnvEntry(
            id="rewardgym/Reach-v0",
            entry_point="rewardgym.envs.robotics.env:ReachEnv",
            vector_entry_point="rewardgym.envs.robotics.vector:ReachVectorEnv",
            max_episode_steps=50,
            doc="A 3-link planar arm reaching a random target (MuJoCo); obs (13,), action (3,).",
            observation="cos q (3) | sin q (3) | qdot (3) | target xy (2) | fingertip xy - target xy (2)",
            action="the three joint torques in [-1, 1] (gear 1 N·m)",
            task="Move the arm's fingertip to the target position and keep it there.",
            info=REACH_INFO,
        ),
        EnvEntry(
            id="rewardgym/Push-v0",
            entry_point="rewardgym.envs.robotics.env:PushEnv",
            vector_entry_point="rewardgym.envs.robotics.vector:PushVectorEnv",
            max_episode_steps=100,
            doc="A 3-link planar arm pushing a puck to a random goal (MuJoCo); obs (21,), action (3,).",
            observation="cos q (3) | sin q (3) | qdot arm (3) | fingertip xy (2) | object xy (2) | object velocity "
            "xy (2) | goal xy (2) | object - fingertip xy (2) | goal - object xy (2)",
            action="the three joint torques in [-1, 1] (gear 1 N·m)",
            task="Push the puck onto the goal position with the arm.",
            info=PUSH_INFO,
        ),
    ),
    rewards=tuple(
        f"rewardgym.envs.robotics.rewards.{m}"
        for m in ("distance", "object_goal", "success", "control_cost", "smoothness", "contact", "defaults")
    ),
    experiments=(
        "rewardgym.envs.robotics.experiments:reach_experiment",
        "rewardgym.envs.robotics.experiments:push_experiment",
    ),
)
