"""Static checks, code extraction and prompt construction for synthesized rewards (no code is run)."""

from __future__ import annotations

import pytest

from rewardgym.rewards.synthesized import check_reward_source, describe_env, extract_code, initial_messages
from rewardgym.rewards.synthesized.prompts import reflection
from tests.rewards import synth_candidates as C

HEADER = "def compute_reward(obs, action, next_obs, info):\n"


def test_good_candidate_passes_and_columns_are_recorded():
    report = check_reward_source(extract_code(C.GOOD))
    assert report.ok, report.errors
    assert report.info_keys == {"prev_distance", "distance", "success"}
    assert report.columns == set() and not report.uses_torch


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("    import os\n    return [], {}\n", "import of 'os'"),
        ("    import math.fake\n    return [], {}\n", "import of 'math.fake'"),
        ("    from subprocess import run\n    return [], {}\n", "import from 'subprocess'"),
        ("    return open('/etc/passwd').read(), {}\n", "'open'"),
        ("    return eval('1'), {}\n", "'eval'"),
        ("    return exec('1'), {}\n", "'exec'"),
        ("    return __import__('os'), {}\n", "'__import__'"),
        ("    return getattr(obs, 'x'), {}\n", "'getattr'"),
        ("    return ().__class__.__bases__, {}\n", "private attribute '__class__'"),
        ("    return obs._secret, {}\n", "private attribute '_secret'"),
        ("    return '{0.__class__}'.format(obs), {}\n", "'format'"),
        ("    return globals(), {}\n", "'globals'"),
        ("    return type(obs), {}\n", "'type'"),
        ("    global X\n    return [], {}\n", "global"),
        ("    with obs:\n        pass\n    return [], {}\n", "with statements"),
        ("    yield 1\n", "generators"),
    ],
)
def test_forbidden_constructs_are_rejected_with_line_numbers(body, fragment):
    report = check_reward_source(HEADER + body)
    assert not report.ok
    assert any(fragment in e and e.startswith("line 2") for e in report.errors), report.errors


def test_torch_is_limited_to_numeric_functions():
    body = "    d = torch.as_tensor(info['distance']).float()\n    return -torch.tanh(d), {}\n"
    ok = "import torch\n" + HEADER + body
    report = check_reward_source(ok)
    assert report.ok and report.uses_torch
    for attr in ("load", "save", "hub", "utils", "os", "ops", "jit"):
        bad = "import torch\n" + HEADER + f"    return torch.{attr}, {{}}\n"
        assert not check_reward_source(bad).ok, attr
    assert not check_reward_source("import torch as t\n" + HEADER + "    return t.hub, {}\n").ok
    assert not check_reward_source("from torch import load\n" + HEADER + "    return load, {}\n").ok


@pytest.mark.parametrize(
    "source, fragment",
    [
        ("", "empty"),
        ("def compute_reward(obs, action):\n    return [], {}\n", "exactly four"),
        ("def compute_reward(*args):\n    return [], {}\n", "exactly four"),
        ("def other(a, b, c, d):\n    return [], {}\n", "no top-level function"),
        ("print('import time side effect')\n" + HEADER + "    return [], {}\n", "top level"),
        ("class A:\n    pass\n" + HEADER + "    return [], {}\n", "class definitions"),
        ("def compute_reward(obs, action, next_obs, info)\n    return []\n", "syntax error"),
        ("x = 1\n" * 5000 + HEADER + "    return [], {}\n", "limit"),
    ],
)
def test_shape_of_the_module_is_checked(source, fragment):
    report = check_reward_source(source)
    assert not report.ok and any(fragment in e for e in report.errors), report.errors


def test_module_constants_and_helpers_are_allowed():
    source = "import math\nSCALE = 0.5\nPAIR = (1, -2)\ndef helper(x):\n    return math.tanh(x * SCALE)\n"
    source += HEADER + "    v = [helper(d) for d in info.get('distance')]\n    return v, {'v': v}\n"
    report = check_reward_source(source)
    assert report.ok, report.errors
    assert report.info_keys == {"distance"}


