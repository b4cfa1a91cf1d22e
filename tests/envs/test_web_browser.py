"""WebEnv on the chromium backend: a real headless Chromium driven by Playwright."""

from __future__ import annotations

import io
import json
import threading

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from rewardgym.envs.web.env import WebEnv
from rewardgym.envs.web.tasks.generator import APPS, TaskGenerator
from tests.conftest import IN_CI, need

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _chromium() -> None:
    need("chromium")
    if not IN_CI:
        pytest.importorskip("playwright", reason='pip install "rewardgym[web]"')


def _episode(env: WebEnv, task, policy=None) -> tuple[float, dict, list[tuple[str, str]]]:
    obs, info = env.reset(options={"task": task})
    policy = policy or env.generator.expert(task)
    trace = [("", obs["page"])]
    while True:
        action = policy(obs)
        obs, reward, terminated, truncated, info = env.step(action)
        trace.append((action, obs["page"]))
        if terminated or truncated:
            return reward, info, trace


@pytest.mark.slow
def test_expert_solves_95_percent_of_200_test_tasks_in_chromium() -> None:
    solved = 0
    for i, app in enumerate(APPS):
        env = WebEnv(app, backend="chromium", split="test")
        try:
            for task in env.generator.tasks(67 if i < 2 else 66, "test"):
                solved += _episode(env, task)[1]["success"]
        finally:
            env.close()
    assert solved >= 190, f"expert solved {solved}/200 test tasks in Chromium"


@pytest.mark.parametrize("app", APPS)
def test_both_backends_show_the_same_pages(app: str) -> None:
    """Same task, same actions: identical ids and text, except the lines the pages' JavaScript rewrites."""
    task = TaskGenerator(app).sample(5, "test")
    pages = {}
    for backend in ("http", "chromium"):
        env = WebEnv(app, backend=backend)
        try:
            reward, info, trace = _episode(env, task)
        finally:
            env.close()
        assert reward == 1.0 and info["success"]
        pages[backend] = trace
    assert [a for a, _ in pages["http"]] == [a for a, _ in pages["chromium"]]

    def static(page: str) -> list[str]:
        return [
            ln
            for ln in page.splitlines()
            if not ln.startswith(("Total:", "0 characters")) and "characters" not in ln
        ]

    for (_, http_page), (_, chrome_page) in zip(pages["http"], pages["chromium"]):
        assert static(http_page) == static(chrome_page)


def test_page_javascript_runs_only_in_the_browser() -> None:
    totals = {}
    for backend in ("http", "chromium"):
        env = WebEnv("shop", backend=backend)
        try:
            env.reset(seed=0)
            env.step('goto("/shop/product/P1000")')
            obs, *_ = env.step('type(5, "3")')
            totals[backend] = next(ln for ln in obs["page"].splitlines() if ln.startswith("Total:"))
        finally:
            env.close()
    price = TaskGenerator("shop").world.by_id["P1000"]["price"]
    assert totals["http"] == f"Total: ${price:.2f} per item"
    assert totals["chromium"] == f"Total: ${3 * price:.2f} for 3 item(s)"


def test_screenshot_observation_and_rgb_render(tmp_path) -> None:
    from PIL import Image

    env = WebEnv(
        "booking",
        backend="chromium",
        screenshot=True,
        render_mode="rgb_array",
        backend_options={"viewport": (640, 480)},
    )
    try:
        obs, _ = env.reset(seed=0)
        shot = obs["screenshot"]
        assert obs in env.observation_space and shot.shape == (480, 640, 3) and shot.dtype == np.uint8
        assert shot.std() > 10 and len(np.unique(shot.reshape(-1, 3), axis=0)) > 50, "not a blank image"
        header = shot[5:30, :, :].reshape(-1, 3).mean(0)
        assert header[2] > header[0] + 40, "the blue header bar is drawn"
        frame = env.render()
        assert np.array_equal(frame, shot)
        path = tmp_path / "booking.png"
        Image.fromarray(frame).save(path)
        again = np.asarray(Image.open(io.BytesIO(path.read_bytes())).convert("RGB"))
        assert np.array_equal(again, frame)
        env.step('select(3, "Oslo")')
        assert not np.array_equal(env.render(), frame), "the screenshot follows the page"
    finally:
        env.close()


def test_check_env_with_the_chromium_backend() -> None:
    env = gym.make("rewardgym/WebMail-v0", backend="chromium", render_mode="rgb_array")
    try:
        check_env(env.unwrapped)
    finally:
        env.close()


def test_concurrent_chromium_envs_are_isolated_and_close_cleanly() -> None:
    before = {t.ident for t in threading.enumerate()}
    envs = [WebEnv("shop", backend="chromium") for _ in range(2)]
    tasks = [envs[0].generator.sample(s, "test") for s in (8, 9)]
    results: dict[int, tuple[float, dict]] = {}
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            reward, info, _ = _episode(envs[i], tasks[i])
            results[i] = (reward, info)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
        for i in range(2):
            reward, info = results[i]
            order = json.loads(info["web_outcome"])["orders"]
            assert reward == 1.0 and len(order) == 1 and order[0]["name"] == tasks[i].params["name"]
    finally:
        for env in envs:
            env.close()
    assert [t for t in threading.enumerate() if t.ident not in before] == []
