"""The reward x env matrix: every registered reward, attached with ``rewardgym.wrap`` to every env it applies to,
runs episodes to the end on a single env and on a vector env (its native one, else ``SyncVectorEnv``), or on
the PettingZoo env through the multi-agent wrapper.

What is checked on every step: the step reward is ``info["reward_terms"]["total"]``; a per-step reward equals
a direct call on the same transitions, and is 0 on vector autoreset steps; an episode reward is 0 before the
terminal step and, on it, equals a direct call of the reward on the env's ``episode()``.

Which envs a reward applies to comes from the family contract (the family whose reward modules define it,
narrowed by the info keys its terms read); rewards that fit only part of their family, or belong to none, say
so in :data:`APPLIES` / :data:`NOT_APPLICABLE`. Policies are scripted or random; LLM judges use their
registered scripted backends (test doubles at the LLM boundary).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

import rewardgym
from rewardgym.family import env_entry, families
from rewardgym.rewards.base import scores_episodes, scores_steps
from rewardgym.rewards.registry import reward_registry
from rewardgym.types import Transitions
from tests.conftest import need

APPLIES: dict[str, tuple[str, ...]] = {
    "dialogue/negotiation-value-v0": ("negotiation-v0",),
    "dialogue/negotiation-agreement-v0": ("negotiation-v0",),
    "dialogue/negotiation-pareto-v0": ("negotiation-v0",),
    "dialogue/emotion-v0": ("support-v0",),
    "dialogue/tactic-novelty-v0": ("support-v0",),
    "dialogue/judge-v0": ("support-v0",),
    "dialogue/referential-accuracy-v0": ("referential-v0",),
    "judge/rubric-v0": ("rewardgym/Code-v0", "rewardgym/WebShop-v0"),
    "learned/preference-v0": ("rewardgym/Maze-v0",),  # its example model reads 5x5 maze grids
}
"""Rewards that fit only part of their family, or that belong to no family: the envs they apply to."""

NOT_APPLICABLE: dict[str, str] = {
    "text/bleu-v0": "scores completions against infos['references']; no registered env reports reference texts",
    "judge/correctness-v0": "compares answers with infos['reference']; no registered env reports a reference answer",
}

ENV_KWARGS: dict[str, dict[str, Any]] = {
    "rewardgym/Maze-v0": {"size": 5},
    "rewardgym/Code-v0": {"sandbox": "process", "max_turns": 3},
    "rewardgym/WebShop-v0": {"max_steps": 25},
    "rewardgym/WebBooking-v0": {"max_steps": 25},
    "rewardgym/WebMail-v0": {"max_steps": 25},
}
DIALOGUE_LINEUPS = {"negotiation-v0": ["fair", "greedy"], "support-v0": ["empathic"], "referential-v0": ["literal"] * 2}
SLOW_FAMILIES = {"robotics", "web", "code"}
SHIPPED = frozenset(reward_registry())
"""The rewards registered when the test module is collected: the shipped ones and installed plugins (tests and
doctests register more while they run)."""
ROW_KEYS = ("obs", "action", "next_obs", "env_reward", "terminated", "truncated", "infos")


def _family_of_reward(name: str) -> Any:
    module = reward_registry()[name].factory.__module__
    for fam in families().values():
        if any(module == m or module.startswith(m + ".") for m in fam.rewards):
            return fam
    return None


def _requires(reward: Any) -> set[str] | None:
    """Info keys the reward's terms declare (``requires``), None when some term does not say."""
    if hasattr(reward, "requires"):
        return set(reward.requires)
    parts = [getattr(reward, a) for a in ("gate", "inner") if hasattr(reward, a)]
    parts += list(getattr(reward, "terms", {}).values())
    if not parts:
        return None
    keys: set[str] = set()
    for p in parts:
        sub = _requires(p)
        if sub is None:
            return None
        keys |= sub
    return keys


def _make_reward(name: str) -> Any:
    return rewardgym.make_reward(name, **dict(reward_registry()[name].example_kwargs or {}))


