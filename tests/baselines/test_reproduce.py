"""``rewardgym reproduce``: the whole pipeline on a tiny budget, and its failure modes."""

from __future__ import annotations

import argparse
import json
import sys

import pytest

import rewardgym
from rewardgym.errors import RewardGymError
from rewardgym.reproduce import EXPERIMENTS
from rewardgym.reproduce.cli import main, register_commands
from rewardgym.reproduce.report import summarize


def test_reproduce_maze_end_to_end_on_a_tiny_budget(tmp_path, capsys) -> None:
    out = tmp_path / "results"
    argv = ["reproduce", "maze", "--quick", "--steps", "4096", "--seeds", "1", "--out", str(out),
            "--jobs", "2", "--no-progress"]
    assert main(argv) == 0
    exp = EXPERIMENTS["maze"]
    variants = [v for v in exp.variants if v.name in exp.quick.variants]  # --quick runs these
    md = (out / "maze.md").read_text()
    assert "`rewardgym reproduce maze --quick --steps 4096" in md
    table = [line for line in md.splitlines() if line.startswith("| ") and "|---" not in line]
    assert len(variants) >= 3
    for v in variants:  # one summary row and one per-seed row per variant
        assert sum(v.title in line for line in table) == 1, v.title
        assert sum(line.startswith(f"| {v.name} | 1 |") for line in table) == 1, v.name
    assert "device: cpu" in md or "device: cuda" in md

    png = (out / "maze.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(out / "maze.png") as img:
        img.verify()

    raw = json.loads((out / "maze.json").read_text())
    runs = {r["variant"]: r for r in raw["runs"]}
    assert set(runs) == {v.name for v in variants}
    for name, run in runs.items():
        assert run["train_steps"] == 4096, name
        assert run["eval_steps"][0] == 0 and run["eval_steps"][-1] == 4096
        assert all(0.0 <= s <= 1.0 for s in run["eval_success"])
        assert list((out / "runs" / f"maze-{name}-s1").glob("events.out.tfevents.*")), name
    pref = runs["preference"]
    budget = next(v.preference.budget for v in variants if v.preference is not None)
    assert 0 < pref["preference_queries"] <= budget
    assert all(r["preference_queries"] == 0 for n, r in runs.items() if n != "preference")
    reward = rewardgym.make_reward("learned/preference-v0", path=pref["model_path"])
    assert reward.model.config.obs_shape == (9, 9)
    assert "final success" in capsys.readouterr().out


def test_summary_and_steps_to_threshold() -> None:
    runs = [
        {"variant": "a", "seed": s, "eval_steps": [0, 10, 20], "eval_success": e, "train_steps": 20,
         "wall_time_s": 1.0, "preference_queries": 0}
        for s, e in ((1, [0.0, 0.9, 1.0]), (2, [0.0, 0.5, 0.7]))
    ]
    (row,) = summarize(runs, threshold=0.8)
    assert row["final_mean"] == pytest.approx(0.85) and row["final_std"] == pytest.approx(0.15)
    assert row["steps_to_threshold"] == [10, None]


def test_cli_wiring_and_bad_arguments(capsys, tmp_path) -> None:
    parser = argparse.ArgumentParser(prog="rewardgym")
    register_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["reproduce", "maze", "--seeds", "2", "--out", "x"])
    assert (args.experiment, args.seeds, args.quick, str(args.out)) == ("maze", 2, False, "x")
    with pytest.raises(SystemExit):
        parser.parse_args(["reproduce", "no-such-experiment"])
    with pytest.raises(SystemExit, match="seeds"):
        main(["reproduce", "maze", "--seeds", "0"])
    from rewardgym.reproduce.runner import run_experiment

    with pytest.raises(RewardGymError, match="unknown experiment"):
        run_experiment("nope", out_dir=tmp_path / "unused")
    with pytest.raises(RewardGymError, match="unknown variant"):
        run_experiment("maze", out_dir=tmp_path / "unused", variants=["sparse", "typo"], quick=True)


def test_reproduce_needs_a_source_checkout(monkeypatch, tmp_path) -> None:
    from rewardgym.reproduce import runner
    from rewardgym.training import BASELINES_ENV

    monkeypatch.delitem(sys.modules, "rewardgym_baselines_ppo", raising=False)
    monkeypatch.setenv(BASELINES_ENV, str(tmp_path / "site-packages" / "no-baselines"))
    with pytest.raises(RewardGymError, match="clone the rewardgym repository"):
        runner.load_ppo()
