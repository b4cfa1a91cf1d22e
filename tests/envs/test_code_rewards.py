"""The ``code/`` rewards: contract checks, values, difficulty weighting, format, process reward, gating."""

from __future__ import annotations

import pytest
import torch

import rewardgym
from rewardgym.envs.code.rewards._common import example_episodes, example_transitions
from rewardgym.errors import RewardComputationError, SandboxError
from rewardgym.rewards.compose import Gate
from rewardgym.sandbox.base import Sandbox
from rewardgym.types import Episodes, Transitions
from tests.conftest import need

NAMES = [
    "code/pass-rate-v0",
    "code/all-pass-v0",
    "code/partial-credit-v0",
    "code/format-v0",
    "code/exec-feedback-v0",
]


@pytest.fixture(autouse=True)
def _bubblewrap():
    need("bubblewrap")


def make(name, **kw):
    if name in ("code/pass-rate-v0", "code/all-pass-v0", "code/partial-credit-v0"):
        kw.setdefault("sandbox", "process")
    return rewardgym.make_reward(name, **kw)


def _episodes(task_id_tests, completions, transcripts=None):
    tests, entry = task_id_tests
    n = len(completions)
    return Episodes(
        prompts=[""] * n,
        completions=completions,
        infos={"task_id": ["t"] * n, "tests": [tests] * n, "entry_point": [entry] * n},
        transcripts=transcripts,
    )


def test_registered_and_pass_the_shipped_checker():
    from rewardgym.testing import check_all_rewards, check_reward_fn

    assert set(NAMES) <= set(rewardgym.list_rewards("code/"))
    for name in ("code/format-v0", "code/exec-feedback-v0"):
        assert check_all_rewards([name]) == {name: "ok"}
    for name in NAMES[:3]:
        check_reward_fn(make(name), example_episodes())


def test_outcome_rewards_on_the_example_batch():
    batch = example_episodes()
    assert make("code/pass-rate-v0")(batch).tolist() == [1.0, 0.0, 0.0, 0.0]
    assert make("code/all-pass-v0")(batch).tolist() == [1.0, 0.0, 0.0, 0.0]


def test_pass_rate_partial_and_body_only_completions():
    tests = (
        "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 4\n"
        "    assert candidate(3) == 6\n    assert candidate(0) == 0\n",
        "dbl",
    )
    batch = _episodes(
        tests,
        [
            "def dbl(x):\n    return x + x\n",
            "```python\ndef dbl(x):\n    return 2 if x == 1 else x * x\n```",  # passes x=1, x=2 and x=0
            "<submit>def dbl(x):\n    return 0</submit>",
        ],
    )
    assert make("code/pass-rate-v0")(batch).tolist() == [1.0, 0.75, 0.25]
    body_only = Episodes(
        prompts=[""],
        completions=["    return 2 * x\n"],
        infos={
            "tests": [tests[0]],
            "entry_point": ["dbl"],
            "prelude": ['def dbl(x):\n    """Double x."""\n'],
        },
    )
    assert make("code/pass-rate-v0")(body_only).tolist() == [1.0]


def test_partial_credit_weights_hard_tests_more():
    tests = ("def check(candidate):\n    assert candidate(1) == 1\n    assert candidate(2) == 4\n", "sq")
    easy_only = "def sq(x):\n    return 1\n"
    hard_only = "def sq(x):\n    return 4\n"
    reward = make("code/partial-credit-v0")
    reward(_episodes(tests, [easy_only] * 6))  # everybody passes the first test, nobody the second
    scores = reward(_episodes(tests, [easy_only, hard_only])).tolist()
    assert scores[1] > 0.5 > scores[0] > 0.0
    frozen = make("code/partial-credit-v0", update=False)
    assert frozen(_episodes(tests, [easy_only, hard_only])).tolist() == [0.5, 0.5]
    assert frozen.passes == {}


def test_format_reward():
    tr = Transitions.from_rows(
        obs=["", "", "", ""],
        next_obs=["", "", "", ""],
        action=["<run>print(1)</run>", "<submit>def f(:</submit>", "print(1)", "<run>a</run><run>b</run>"],
    )
    assert make("code/format-v0")(tr).tolist() == [1.0, 0.0, 0.0, 0.0]
    ep = Episodes(prompts=["", "", ""], completions=["def f():\n    pass", "", "```python\nx = (\n```"])
    assert make("code/format-v0")(ep).tolist() == [1.0, 0.0, 0.0]


def test_exec_feedback_from_env_transitions_and_episodes():
    tr = example_transitions()  # failing run, clean run, invalid action, submission
    assert tr.infos["kind"] == ["run", "run", "invalid", "submit"]
    assert make("code/exec-feedback-v0")(tr).tolist() == [0.0, 1.0, 0.0, 0.0]
    ep = Episodes(
        prompts=[""] * 3,
        completions=[""] * 3,
        transcripts=[
            [
                {"kind": "run", "exec_errors": 2},
                {"kind": "run", "exec_errors": 1},
                {"kind": "run", "exec_errors": 0},
            ],
            [{"kind": "run", "exec_errors": 0}, {"kind": "run", "exec_errors": 2}],
            [{"kind": "submit"}],
        ],
    )
    assert make("code/exec-feedback-v0")(ep).tolist() == [1.0, -1.0, 0.0]


def test_process_reward_counts_only_when_the_outcome_passes():
    tests = ("def check(candidate):\n    assert candidate(3) == 9\n", "sq")
    improving = [{"kind": "run", "exec_errors": 1}, {"kind": "run", "exec_errors": 0}]
    batch = _episodes(
        tests,
        ["def sq(x):\n    return x * x\n", "def sq(x):\n    return x\n"],
        transcripts=[improving, improving],
    )
    feedback = make("code/exec-feedback-v0")
    assert feedback(batch).tolist() == [1.0, 1.0]  # ungated, the failing episode farms the dense term too
    gated = Gate(make("code/pass-rate-v0"), feedback, threshold=1.0)
    assert gated(batch).tolist() == [1.0, 0.0]
    terms = gated.breakdown(batch)
    assert terms["gate_passed"].tolist() == [1.0, 0.0] and terms["inner"].tolist() == [1.0, 1.0]


def test_missing_inputs_raise_clear_errors():
    no_tests = Episodes(prompts=[""], completions=["def f(): pass"])
    with pytest.raises(RewardComputationError, match="infos\\['tests'\\]"):
        make("code/pass-rate-v0")(no_tests)
    with pytest.raises(RewardComputationError, match="transcripts"):
        make("code/exec-feedback-v0")(no_tests)
    tr = Transitions.from_rows(obs=[""], action=["<run>1</run>"], next_obs=[""])
    with pytest.raises(RewardComputationError, match="infos\\['kind'\\]"):
        make("code/exec-feedback-v0")(tr)


class _BrokenSandbox(Sandbox):
    """Test double at the sandbox boundary: a backend whose every run fails to start."""

    backend = "broken"

    def run(self, files, command, *, timeout_s=10.0, memory_mb=512, stdin=None, env=None):
        raise SandboxError("the engine went away")


def test_sandbox_failure_is_an_error_not_a_zero():
    reward = rewardgym.make_reward("code/pass-rate-v0", sandbox=_BrokenSandbox())
    with pytest.raises(RewardComputationError, match="sandbox failed"):
        reward(example_episodes())


def test_rewards_return_float32_on_cpu():
    out = make("code/partial-credit-v0")(example_episodes())
    assert out.dtype == torch.float32 and out.shape == (4,)