def _cases() -> list[Any]:
    cases = []
    for name in sorted(SHIPPED):
        if name in NOT_APPLICABLE:
            continue
        fam = _family_of_reward(name)
        if name in APPLIES:
            envs = APPLIES[name]
        else:
            needs = _requires(_make_reward(name))
            envs = tuple(
                e.id for e in fam.envs if needs is None or needs <= {f.name for f in e.info}
            )
        slow = (fam.name if fam else "") in SLOW_FAMILIES or any(e.startswith(("rewardgym/Web", "rewardgym/Code"))
                                                                    for e in envs)
        for env_id in envs:
            marks = [pytest.mark.slow] if slow else []
            cases.append(pytest.param(name, env_id, id=f"{name}@{env_id}", marks=marks))
    return cases


def test_every_reward_has_a_place_in_the_matrix() -> None:
    placed = {p.values[0] for p in _cases()} | set(NOT_APPLICABLE)
    assert placed == set(SHIPPED), "rewards with no env: add them to APPLIES or NOT_APPLICABLE"
    for env_ids in APPLIES.values():
        for env_id in env_ids:
            env_entry(env_id)  # every named env exists


# ------------------------------------------------------------------------------------------ policies
def _code_action(base: Any, step: int) -> str:
    """Run something, then submit the task's canonical solution."""
    return "<run>\nprint(1)\n</run>" if step == 0 else f"<submit>\n{base.task.canonical_solution}</submit>"


def _strip(info: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in info.items() if k not in ("env_reward", "reward_terms")}


def _same(a: Any, b: Any) -> bool:
    a, b = torch.as_tensor(np.asarray(a, dtype=np.float32)), torch.as_tensor(np.asarray(b, dtype=np.float32))
    return bool(torch.allclose(a, b, atol=1e-5, equal_nan=True))


def _check_episode(reward: Any, rows: dict[str, list], rewards: list[float], terms: list[dict], episode: Any) -> None:
    assert all(_same(r, t["total"]) for r, t in zip(rewards, terms))
    if scores_episodes(reward) and not reward.mixed:
        assert rewards[:-1] == [0.0] * (len(rewards) - 1), "an episode reward was paid before the episode ended"
        direct = reward.breakdown(episode)
        assert _same(rewards[-1], direct["total"][0])
        assert set(terms[-1]) == set(direct)
    if scores_steps(reward) and reward.row_independent and not reward.stateful:
        assert _same(rewards, reward(Transitions.from_rows(**rows)))


# ------------------------------------------------------------------------------------------ runners
def _run_single(name: str, env_id: str) -> None:
    reward = _make_reward(name)
    env = rewardgym.wrap(gym.make(env_id, **ENV_KWARGS.get(env_id, {})), reward)
    base = env.unwrapped
    try:
        env.action_space.seed(0)
        for episode in range(2):
            obs, _ = env.reset(seed=episode)
            if env_id.startswith("rewardgym/Web"):  # the expert of the task, then of another task (partial credit)
                expert = base.generator.expert(base.task if episode == 0 else base.generator.sample(99, "train"))
                act = lambda _step, o, e=expert: e(o)  # noqa: E731
            elif env_id == "rewardgym/Code-v0":
                act = lambda step, _o: _code_action(base, step)  # noqa: E731
            else:
                act = lambda _step, _o: env.action_space.sample()  # noqa: E731
            rows: dict[str, list] = {k: [] for k in ROW_KEYS}
            rewards, terms = [], []
            for step in range(500):
                action = act(step, obs)
                nxt, r, term, trunc, info = env.step(action)
                for k, v in zip(rows, (obs, action, nxt, info["env_reward"], term, trunc, _strip(info))):
                    rows[k].append(v)
                rewards.append(r)
                terms.append(info["reward_terms"])
                obs = nxt
                if term or trunc:
                    break
            assert term or trunc, f"{env_id}: the episode did not end"
            _check_episode(reward, rows, rewards, terms, base.episode() if scores_episodes(reward) else None)
    finally:
        env.close()


