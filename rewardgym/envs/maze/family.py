"""The maze family's declaration: its env, rewards, experiment and ``info`` contract (see :mod:`rewardgym.family`)."""

from __future__ import annotations

from rewardgym.family import EnvEntry, Family, InfoField

INFO = (
    InfoField("agent_pos", "int64", (2,), "the agent's (row, col)"),
    InfoField("goal_pos", "int64", (2,), "the goal's (row, col)"),
    InfoField("distance", "int64", (), "BFS steps from the agent to the goal after the move (0 at the goal)"),
    InfoField("prev_distance", "int64", (), "BFS steps from the agent to the goal before the move"),
    InfoField("bumped", "bool", (), "the move hit a wall and the agent stayed in place"),
    InfoField("success", "bool", (), "the agent is on the goal"),
)

FAMILY = Family(
    name="maze",
    doc="Procedurally generated grid mazes with a natively batched vector env.",
    envs=(
        EnvEntry(
            id="rewardgym/Maze-v0",
            entry_point="rewardgym.envs.maze.env:MazeEnv",
            vector_entry_point="rewardgym.envs.maze.vector:MazeVectorEnv",
            doc="Reach the goal of a seeded random grid maze; Discrete(4) moves, cell-code observations.",
            observation="cell codes 0 free, 1 wall, 2 goal, 3 agent: the whole (size, size) grid, or with "
            "view_radius=r the (2r+1, 2r+1) window centred on the agent (outside cells read as wall)",
            action="0 up, 1 right, 2 down, 3 left; a move into a wall leaves the agent in place",
            task="Move the agent through the maze to the goal cell as quickly as possible.",
            info=INFO,
        ),
    ),
    rewards=("rewardgym.envs.maze.rewards",),
    experiments=("rewardgym.envs.maze.experiments:maze_experiment",),
)
