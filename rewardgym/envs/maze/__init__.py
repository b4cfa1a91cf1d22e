"""Maze family: procedurally generated grid mazes, a natively batched vector env, and verifiable rewards.

- ``rewardgym/Maze-v0`` (:class:`MazeEnv`): reach the goal of a seeded random maze. Full or egocentric
  partial observations of cell codes (0 free, 1 wall, 2 goal, 3 agent), ``Discrete(4)`` moves, env reward 1.0
  at the goal. The info dict carries ``agent_pos``, ``goal_pos``, ``distance`` / ``prev_distance`` (BFS steps
  to the goal), ``bumped`` and ``success``; the maze rewards read only these.
- :class:`MazeVectorEnv` (``gymnasium.make_vec(..., vectorization_mode="vector_entry_point")``): N mazes
  stepped with NumPy array operations; identical, step for step and seed for seed, to a ``SyncVectorEnv`` of
  N :class:`MazeEnv` (next-step autoreset).
- :mod:`~rewardgym.envs.maze.generator`: perfect mazes (random spanning trees) with optional loops
  (``extra_openings``) and goal placement ``"far"`` / ``"random"`` / ``"corner"``, plus the BFS distance map.
- Rewards (:mod:`~rewardgym.envs.maze.rewards`): ``maze/goal-v0``, ``maze/step-cost-v0``,
  ``maze/distance-potential-v0`` (policy-invariant potential-based shaping) and ``maze/wall-bump-v0``.

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> envs = gym.make_vec("rewardgym/Maze-v0", num_envs=16, vectorization_mode="vector_entry_point",
    ...                     size=11, extra_openings=0.1)
    >>> envs = rewardgym.wrap(envs, {"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 0.1,
    ...                                      "maze/step-cost-v0": 1.0}})
    >>> obs, infos = envs.reset(seed=0)
    >>> obs, reward, terminated, truncated, infos = envs.step(envs.action_space.sample())
    >>> reward.shape, sorted(infos["reward_terms"])[-1]
    ((16,), 'total')
"""

from __future__ import annotations

from rewardgym.envs.maze.env import MazeEnv
from rewardgym.envs.maze.generator import Maze, generate_maze
from rewardgym.envs.maze.vector import MazeVectorEnv

__all__ = ["Maze", "MazeEnv", "MazeVectorEnv", "generate_maze"]
