"""WebEnv over the default http backend: Gymnasium conformance, observations, actions, experts, rewards."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rewardgym
from rewardgym.envs.web.env import CHARSET, WebEnv
from rewardgym.envs.web.policies import RandomPolicy
from rewardgym.envs.web.tasks.generator import APPS, TaskGenerator
from rewardgym.errors import EnvConfigError, EpisodeStateError
from rewardgym.rewards.base import FunctionReward
from rewardgym.types import Episodes

IDS = ["rewardgym/WebShop-v0", "rewardgym/WebBooking-v0", "rewardgym/WebMail-v0"]


def run(env: WebEnv, policy, *, seed: int | None = None, options=None) -> tuple[float, dict, list[str]]:
    obs, info = env.reset(seed=seed, options=options)
    actions = []
    while True:
        action = policy(obs)
        actions.append(action)
        obs, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            return reward, info, actions


@pytest.fixture
def shop():
    env = WebEnv("shop")
    yield env
    env.close()


@pytest.mark.parametrize("env_id", IDS)
def test_check_env_passes(env_id: str) -> None:
    env = gym.make(env_id)
    try:
        check_env(env.unwrapped)
    finally:
        env.close()


def test_text_observation_mode_passes_check_env() -> None:
    env = gym.make("rewardgym/WebMail-v0", obs_mode="text", render_mode="ansi")
    try:
        check_env(env.unwrapped)
        obs, _ = env.reset(seed=0)
        assert obs.startswith("Goal: ") and "\nURL: /mail/" in obs and env.render() == obs
    finally:
        env.close()


@pytest.mark.parametrize("app", APPS)
def test_expert_solves_95_percent_of_200_test_tasks(app: str) -> None:
    env = WebEnv(app, split="test")
    gen = env.generator
    solved, rewards = 0, []
    try:
        for task in gen.tasks(200, "test"):
            reward, info, _ = run(env, gen.expert(task), options={"task": task})
            solved += info["success"]
            rewards.append(reward)
    finally:
        env.close()
    assert solved >= 190, f"expert solved {solved}/200 {app} test tasks"
    assert np.mean(rewards) >= 0.95


@pytest.mark.parametrize("app", APPS)
def test_random_policy_scores_near_zero(app: str) -> None:
    env = WebEnv(app, max_steps=20)
    try:
        rewards = [run(env, RandomPolicy(seed), seed=seed)[0] for seed in range(40)]
    finally:
        env.close()
    assert np.mean(rewards) < 0.1


def test_observation_format(shop: WebEnv) -> None:
    obs, info = shop.reset(seed=0)
    assert set(obs) == {"goal", "url", "page", "feedback"}
    assert obs in shop.observation_space
    assert obs["url"] == "/shop/" and obs["goal"] == shop.task.goal and obs["feedback"] == ""
    lines = obs["page"].splitlines()
    assert lines[0] == "Page: Shop - Home"
    assert '[4] textbox "Search" value=""' in lines
    assert any(line.startswith('[5] combobox "Category" value="any" options: any, boots') for line in lines)
    assert set(obs["page"]) <= set(CHARSET)
    assert json.loads(info["web_task"])["goal"] == obs["goal"] and info["score"] == 0.0


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("hello", "could not parse action"),
        ("explode(3)", "unknown action"),
        ("click()", "click takes 1 argument"),
        ("click(x+1)", "could not read the arguments"),
        ("click(999)", "there is no element [999]"),
        ('type(1, "abc")', "[1] is a link, not a textbox"),
        ('select(4, "red")', "[4] is a textbox, not a combobox"),
        ('select(6, "purple")', "no option 'purple' in [6]"),
        ('scroll("sideways")', "scroll takes 'down' or 'up'"),
        ('goto("https://example.com/")', "only this site's pages can be opened"),
        ("back()", "there is no previous page"),
        ("click(4)", "use type(...) or select(...)"),
        (12, "actions are strings"),
        ("", "could not parse action"),
    ],
)
def test_bad_actions_give_feedback_and_leave_the_page(shop: WebEnv, action, expected: str) -> None:
    before, _ = shop.reset(seed=0)
    obs, reward, terminated, truncated, info = shop.step(action)
    assert expected in obs["feedback"]
    assert obs["page"] == before["page"] and obs["url"] == before["url"]
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert info["feedback"] == obs["feedback"]


def test_random_text_actions_never_crash(shop: WebEnv) -> None:
    shop.reset(seed=1)
    shop.action_space.seed(0)
    for _ in range(50):
        obs, _, terminated, truncated, _ = shop.step(shop.action_space.sample())
        assert obs in shop.observation_space
        if terminated or truncated:
            shop.reset()


def test_typing_selecting_and_submitting_a_form(shop: WebEnv) -> None:
    shop.reset(seed=0)
    obs, *_ = shop.step('type(4, "linen")')
    assert '[4] textbox "Search" value="linen"' in obs["page"]
    obs, *_ = shop.step('select(6, "Navy")')  # labels match case-insensitively
    assert '[6] combobox "Color" value="navy"' in obs["page"]
    obs, *_ = shop.step("click(11)")
    assert obs["url"] == "/shop/search?q=linen&category=&color=navy&material=&size=&max_price=&sort="
    products = shop._server.app("shop").search("linen", {"color": "navy"})
    assert f"{len(products)} results" in obs["page"]
    obs, *_ = shop.step('type(4, "wool\\n")')  # Enter submits the form
    assert obs["url"].startswith("/shop/search?q=wool&category=&color=navy")
    obs, *_ = shop.step("back()")
    assert obs["url"].startswith("/shop/search?q=linen&category=&color=navy")


def test_goto_scroll_and_answer(shop: WebEnv) -> None:
    shop.reset(seed=0)
    obs, *_ = shop.step('goto("/shop/search")')
    assert obs["url"] == "/shop/search" and "300 results" in obs["page"]
    small = WebEnv("shop", viewport_lines=10)
    try:
        obs, _ = small.reset(seed=0)
        assert "scroll('down') for more" in obs["page"] and "[20]" not in obs["page"]
        obs, *_ = small.step('scroll("down")')
        assert "-- 5 earlier lines; scroll('up') to see them --" in obs["page"]
        for _ in range(3):
            obs, *_ = small.step('scroll("down")')
        assert "for more" not in obs["page"] and obs["page"].endswith('[20] link "Sweater"')
        obs, *_ = small.step("scroll(up)")
        assert "-- 8 earlier lines" in obs["page"]
        for _ in range(2):
            obs, *_ = small.step("scroll(up)")
        assert obs["page"].splitlines()[1] == "Shop"
    finally:
        small.close()
    obs, reward, terminated, truncated, info = shop.step('answer("done")')
    assert (
        terminated and not truncated and reward == 0.0 and json.loads(info["web_outcome"])["answer"] == "done"
    )


def test_truncation_after_max_steps() -> None:
    env = WebEnv("booking", max_steps=3)
    try:
        env.reset(seed=0)
        flags = [env.step("scroll(down)")[2:4] for _ in range(3)]
    finally:
        env.close()
    assert flags == [(False, False), (False, False), (False, True)]


def test_reset_restores_the_server_state(shop: WebEnv) -> None:
    task = shop.generator.sample(0, "train")
    reward, info, _ = run(shop, shop.generator.expert(task), options={"task": task})
    assert reward == 1.0 and len(json.loads(info["web_outcome"])["orders"]) == 1
    obs, info = shop.reset(options={"task": task})
    outcome = json.loads(info["web_outcome"])
    assert outcome["orders"] == [] and outcome["cart"] == []
    obs, *_ = shop.step('goto("/shop/cart")')
    assert "Your cart is empty." in obs["page"]


def test_reward_is_partial_credit_from_server_state(shop: WebEnv) -> None:
    task = shop.generator.sample(3, "train")
    wrong = dict(
        task.params,
        qty=task.params["qty"] % 3 + 1,
        shipping="standard" if task.params["shipping"] == "express" else "express",
    )
    expert = shop.generator.expert(type(task)(**{**task.__dict__, "params": wrong}))
    reward, info, _ = run(shop, expert, options={"task": task})
    checks = json.loads(info["checks"])
    assert not checks["qty"] and not checks["shipping"] and sum(checks.values()) == len(checks) - 2
    assert reward == pytest.approx((len(checks) - 2) / len(checks)) and not info["success"]
    recomputed = rewardgym.make_reward("web/shop-order-v0")(shop.episode())
    assert recomputed.item() == pytest.approx(reward)


def test_episode_row_and_a_judge_attached_with_wrap() -> None:
    """The judge here is a scripted stand-in for an LLM judge (the real one lives in rewards/judge)."""
    seen: list[Episodes] = []

    def judge(batch: Episodes):
        seen.append(batch)
        return __import__("torch").tensor([0.25 if "Final answer" in c else 0.0 for c in batch.completions])

    base = WebEnv("mail")
    spec = {"sum": [{"reward": "web/outcome-v0"}, {"reward": FunctionReward(judge, batch_type=Episodes), "as": "judge",
                                                   "weight": 2.0}]}
    env = rewardgym.wrap(base, spec)
    try:
        task = next(t for t in base.generator.tasks(50) if t.kind == "lookup")
        obs, _ = env.reset(options={"task": task})
        expert, actions, rewards = base.generator.expert(task), [], []
        while True:
            actions.append(expert(obs))
            obs, reward, terminated, truncated, info = env.step(actions[-1])
            rewards.append(reward)
            if terminated or truncated:
                break
        episode = base.episode()
    finally:
        env.close()
    assert rewards[:-1] == [0.0] * (len(rewards) - 1) and rewards[-1] == pytest.approx(1.0 + 2.0 * 0.25)
    assert info["reward_terms"]["judge"] == 0.25 and info["reward_terms"]["web/outcome-v0"] == 1.0
    assert len(seen) == 1 and seen[0].prompts == [task.goal]  # scored once, on the terminal step
    assert episode.prompts == [task.goal] and f"Final answer: {task.params['answer']}" in episode.completions[0]
    assert [t["action"] for t in episode.transcripts[0]] == actions and episode.env_returns.tolist() == [1.0]
    assert rewardgym.make_reward("web/success-v0")(Episodes.concat([episode, episode])).tolist() == [1.0, 1.0]


def test_bad_constructor_arguments() -> None:
    for kwargs, match in [
        ({"app": "bank"}, "app must be one of"),
        ({"backend": "lynx"}, "backend must be one of"),
        ({"split": "dev"}, "split must be one of"),
        ({"max_steps": 0}, "max_steps must be"),
        ({"screenshot": True}, "needs backend='chromium'"),
        ({"render_mode": "rgb_array"}, "render_mode must be one of"),
    ]:
        with pytest.raises(EnvConfigError, match=match):
            WebEnv(**kwargs)
    env = WebEnv("shop")
    try:
        with pytest.raises(EpisodeStateError, match="before reset"):
            env.step("back()")
        with pytest.raises(EnvConfigError, match="is a 'mail' task"):
            env.reset(options={"task": TaskGenerator("mail").sample(0)})
    finally:
        env.close()


def test_the_library_rubric_judge_scores_web_episodes() -> None:
    """judge/rubric-v0 with its scripted LLM (a stand-in for a real model) reads the env's episode records."""
    from rewardgym.rewards.judge.examples import scripted_rubric_llm

    task = TaskGenerator("shop").sample(6)
    judge = rewardgym.make_reward(
        "judge/rubric-v0", llm=scripted_rubric_llm(), rubric=[f'Ships to "{task.params["address"]}".']
    )
    base = WebEnv("shop")
    env = rewardgym.wrap(base, judge)
    try:
        solved, _, _ = run(env, base.generator.expert(task), options={"task": task})
        gave_up, _, _ = run(env, lambda obs: 'answer("I give up")', options={"task": task})
    finally:
        env.close()
    assert solved == 1.0 and gave_up == 0.0


@pytest.mark.parametrize("app", APPS)
def test_two_envs_with_the_same_seed_give_the_same_rollout(app: str) -> None:
    envs = [WebEnv(app), WebEnv(app)]
    try:
        traces = []
        for env in envs:
            obs, info = env.reset(seed=123)
            policy, trace = RandomPolicy(7), [(obs, info)]
            for _ in range(25):
                obs, reward, terminated, truncated, info = env.step(policy(obs))
                trace.append((obs, reward, terminated, truncated, info))
                if terminated or truncated:
                    break
            traces.append(trace)
    finally:
        for env in envs:
            env.close()
    assert traces[0] == traces[1]
