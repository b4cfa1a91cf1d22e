"""The family contract: a family from a third-party package shows up everywhere, declared in its own folder only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rewardgym.errors import FamilyError
from rewardgym.family import EnvEntry, Family, InfoField, all_envs, env_entry, families

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _install(tmp_path: Path, entry_points: str) -> dict[str, str]:
    """Make ``tinyfamily`` an installed distribution with ``entry_points`` (a real dist-info, no pip)."""
    dist = tmp_path / "tinyfamily-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tinyfamily\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(entry_points)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(FIXTURES), str(tmp_path), env.get("PYTHONPATH", "")])
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def tiny_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _install(tmp_path_factory.mktemp("site"), "[rewardgym.families]\ntiny = tinyfamily:FAMILY\n")


def test_tiny_family_is_listed_and_checked(tiny_env: dict[str, str]) -> None:
    out = _run(tiny_env, "-m", "rewardgym.cli", "list")
    assert out.returncode == 0, out.stderr
    assert "tinyfamily/Count-v0" in out.stdout and "Count up to the target" in out.stdout
    assert "tiny/success-v0" in out.stdout and "rewardgym/Maze-v0" in out.stdout
    for target in ("tinyfamily/Count-v0", "tiny/success-v0"):
        out = _run(tiny_env, "-m", "rewardgym.cli", "check", target)
        assert out.returncode == 0, out.stdout + out.stderr
        assert f"ok   {target}" in out.stdout


def test_tiny_family_command_is_in_the_cli(tiny_env: dict[str, str]) -> None:
    out = _run(tiny_env, "-m", "rewardgym.cli", "--help")
    assert "tiny-hello" in out.stdout and "greeting from the tiny family" in out.stdout
    out = _run(tiny_env, "-m", "rewardgym.cli", "tiny-hello", "--name", "tests")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "hello from the tiny family, tests"


def test_tiny_family_reaches_reward_synthesis(tiny_env: dict[str, str]) -> None:
    code = (
        "from rewardgym.rewards.synthesized import describe_env, initial_messages\n"
        "spec = describe_env('tinyfamily/Count-v0')\n"
        "print(spec.task)\n"
        "print(initial_messages(spec)[-1]['content'])\n"
    )
    out = _run(tiny_env, "-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Reach the target count in as few steps as possible.")
    assert "info['count'] (int64, scalar): the count after the step" in out.stdout
    assert "action: 0 stay, 1 add one" in out.stdout


def test_broken_third_party_family_warns_and_the_rest_works(tmp_path: Path) -> None:
    env = _install(tmp_path, "[rewardgym.families]\nbroken = tinyfamily.broken:FAMILY\n")
    out = _run(env, "-m", "rewardgym.cli", "list", "--envs")
    assert out.returncode == 0, out.stderr
    assert "skipping rewardgym family 'broken'" in out.stderr and "broken on purpose" in out.stderr
    assert "rewardgym/Maze-v0" in out.stdout


def test_builtin_families_declare_everything() -> None:
    fams = families()
    assert sorted(fams) == ["code", "dialogue", "maze", "robotics", "web"]
    ids = set(all_envs())
    assert {"rewardgym/Maze-v0", "rewardgym/Push-v0", "rewardgym/WebMail-v0", "negotiation-v0"} <= ids
    assert {e.api for e in fams["dialogue"].envs} == {"pettingzoo"}
    assert all(e.info for e in all_envs().values()), "every env declares its info contract"
    assert env_entry("rewardgym/Reach-v0").info_field("success").dtype == "bool"


def test_a_family_folder_without_its_declaration_is_an_error(tmp_path: Path) -> None:
    pkg = tmp_path / "rewardgym" / "envs" / "nodecl"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""A family folder that forgot its family.py."""\n')
    code = (
        "import rewardgym.envs, sys\n"
        f"rewardgym.envs.__path__.append({str(tmp_path / 'rewardgym' / 'envs')!r})\n"
        "from rewardgym.family import families\n"
        "families(reload=True)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode != 0
    assert "FamilyError: rewardgym.envs.nodecl is a family folder without rewardgym.envs.nodecl.family" in out.stderr


def test_info_contract_reports_mismatches() -> None:
    entry = EnvEntry("x/Y-v0", "m:C", info=(InfoField("d", "int64"), InfoField("p", "float64", (3,))))
    assert entry.check_info({"d": 2, "p": [0.0, 1.0, 2.0]}) == []
    problems = entry.check_info({"d": 2.5, "p": [0.0, 1.0]})
    assert problems == ["info['d']: expected dtype int64, got float64", "info['p']: expected shape (3,), got (2,)"]
    assert entry.check_info({}) == ["info['d'] missing", "info['p'] missing"]
    with pytest.raises(FamilyError, match="dtype 'float16' is not one of"):
        InfoField("z", "float16")
    with pytest.raises(FamilyError, match="declares no info field 'q'"):
        entry.info_field("q")
    assert isinstance(Family("f"), Family)
