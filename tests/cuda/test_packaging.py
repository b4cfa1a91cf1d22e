"""The kernels' sources ship in the wheel: an installed package can build them and pass ``compile_check``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from rewardgym.cuda._ext import CSRC
from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]


def test_package_data_covers_every_csrc_file() -> None:
    """Every file in csrc/ matches a ``package-data`` pattern of pyproject.toml (the fast form of the test below)."""
    import fnmatch

    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["rewardgym"]
    for path in CSRC.iterdir():
        rel = f"cuda/csrc/{path.name}"
        assert any(fnmatch.fnmatch(rel, p) for p in patterns), f"{rel} is not in the package data"


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_has_every_source_and_compiles(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "rewardgym", src / "rewardgym", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = wheels.glob("rewardgym-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = subprocess.run(
        [str(py), "-c", "import rewardgym.cuda._ext as e; print(e.CSRC)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    installed = Path(probe.stdout.strip())
    assert installed.is_relative_to(env_dir), f"imported {installed}, not the venv's copy"
    assert sorted(p.name for p in installed.iterdir()) == sorted(p.name for p in CSRC.iterdir())
    need("nvcc")
    # one source (it includes every CUDA header); CI compiles all of them from the tree
    check = subprocess.run(
        [str(py), "-m", "rewardgym.cuda.compile_check", "--source", "gae.cu", "--arch", "80"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=900,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "ok   gae.cu" in check.stdout
