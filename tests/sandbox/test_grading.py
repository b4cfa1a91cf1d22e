"""The grader: how tests are split, how verdicts are read, timeouts, caching and bad input."""

from __future__ import annotations

import pytest

from rewardgym.errors import SandboxError
from rewardgym.sandbox.grading import Grader, TestSuite, parse_verdict

SQUARE = TestSuite(
    "import math\n\nMETADATA = {}\n\n\ndef check(candidate):\n"
    "    assert True, 'always'\n"
    "    xs = [1, 2, 3]\n"
    "    assert candidate(2) == 4\n"
    "    for x in xs:\n"
    "        assert candidate(x) == x * x\n"
    "    y = candidate(9)\n"
    "    assert math.isqrt(y) == 9\n",
    entry_point="square",
)


def test_plan_splits_check_into_tests_and_setup():
    plan = SQUARE.plan
    assert plan["mode"] == "split"
    assert plan["kinds"] == ["setup", "setup", "test", "test", "setup", "test"]
    assert SQUARE.labels == ["assert candidate(2) == 4", "for x in xs:", "assert math.isqrt(y) == 9"]
    assert plan["free"] == ["candidate"]


def test_plan_falls_back_to_one_test_when_check_cannot_be_split():
    suite = TestSuite("def check(candidate):\n    if candidate(1) != 1:\n        raise ValueError\n    return None\n")
    assert suite.plan["mode"] == "whole" and suite.n_tests == 1


def test_names_the_tests_expect_from_the_solution_are_free():
    suite = TestSuite("def check(candidate):\n    assert helper(2) == candidate(2)\n", entry_point="f")
    assert suite.plan["free"] == ["candidate", "helper"]


@pytest.mark.parametrize("source", ["def check(:\n", "def test_x():\n    assert True\n"])
def test_invalid_suites_raise(source):
    with pytest.raises(SandboxError, match="invalid test suite"):
        TestSuite(source)


def test_parse_verdict_reads_only_its_own_nonce():
    nonce = "a" * 32
    stdout = "\n".join(
        [
            f"{'b' * 32} BEGIN 2",
            f"{'b' * 32} 0 1 ok",
            f"{'b' * 32} 1 1 ok",  # someone else's nonce
            f"{nonce} BEGIN 2",
            f"{nonce} 0 1 ok",
            f"{nonce} 0 0 later lines cannot flip a result",
            f"{nonce} 1 0 AssertionError",
            "0 1 ok",
            f"{nonce} END 2",
        ]
    )
    passed, reasons, complete, problem = parse_verdict(stdout, nonce, 2)
    assert passed == [True, False] and complete and problem is None
    assert reasons == ["ok", "AssertionError"]
    passed, _, complete, _ = parse_verdict(f"{nonce} BEGIN 2\n{nonce} 0 1 ok\n", nonce, 2)
    assert passed == [True, False] and not complete


def test_grading_per_test(process_sandbox):
    grader = Grader(process_sandbox, timeout_s=5)
    right = grader.grade("def square(x):\n    return x * x\n", SQUARE)
    assert right.passed == (True, True, True) and right.pass_rate == 1.0 and right.all_passed
    wrong = grader.grade("def square(x):\n    return x * x if x < 3 else 0\n", SQUARE)
    assert wrong.passed == (True, False, False) and not wrong.all_passed
    assert wrong.reasons[1].startswith("AssertionError") and wrong.complete


def _root_suite() -> TestSuite:
    return TestSuite(
        "def check(candidate):\n    try:\n        candidate(-1)\n        assert False\n"
        "    except ValueError:\n"
        "        pass\n    assert candidate(4) == 2\n",
        entry_point="root",
    )


def test_expected_exceptions_are_graded(process_sandbox):
    """A builtin exception raised by the solution reaches the tests as that type."""
    suite = _root_suite()
    assert suite.n_tests == 2
    code = "def root(x):\n    if x < 0:\n        raise ValueError('negative')\n    return int(x ** 0.5)\n"
    assert Grader(process_sandbox).grade(code, suite).pass_rate == 1.0
    sloppy = "def root(x):\n    return int(abs(x) ** 0.5)\n"
    assert Grader(process_sandbox).grade(sloppy, suite).passed == (False, True)


def test_a_hanging_test_fails_it_and_the_rest(process_sandbox):
    code = "def square(x):\n    while x == 3:\n        pass\n    return x * x\n"
    verdict = Grader(process_sandbox, timeout_s=6, test_timeout_s=1).grade(code, SQUARE)
    assert verdict.passed == (True, False, False)
    assert "timed out" in verdict.reasons[1] and verdict.complete


def test_whole_run_timeout_keeps_reported_results(process_sandbox):
    slow_suite = TestSuite(
        "def check(candidate):\n    assert candidate(1) == 1\n    while True:\n        pass\n"
        "    assert candidate(2) == 4\n",
        entry_point="square",
    )
    verdict = Grader(process_sandbox, timeout_s=1.5).grade("def square(x):\n    return x * x\n", slow_suite)
    assert verdict.passed[0] is True and not verdict.complete and verdict.error == "timed out"


def test_solution_that_fails_to_load(process_sandbox):
    verdict = Grader(process_sandbox).grade("def square(x):\n    return x *\n", SQUARE)
    assert verdict.pass_rate == 0.0 and verdict.complete
    assert "failed to load" in verdict.reasons[0] and "SyntaxError" in verdict.reasons[0]


def test_non_plain_return_values_are_rejected(process_sandbox):
    code = "import collections\nclass P(tuple):\n    pass\ndef square(x):\n    return P([x])\n"
    verdict = Grader(process_sandbox).grade(code, SQUARE)
    assert verdict.pass_rate == 0.0 and "not a plain value" in verdict.reasons[0]


def test_cache_reuses_verdicts_and_solutions_are_independent(process_sandbox):
    grader = Grader(process_sandbox)
    a = "def square(x):\n    return x * x\n"
    b = "def square(x):\n    return x + x\n"
    first = grader.grade_many([(a, SQUARE), (b, SQUARE), (a, SQUARE)])
    assert first[0] is first[2] and first[0].pass_rate == 1.0 and first[1].pass_rate < 1.0
    assert grader.grade(a, SQUARE) is first[0]


def test_bad_solution_type_raises(process_sandbox):
    with pytest.raises(SandboxError, match="Python source"):
        Grader(process_sandbox).grade(b"def square(x): pass", SQUARE)  # type: ignore[arg-type]
