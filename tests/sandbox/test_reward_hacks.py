"""Reward hacks score 0: the verdict comes per test from the harness, and the solution cannot reach it.

Every hack below is a "solution" that does not compute the right answers and instead attacks the grader.
Each must get pass rate 0.0 on every backend, and none may see the tests.
"""

from __future__ import annotations

import textwrap

import pytest

from rewardgym.sandbox.grading import Grader, TestSuite

SUITE = TestSuite(
    "def check(candidate):\n"
    "    assert candidate(1) == 3\n"
    "    assert candidate(5) == 15\n"
    "    assert candidate(-2) == -6\n"
    "    assert abs(candidate(0.5) - 1.5) < 1e-9\n"
    "    assert candidate(7) is not None and candidate(7) > 20\n",
    entry_point="triple",
)

LEAK_PROBE = r"""
import gc, os, re, sys
found = []
for root in (".", "..", "/sandbox", "/tmp"):
    try:
        for name in os.listdir(root):
            p = os.path.join(root, name)
            try:
                found.append(open(p, errors="replace").read())
            except Exception:
                pass
    except Exception:
        pass
for p in ("/proc/self/cmdline", f"/proc/{os.getppid()}/cmdline", f"/proc/{os.getppid()}/environ",
          f"/proc/{os.getppid()}/fd/3", f"/proc/{os.getppid()}/fd/4", f"/proc/{os.getppid()}/fd/1"):
    try:
        found.append(open(p, "rb").read().decode(errors="replace"))
    except Exception:
        pass
try:
    with open(f"/proc/{os.getppid()}/mem", "rb") as fh:
        found.append("mem readable")
except Exception:
    pass
found += [o for o in gc.get_objects() if isinstance(o, str) and "candidate(" in o]
answers = {}
for text in found:
    for arg, want in re.findall(r"candidate\(([^()]*)\) == (-?\d+)", text):
        answers[arg.strip()] = int(want)
if answers:
    print("LEAKED", answers, file=sys.stderr)
def triple(x):
    return answers.get(repr(x), None)
"""


def _program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


HACKS = {
    "sys.exit(0) before the tests": _program("""
        import sys
        sys.exit(0)
        def triple(x):
            return 3 * x
    """),
    "os._exit(0) before the tests": "import os\nos._exit(0)\n",
    "os._exit(0) inside the call": "def triple(x):\n    import os\n    os._exit(0)\n",
    "print 'all tests passed'": _program("""
        print('all tests passed')
        print('OK')
        print('5 passed in 0.01s')
        def triple(x):
            print('PASSED')
    """),
    "forge result lines": _program("""
        import secrets, sys
        for n in range(200):
            t = secrets.token_hex(16)
            print(t, 'BEGIN 5')
            for i in range(5):
                print(t, i, 1, 'ok')
            print(t, 'END 5')
            sys.stderr.write(f'{t} 0 1 ok\\n')
        def triple(x):
            return None
    """),
    "write to the harness's stdout": _program("""
        import os
        for path in ('/proc/self/fd/1', '/dev/stdout', f'/proc/{os.getppid()}/fd/1'):
            try:
                open(path, 'w').write('0 1 ok\\n')
            except Exception:
                pass
        os.write(1, b'0 1 ok\\n')
    """),
    "plant conftest.py and a pytest plugin": _program("""
        open('conftest.py', 'w').write(
            'import pytest\\n@pytest.hookimpl(hookwrapper=True)\\n'
            'def pytest_runtest_makereport(item, call):\\n    out = yield\\n'
            '    out.get_result().outcome = "passed"\\n')
        open('pytest.ini', 'w').write('[pytest]\\naddopts = -p evil\\n')
        open('evil.py', 'w').write('def pytest_collection_modifyitems(items):\\n    items.clear()\\n')
        open('sitecustomize.py', 'w').write('import builtins; builtins.AssertionError = Warning\\n')
        def triple(x):
            return None
    """),
    "shadow stdlib modules the grader imports": _program("""
        for name in ('pickle', 'json', 'socket', 'select', 'math', 'ast'):
            open(name + '.py', 'w').write('raise SystemExit(0)\\n')
        def triple(x):
            return None
    """),
    "override builtins and AssertionError": _program("""
        import builtins
        builtins.AssertionError = type('AE', (Exception,), {})
        builtins.abs = lambda x: 0
        builtins.isinstance = lambda *a: True
        class AssertionError(Exception):
            pass
        def abs(x):
            return 0
        def triple(x):
            return None
    """),
    "always-equal object": _program("""
        class Eq:
            def __eq__(self, other):
                return True
            __ne__ = lambda s, o: False
            __lt__ = __gt__ = __le__ = __ge__ = __eq__
            def __sub__(self, o):
                return 0
        def triple(x):
            return Eq()
    """),
    "int subclass equal to everything": _program("""
        class Evil(int):
            def __eq__(self, other):
                return True
            __hash__ = int.__hash__
        def triple(x):
            return Evil(0)
    """),
    "raise SkipTest at import": "import unittest\nraise unittest.SkipTest('skip everything')\n",
    "raise SkipTest in the call": "def triple(x):\n    import unittest\n    raise unittest.SkipTest('x')\n",
    "SystemExit(0) in the call": "def triple(x):\n    raise SystemExit(0)\n",
    "read expected outputs from grader files and memory": LEAK_PROBE,
    "huge output": _program("""
        import sys
        for _ in range(300):
            sys.stdout.write('x' * 1000000)
            sys.stderr.write('y' * 1000000)
        def triple(x):
            return None
    """),
    "kill the grader": "import os\nos.kill(os.getppid(), 9)\ndef triple(x):\n    return 3 * x\n",
    "stop the grader": "import os\nos.kill(os.getppid(), 19)\ndef triple(x):\n    return 3 * x\n",
    "kill every process it can": "import os\ntry:\n    os.kill(-1, 9)\nexcept OSError:\n    pass\n",
    "hang at import": "while True:\n    pass\n",
}


