"""Every env refuses ``step()`` outside an episode: before ``reset()`` and after it terminated or truncated.

Before, the maze paid the goal again on re-entry, Code-v0 graded a second submission and the web envs paid
the score again on every extra step.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rewardgym  # noqa: F401  (registers the envs)
from rewardgym.errors import EpisodeStateError, InvalidActionError
from tests.conftest import need


def _maze():
    from rewardgym.envs.maze.env import MazeEnv

    return MazeEnv(size=7)


def _reach():
    from rewardgym.envs.robotics.env import ReachEnv

    return ReachEnv()


def _web():
    from rewardgym.envs.web.env import WebEnv

    return WebEnv("shop", max_steps=3)


def _code():
    from rewardgym.envs.code.env import CodeEnv

    return CodeEnv(sandbox="process", max_turns=2)


ENVS = {"maze": (_maze, 2), "reach": (_reach, None), "web": (_web, 'answer("x")'), "code": (_code, "no tags")}


@pytest.mark.parametrize("name", sorted(ENVS))
def test_step_before_reset_raises(name: str) -> None:
    make, action = ENVS[name]
    env = make()
    try:
        act = env.action_space.sample() if action is None else action
        with pytest.raises(EpisodeStateError, match="before reset"):
            env.step(act)
    finally:
        env.close()


def _greedy(env) -> int:
    """The move that gets closest to the goal (the maze's own distance map; walls are negative)."""
    dist = [env._dist[env._pos + env._delta[a]] for a in range(4)]
    return min(range(4), key=lambda a: dist[a] if dist[a] >= 0 else np.inf)


def test_maze_does_not_pay_the_goal_twice() -> None:
    env = _maze()
    env.reset(seed=0)
    rewards = []
    for _ in range(env.max_steps):
        _, reward, term, trunc, _ = env.step(_greedy(env))
        rewards.append(reward)
        if term or trunc:
            break
    assert term and sum(rewards) == 1.0
    for action in range(4):
        with pytest.raises(EpisodeStateError, match="after the episode ended"):
            env.step(action)
    env.reset(seed=1)
    env.step(0)  # a new episode runs


def test_maze_truncation_ends_the_episode() -> None:
    env = gym.make("rewardgym/Maze-v0", size=7, max_steps=3).unwrapped
    env.reset(seed=0)
    ends = [env.step(0)[3] for _ in range(3)]
    assert ends == [False, False, True]
    with pytest.raises(EpisodeStateError, match="truncated"):
        env.step(0)


def test_reach_after_success_termination_raises() -> None:
    from rewardgym.envs.robotics.env import ReachEnv

    env = ReachEnv(terminate_on_success=True, success_radius=10.0)  # every step succeeds
    env.reset(seed=0)
    _, _, term, _, _ = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    assert term
    with pytest.raises(EpisodeStateError):
        env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    env.close()


def test_web_does_not_pay_again_after_the_end() -> None:
    env = _web()
    try:
        env.reset(seed=0)
        _, _, term, _, _ = env.step('answer("x")')
        assert term
        with pytest.raises(EpisodeStateError, match="terminated"):
            env.step('answer("x")')
        env.reset(seed=0)
        for _ in range(3):
            *_, trunc, _ = env.step("scroll(down)")
        assert trunc
        with pytest.raises(EpisodeStateError, match="truncated"):
            env.step("scroll(down)")
    finally:
        env.close()


def test_code_does_not_grade_a_second_submission() -> None:
    need("bubblewrap")
    env = _code()
    env.reset(options={"task_id": "rewardgym/0"})
    solution = env.task.canonical_solution
    _, reward, term, _, _ = env.step(f"<submit>{solution}</submit>")
    assert term and reward == 1.0
    with pytest.raises(EpisodeStateError, match="after the episode ended"):
        env.step(f"<submit>{solution}</submit>")
    assert [t["kind"] for t in env.episode().transcripts[0]] == ["submit"]
    env.close()


@pytest.mark.parametrize("name", ["negotiation-v0", "support-v0", "referential-v0"])
def test_dialogue_envs_raise_the_same_error(name: str) -> None:
    from rewardgym.envs import dialogue

    env = dialogue.make(name, max_turns=1)
    with pytest.raises(EpisodeStateError, match="before reset"):
        env.step({a: "" for a in env.possible_agents})
    _, infos = env.reset(seed=0)
    speaker = next(iter(infos.values()))["speaker"]
    env.step({a: ("hello" if a == speaker else "") for a in env.agents})
    assert not env.agents
    with pytest.raises(EpisodeStateError, match="after the episode ended") as err:
        env.step({speaker: "again"})
    assert isinstance(err.value, InvalidActionError)