def test_dynamic_info_access_needs_every_key():
    source = HEADER + "    keys = ['distance']\n    return [sum(info[k][i] for k in keys) for i in range(3)], {}\n"
    report = check_reward_source(source)
    assert report.ok and report.info_keys is None


def test_obs_columns_are_detected():
    report = check_reward_source(HEADER + "    return [len(o) for o in next_obs], {}\n")
    assert report.columns == {"next_obs"}


def test_extract_code():
    assert extract_code(C.NO_CODE) is None
    code = extract_code(C.GOOD)
    assert code.startswith("def compute_reward") and "It rewards" not in code
    unfenced = "Sure.\n" + HEADER + "    return [1.0], {}\nThis works well."
    assert extract_code(unfenced) == HEADER + "    return [1.0], {}"
    two = "```python\nx = 1\n```\nthen\n```py\n" + HEADER + "    return [], {}\n```"
    assert extract_code(two).startswith("def compute_reward")


def test_prompt_carries_the_env_contract_and_the_task():
    spec = describe_env("rewardgym/Maze-v0", "Reach the goal fast.", env_kwargs={"size": 7})
    chat = initial_messages(spec)
    text = chat[1]["content"]
    for fragment in ("rewardgym/Maze-v0", "size=7", "prev_distance", "Reach the goal fast.", "info['success']"):
        assert fragment in text
    assert "import math" in chat[0]["content"] and "torch" not in chat[0]["content"]
    assert "import torch" in initial_messages(spec, torch_available=True)[0]["content"]


def test_reflection_mentions_best_code_terms_and_failures():
    from rewardgym.rewards.synthesized import Candidate

    best = Candidate(
        0,
        2,
        "",
        source="def compute_reward(o, a, n, i):\n    return [], {}",
        status="ok",
        fitness=0.75,
        curve=[0.1, 0.75],
        term_stats={"progress": {"mean": 0.1, "std": 0.5, "min": -1, "max": 1}},
        train_terms={"progress": [0.1, 0.3]},
    )
    bad = Candidate(0, 1, "", source="x", status="runtime", error="ZeroDivisionError: division by zero")
    text = reflection(best, [bad])
    for fragment in ("0.750", "def compute_reward", "progress: mean 0.1", "ZeroDivisionError", "0.1, 0.3"):
        assert fragment in text


@pytest.mark.parametrize(
    "body",
    [
        "    t = torch\n    return t.os.system('id'), {}\n",
        "    f = lambda m: m.tensor\n    return f(torch)([1.0]), {}\n",
        "    return [torch][0].tensor([1.0]), {}\n",
        "    la = torch.linalg\n    return la.vector_norm(obs), {}\n",
        "    m = math\n    return [m.pi], {}\n",
        "    d = {'t': torch}\n    return d['t'].tensor([1.0]), {}\n",
        "    def g(torch=torch):\n        return torch\n    return g().tensor([1.0]), {}\n",
    ],
    ids=["assigned", "passed", "in-a-list", "submodule", "math-alias", "in-a-dict", "default-argument"],
)
def test_module_aliases_cannot_hide_attributes(body):
    """A module name used other than as ``module.<function>`` could reach anything: it is refused."""
    report = check_reward_source("import math\nimport torch\n" + HEADER + body)
    assert not report.ok
    assert any("module name" in e or "linalg" in e for e in report.errors), report.errors


def test_from_torch_import_linalg_checks_its_functions():
    ok = check_reward_source("from torch import linalg\n" + HEADER + "    return linalg.vector_norm(obs), {}\n")
    bad = check_reward_source("from torch import linalg\n" + HEADER + "    return linalg.matrix_exp(obs), {}\n")
    assert ok.ok, ok.errors
    assert not bad.ok and "torch.linalg.matrix_exp" in bad.errors[0]