def _run_vector(name: str, env_id: str) -> None:
    reward = _make_reward(name)
    entry = env_entry(env_id)
    mode = "vector_entry_point" if entry.vector_entry_point else "sync"
    vec = gym.make_vec(env_id, num_envs=2, vectorization_mode=mode, **ENV_KWARGS.get(env_id, {}))
    envs = rewardgym.wrap(vec, reward)
    subs = [e.unwrapped for e in envs.unwrapped.envs] if mode == "sync" else None
    try:
        envs.action_space.seed(0)
        obs, _ = envs.reset(seed=0)
        steps = np.zeros(2, dtype=int)
        finished = np.zeros(2, dtype=int)
        resetting = np.zeros(2, dtype=bool)
        for _ in range(400):
            if subs is None:
                actions = envs.action_space.sample()
            else:
                actions = tuple(
                    _code_action(subs[i], int(steps[i])) if env_id == "rewardgym/Code-v0" else
                    envs.single_action_space.sample() for i in range(2)
                )
            nxt, r, term, trunc, infos = envs.step(actions)
            done = np.logical_or(term, trunc)
            assert _same(r, infos["reward_terms"]["total"])
            assert (r[resetting] == 0).all(), "an autoreset step was scored"
            if scores_episodes(reward) and not reward.mixed:
                for i in range(2):
                    if done[i]:
                        assert _same(r[i], reward(subs[i].episode())[0])
                    else:
                        assert r[i] == 0.0
            elif reward.row_independent and not reward.stateful:
                batch = Transitions(obs=obs, action=actions, next_obs=nxt, env_reward=infos["env_reward"],
                                    terminated=term, truncated=trunc, infos=_strip(infos),
                                    group_ids=torch.arange(2))
                real = ~resetting
                assert _same(r[real], reward(batch)[torch.from_numpy(real)])
            finished += done
            steps = np.where(done | resetting, 0, steps + 1)
            resetting = done
            obs = nxt
            if (finished >= 1).all():
                break
        assert (finished >= 1).all(), f"{env_id}: the sub-envs did not all finish an episode"
    finally:
        envs.close()


def _run_dialogue(name: str, env_id: str) -> None:
    from rewardgym.envs import dialogue
    from rewardgym.envs.dialogue.agents import make_agent

    reward = _make_reward(name)
    env = rewardgym.wrap(dialogue.make(env_id), reward)
    agents = {
        a: make_agent(p, env=env_id, agent_id=a) for a, p in zip(env.possible_agents, DIALOGUE_LINEUPS[env_id])
    }
    for episode in range(2):
        obs, infos = env.reset(seed=episode)
        for i, a in enumerate(env.possible_agents):
            agents[a].reset(seed=episode * 10 + i)
        per_agent: dict[str, tuple[dict[str, list], list, list]] = {
            a: ({k: [] for k in ROW_KEYS}, [], [])
            for a in env.possible_agents
        }
        while env.agents:
            speaker = next(infos[a]["speaker"] for a in env.agents)
            actions = {a: (agents[a].act(str(obs[a]), infos[a]) if a == speaker else "") for a in env.agents}
            nxt, rewards, terms, truncs, new_infos = env.step(actions)
            for a in rewards:
                rows, rs, ts = per_agent[a]
                for k, v in zip(rows, (str(obs[a]), actions.get(a, ""), str(nxt[a]), new_infos[a]["env_reward"],
                                       terms[a], truncs[a], _strip(new_infos[a]))):
                    rows[k].append(v)
                rs.append(rewards[a])
                ts.append(new_infos[a]["reward_terms"])
            obs, infos = nxt, new_infos
        episode_rows = env.unwrapped.episode()
        for k, a in enumerate(env.possible_agents):
            rows, rs, ts = per_agent[a]
            _check_episode(reward, rows, rs, ts, episode_rows.select([k]) if scores_episodes(reward) else None)


@pytest.mark.parametrize(("name", "env_id"), _cases())
def test_reward_runs_on_env_through_wrap(name: str, env_id: str) -> None:
    if env_id == "rewardgym/Code-v0":
        need("bubblewrap")
    entry = env_entry(env_id)
    if entry.api == "pettingzoo":
        _run_dialogue(name, env_id)
        return
    _run_single(name, env_id)
    _run_vector(name, env_id)


def test_matrix_covers_episode_rewards_on_every_text_family() -> None:
    """The matrix is not vacuous: episode rewards are exercised on code, and web/dialogue rewards appear."""
    cases = {tuple(p.values) for p in _cases()}
    assert ("code/pass-rate-v0", "rewardgym/Code-v0") in cases
    assert ("judge/rubric-v0", "rewardgym/WebShop-v0") in cases
    assert any(env == "negotiation-v0" for _, env in cases) and len(cases) > 30
