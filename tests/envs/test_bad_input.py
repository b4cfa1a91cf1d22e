"""Input that cannot work fails cleanly: an oversized maze, a Code-v0 action that is not valid Unicode."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import pytest

import rewardgym  # noqa: F401  (registers the envs)
from rewardgym.envs.maze.generator import MAX_SIZE
from rewardgym.errors import EnvConfigError, InvalidActionError


@pytest.mark.parametrize("vector", [False, True])
def test_maze_size_is_bounded(vector: bool) -> None:
    with pytest.raises(EnvConfigError, match=f"at most {MAX_SIZE}"):
        if vector:
            gym.make_vec("rewardgym/Maze-v0", num_envs=2, vectorization_mode="vector_entry_point", size=100001)
        else:
            gym.make("rewardgym/Maze-v0", size=100001)
    gym.make("rewardgym/Maze-v0", size=MAX_SIZE).close()  # the bound itself is accepted (built lazily)


def test_demo_with_a_huge_maze_fails_with_one_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "rewardgym.cli", "demo", "--size", "100001"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode != 0 and f"at most {MAX_SIZE}" in out.stderr and "Traceback" not in out.stderr


def test_code_action_with_a_lone_surrogate_is_refused_without_eating_the_turn() -> None:
    from rewardgym.envs.code.env import CodeEnv

    env = CodeEnv(sandbox="process", max_turns=2)
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match="surrogate"):
        env.step("<run>print('\ud800')</run>")
    assert env.turn == 0 and env.transcript == []
    env.close()
