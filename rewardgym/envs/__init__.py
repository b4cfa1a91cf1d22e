"""Environment families and their Gymnasium registrations (string entry points: nothing heavy is imported).

Every id lives in the ``rewardgym`` namespace: ``gymnasium.make("rewardgym/Maze-v0")``.
"""

from __future__ import annotations

import gymnasium as gym


def _register(id: str, entry_point: str, **kwargs) -> None:
    if id not in gym.registry:
        gym.register(id=id, entry_point=entry_point, **kwargs)


def register_envs() -> None:
    """Register every rewardgym env with Gymnasium (idempotent)."""
    for web_id, web_app in (("WebShop", "shop"), ("WebBooking", "booking"), ("WebMail", "mail")):
        _register(f"rewardgym/{web_id}-v0", entry_point="rewardgym.envs.web.env:WebEnv", kwargs={"app": web_app})
    _register("rewardgym/Code-v0", entry_point="rewardgym.envs.code.env:CodeEnv", max_episode_steps=None)
    _register(
        "rewardgym/Maze-v0",
        entry_point="rewardgym.envs.maze.env:MazeEnv",
        vector_entry_point="rewardgym.envs.maze.vector:MazeVectorEnv",
        max_episode_steps=None,
    )
    _register(
        "rewardgym/Reach-v0",
        entry_point="rewardgym.envs.robotics.env:ReachEnv",
        vector_entry_point="rewardgym.envs.robotics.vector:ReachVectorEnv",
        max_episode_steps=50,
    )
    _register(
        "rewardgym/Push-v0",
        entry_point="rewardgym.envs.robotics.env:PushEnv",
        vector_entry_point="rewardgym.envs.robotics.vector:PushVectorEnv",
        max_episode_steps=100,
    )
