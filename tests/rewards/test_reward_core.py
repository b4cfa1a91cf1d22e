"""The reward core refuses what would give silent wrong rewards: non-finite weights in a spec, and a broken
third-party plugin is skipped with a warning instead of taking the registry (and the CLI) down."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import rewardgym
from rewardgym import Clip, Gate, RewardSpecError, WeightedSum
from rewardgym.rewards import registry
from rewardgym.rewards.registry import RewardPluginWarning

BAD = [float("nan"), float("inf"), float("-inf")]


@pytest.mark.parametrize("weight", BAD)
def test_non_finite_weights_are_rejected_at_build_time(weight: float) -> None:
    with pytest.raises(RewardSpecError, match="finite number"):
        rewardgym.build_reward({"sum": {"maze/goal-v0": weight}})
    with pytest.raises(RewardSpecError, match="finite number"):
        rewardgym.build_reward({"sum": [{"reward": "maze/goal-v0", "weight": weight}]})
    goal = rewardgym.make_reward("maze/goal-v0")
    with pytest.raises(RewardSpecError, match="weight of 'goal'"):
        WeightedSum({"goal": goal}, weights={"goal": weight})
    with pytest.raises(RewardSpecError, match="Gate threshold"):
        Gate(goal, goal, threshold=weight)
    yaml_text = f"sum:\n  maze/goal-v0: {'.nan' if weight != weight else ('.inf' if weight > 0 else '-.inf')}\n"
    with pytest.raises(RewardSpecError, match="finite number"):
        rewardgym.build_reward(__import__("yaml").safe_load(yaml_text))


def test_clip_rejects_nan_bounds() -> None:
    with pytest.raises(RewardSpecError, match="Clip bounds"):
        Clip(rewardgym.make_reward("maze/goal-v0"), low=float("nan"))


def _write_plugin(root: Path) -> None:
    """A fake installed distribution whose reward entry points import a module that raises, plus a good one."""
    dist = root / "brokenplugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: brokenplugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[rewardgym.rewards]\nbroken = brokenplugin_rewards\n"
        "goodplugin/ones-v0 = goodplugin_rewards:make\n"
    )
    (root / "brokenplugin_rewards.py").write_text("raise ImportError('this plugin needs libfoo')\n")
    (root / "goodplugin_rewards.py").write_text(
        textwrap.dedent(
            '''
            import torch
            from rewardgym import RewardFn

            class Ones(RewardFn):
                """1 on every step."""
                def score(self, batch):
                    return torch.ones(len(batch))

            def make():
                """1 on every step."""
                return Ones()
            '''
        )
    )


def test_broken_plugin_warns_and_the_rest_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_plugin(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_entry_points_loaded", False)
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))  # the plugin's rewards leave with the test
    with pytest.warns(RewardPluginWarning, match="'broken'.*brokenplugin.*needs libfoo"):
        names = rewardgym.list_rewards()
    assert "goodplugin/ones-v0" in names and "maze/goal-v0" in names


def test_cli_list_and_check_survive_a_broken_plugin(tmp_path: Path) -> None:
    _write_plugin(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.getcwd()])}
    for args in (["list"], ["check", "goodplugin/ones-v0"]):
        out = subprocess.run(
            [sys.executable, "-m", "rewardgym.cli", *args], capture_output=True, text=True, env=env, timeout=300
        )
        assert "Traceback" not in out.stderr, out.stderr
        assert "broken" in out.stderr and "skipped" in out.stderr
        if args == ["list"]:
            assert out.returncode == 0 and "goodplugin/ones-v0" in out.stdout
