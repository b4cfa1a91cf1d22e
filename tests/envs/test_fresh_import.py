"""Every registered Gymnasium env (and its native vector env) builds in a fresh interpreter right after
``import rewardgym``: no import order of the lazily loaded packages may leave a module half-built."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rewardgym.family import all_envs

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # one fresh interpreter per env: several seconds each

ENVS = sorted(all_envs(api="gymnasium").items())


@pytest.mark.parametrize(("env_id", "entry"), ENVS, ids=[e for e, _ in ENVS])
def test_env_builds_in_a_fresh_interpreter(env_id: str, entry) -> None:
    code = ["import gymnasium as gym", "import rewardgym",
            f"gym.make({env_id!r}, **{dict(entry.check_kwargs)!r}).close()"]
    if entry.vector_entry_point:
        code.append(f"gym.make_vec({env_id!r}, num_envs=2, vectorization_mode='vector_entry_point').close()")
    out = subprocess.run([sys.executable, "-c", "; ".join(code)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-2000:]
