"""Web envs survive pickle and deepcopy: the copy has its own session holding the same site state, reopens the
same page, and continues exactly like the original (also in another process, on another server)."""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest

import rewardgym  # noqa: F401 - registers the envs

ROOT = Path(__file__).resolve().parents[2]
COPIES = {"pickle": lambda env: pickle.loads(pickle.dumps(env)), "deepcopy": copy.deepcopy}


def _run(env, expert, obs, steps: int):
    out = []
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(expert(obs))
        out.append((obs["url"], obs["page"], reward, info["score"], info["web_outcome"]))
        if terminated or truncated:
            break
    return out


@pytest.mark.parametrize("how", sorted(COPIES))
@pytest.mark.parametrize("env_id", ["rewardgym/WebShop-v0", "rewardgym/WebBooking-v0", "rewardgym/WebMail-v0"])
def test_copy_continues_like_the_original(env_id: str, how: str) -> None:
    env = gym.make(env_id)
    obs, _ = env.reset(seed=2)
    expert = env.unwrapped.generator.expert(env.unwrapped.task)
    first = _run(env, expert, obs, 2)  # part-way (the mail expert needs 4 steps): the site state has changed
    assert len(first) == 2, "the episode must still be running when it is copied"
    obs = env.unwrapped._observation("")
    twin, twin_expert = COPIES[how](env), copy.deepcopy(expert)
    assert twin.unwrapped._session != env.unwrapped._session
    assert twin.unwrapped._observation("") == obs
    rest = _run(env, expert, obs, 40)
    assert rest and _run(twin, twin_expert, obs, 40) == rest
    assert rest[-1][2] == 1.0  # the expert finished the task in both
    env.close()
    twin.close()


def test_a_copy_outlives_its_original_and_a_closed_env_copies() -> None:
    env = gym.make("rewardgym/WebShop-v0")
    obs, _ = env.reset(seed=0)
    twin = copy.deepcopy(env)
    env.close()
    assert twin.step('scroll("down")')[0]["url"] == obs["url"]
    closed = copy.deepcopy(env)
    assert closed.unwrapped._closed and closed.unwrapped._server is None
    twin.close()


def test_pickle_into_another_process(tmp_path: Path) -> None:
    env = gym.make("rewardgym/WebShop-v0")
    obs, _ = env.reset(seed=5)
    expert = env.unwrapped.generator.expert(env.unwrapped.task)
    _run(env, expert, obs, 3)
    obs = env.unwrapped._observation("")
    (tmp_path / "env.pkl").write_bytes(pickle.dumps((env, copy.deepcopy(expert), obs)))
    expected = _run(env, expert, obs, 40)
    code = (
        "import pickle, sys\n"
        "from tests.envs.test_web_pickle import _run\n"
        f"env, expert, obs = pickle.loads(open({str(tmp_path / 'env.pkl')!r}, 'rb').read())\n"
        f"pickle.dump(_run(env, expert, obs, 40), open({str(tmp_path / 'out.pkl')!r}, 'wb'))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert pickle.loads((tmp_path / "out.pkl").read_bytes()) == expected
    env.close()


@pytest.mark.browser
def test_chromium_env_copy_reopens_the_page_with_the_site_state() -> None:
    from tests.conftest import need

    need("chromium")
    env = gym.make("rewardgym/WebShop-v0", backend="chromium")
    obs, _ = env.reset(seed=1)
    expert = env.unwrapped.generator.expert(env.unwrapped.task)
    for _ in range(3):
        obs = env.step(expert(obs))[0]
    twin = copy.deepcopy(env)
    assert twin.unwrapped._observation("")["url"] == obs["url"]
    assert twin.unwrapped._server.snapshot(twin.unwrapped._session) == env.unwrapped._server.snapshot(
        env.unwrapped._session
    )
    env.close()
    twin.close()