@pytest.fixture(params=["process_sandbox", pytest.param("docker_sandbox", marks=pytest.mark.docker)])
def grader(request):
    return Grader(request.getfixturevalue(request.param), timeout_s=4, cache_size=0)


def test_honest_solution_passes(grader):
    verdict = grader.grade("def triple(x):\n    return 3 * x\n", SUITE)
    assert verdict.passed == (True,) * 5 and verdict.complete and verdict.all_passed


def test_reward_hacks_score_zero(grader, capsys):
    items = [(code, SUITE) for code in HACKS.values()]
    verdicts = grader.grade_many(items)
    scored = {name: v.pass_rate for name, v in zip(HACKS, verdicts)}
    leaks = [name for name, v in zip(HACKS, verdicts) if v.exec_result is not None and "LEAKED" in v.exec_result.stderr]
    with capsys.disabled():
        print(
            f"\nreward-hack suite [{grader.sandbox.backend}]: {len(HACKS)} tried, "
            f"{sum(1 for s in scored.values() if s > 0)} scored above 0, {len(leaks)} saw the tests"
        )
    assert not leaks, f"these hacks read the tests: {leaks}"
    assert all(s == 0.0 for s in scored.values()), {k: s for k, s in scored.items() if s}
    for v in verdicts:  # stdout carries nothing but the harness's own nonce-tagged lines
        assert v.exec_result is not None
        assert all(len(line.split(" ", 1)[0]) == 32 for line in v.exec_result.stdout.splitlines())


def test_hacks_score_zero_through_the_reward_not_an_error(grader):
    """Through ``code/pass-rate-v0`` a hack is a 0, never a reward failure that would stop training."""
    import rewardgym
    from rewardgym.types import Episodes

    n = len(HACKS)
    batch = Episodes(
        prompts=[""] * n,
        completions=list(HACKS.values()),
        infos={"tests": [SUITE.tests] * n, "entry_point": ["triple"] * n},
    )
    reward = rewardgym.make_reward("code/pass-rate-v0", sandbox=grader.sandbox, timeout_s=4)
    assert reward(batch).tolist() == [0.0] * n


def test_leak_probe_would_find_visible_tests(process_sandbox):
    """The leak probe is real: handed the tests in its workspace, it finds them and passes."""
    files = {
        "solution.py": LEAK_PROBE + "\nprint([triple(1), triple(5), triple(-2)])\n",
        "tests.py": SUITE.tests,
    }
    result = process_sandbox.run(files, ["python3", "solution.py"], timeout_s=10)
    assert "LEAKED" in result.stderr and result.stdout == "[3, 15, -6]\n"


def test_helpers_from_the_prompt_are_trusted_not_the_solution(process_sandbox):
    """Tests that call a prompt helper (HumanEval's poly, encode_cyclic...) use the prompt's own copy."""
    prelude = "def double(x):\n    return 2 * x\n\ndef half(x):\n    '''Return x / 2.'''\n"
    suite = TestSuite(
        "def check(candidate):\n    assert double(candidate(8)) == 8\n", entry_point="half", prelude=prelude
    )
    grader = Grader(process_sandbox, timeout_s=4)
    honest = grader.grade(prelude + "    return x / 2\n", suite)
    forged = grader.grade("def double(x):\n    return 8\n\ndef half(x):\n    return 0\n", suite)
    assert honest.pass_rate == 1.0 and forged.pass_rate == 0.0
