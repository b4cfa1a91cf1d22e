"""The ``rewardgym`` command: list, check and demo."""

from __future__ import annotations

import subprocess
import sys

from rewardgym.cli import main


def test_list_shows_envs_and_rewards_with_docs(capsys) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "rewardgym/Maze-v0" in out and "maze/goal-v0" in out
    maze_line = next(line for line in out.splitlines() if line.startswith("maze/goal-v0"))
    assert len(maze_line.split(None, 1)) == 2  # a one-line doc follows the name


def test_list_prefix_filters(capsys) -> None:
    assert main(["list", "--rewards", "maze/"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names and all(n.startswith("maze/") for n in names)


def test_check_reward_and_env(capsys) -> None:
    assert main(["check", "maze/step-cost-v0"]) == 0
    assert main(["check", "rewardgym/Maze-v0"]) == 0
    out = capsys.readouterr().out
    assert "ok   maze/step-cost-v0" in out and "ok   rewardgym/Maze-v0" in out


def test_check_unknown_name_suggests(capsys) -> None:
    assert main(["check", "maze/gaol-v0"]) == 2
    assert "did you mean 'maze/goal-v0'" in capsys.readouterr().err


def test_demo_prints_every_term() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rewardgym.cli", "demo", "--steps", "60", "--num-envs", "4"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    for term in (
        "maze/goal-v0",
        "maze/distance-potential-v0",
        "maze/step-cost-v0",
        "maze/wall-bump-v0",
        "total",
    ):
        assert term in proc.stdout
    reached = int(proc.stdout.split("goal reached:")[1].split()[0])
    assert reached > 0
