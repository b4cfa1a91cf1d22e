"""The ``rewardgym`` command explains itself: fast ``--help``, one-line errors with suggestions, honest output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import rewardgym
from rewardgym.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rewardgym.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def test_help_describes_every_command_without_importing_torch() -> None:
    code = (
        "import sys\n"
        "from rewardgym.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("NO-TORCH")
    assert "Gymnasium-style environments" in out.stdout
    for command in ("list", "check", "demo", "render", "reproduce", "sandbox", "synthesize", "selfplay"):
        line = next((ln for ln in out.stdout.splitlines() if ln.strip().startswith(command)), None)
        assert line is not None, command
    assert "record one episode" in out.stdout and "play agents in a dialogue env" in out.stdout


def test_a_command_help_loads_that_command() -> None:
    out = _cli("selfplay", "--help")
    assert out.returncode == 0 and "--agents" in out.stdout


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rewardgym: error: "), proc.stderr
    return lines[0]


def test_user_mistakes_end_in_one_error_line(tmp_path: Path) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    cases = {
        ("render", "rewardgym/Mze-v0", "-o", str(tmp_path / "x.gif")): "did you mean 'rewardgym/Maze-v0'",
        ("render", "rewardgym/Maze-v0", "--policy", str(tmp_path / "no.pt"), "-o", str(tmp_path / "x.gif")):
            "no such file",
        ("synthesize", "rewardgym/Maze-v0", "--llm", "scripted", "--responses", str(tmp_path / "r.json")):
            "no such file",
        ("sandbox", "run", str(tmp_path / "missing.py")): "no such file",
        ("reproduce", "maze", "--quick", "--out", str(a_file)): "is a file; expected a folder",
        ("check", "rewardgym/Maz-v0"): "did you mean 'rewardgym/Maze-v0'",
        ("check", "maze/gaol-v0"): "did you mean 'maze/goal-v0'",
        ("check", "negotiaton-v0"): "did you mean 'negotiation-v0'",
        ("nosuchcommand",): "invalid choice",
    }
    for args, expected in cases.items():
        assert expected in _one_error_line(_cli(*args)), args


def test_selfplay_reward_typo_fails_before_playing(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from rewardgym.envs.dialogue import rollout

    played = []
    monkeypatch.setattr(rollout, "selfplay", lambda *a, **k: played.append(a) or [])
    rc = main(["selfplay", "support-v0", "--agents", "empathic", "--episodes", "1000",
               "--reward", "dialogue/emotoin-v0", "--quiet"])
    assert rc == 2 and not played
    assert "did you mean 'dialogue/emotion-v0'" in capsys.readouterr().err


def test_list_shows_dialogue_envs(capsys) -> None:
    assert main(["list", "--envs"]) == 0
    out = capsys.readouterr().out
    for name in ("negotiation-v0", "support-v0", "referential-v0", "rewardgym/Maze-v0", "rewardgym/WebMail-v0"):
        assert name in out


def test_check_sees_decorated_rewards(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from rewardgym.rewards import RewardFn, registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    @rewardgym.register_reward("doc/alive-v0", example="rewardgym/Maze-v0")
    class Alive(RewardFn):
        """+1 for every step that did not terminate."""

        def score(self, batch):
            return (~batch.terminated).float()

    assert main(["check", "doc/alive-v0"]) == 0
    assert main(["check", "maze/goal-v0"]) == 0  # built in: registered by decorator, not an entry point
    out = capsys.readouterr().out
    assert "ok   doc/alive-v0" in out and "ok   maze/goal-v0" in out


def test_check_pettingzoo_env(capsys) -> None:
    assert main(["check", "referential-v0"]) == 0
    assert "ok   referential-v0" in capsys.readouterr().out


def test_render_png_reports_the_frames_it_wrote(tmp_path: Path, capsys) -> None:
    pytest.importorskip("PIL")
    from PIL import Image

    out = tmp_path / "maze.png"
    assert main(["render", "rewardgym/Maze-v0", "-o", str(out), "--steps", "11", "--frames", "3",
                 "--env-kwargs", '{"size": 7}']) == 0
    printed = capsys.readouterr().out
    assert "(3 frames of 12 recorded)" in printed
    gif = tmp_path / "maze.gif"
    assert main(["render", "rewardgym/Maze-v0", "-o", str(gif), "--steps", "30", "--env-kwargs", '{"size": 7}']) == 0
    printed = capsys.readouterr().out
    with Image.open(gif) as im:  # identical consecutive frames (wall bumps) are stored once
        held = im.n_frames
    assert held > 1
    assert f"({held} frames)" in printed or f"({held} frames of 31 recorded)" in printed


def test_quick_report_describes_the_quick_run(tmp_path: Path) -> None:
    from rewardgym.reproduce import EXPERIMENTS
    from rewardgym.reproduce.report import write_markdown

    exp = EXPERIMENTS["maze"]
    run = {"variant": "sparse", "seed": 1, "eval_steps": [0, 4096], "eval_success": [0.0, 0.5],
           "train_steps": 4096, "wall_time_s": 3.0, "device": "cpu", "preference_queries": 0}
    result = {"experiment": "maze", "quick": True, "budget": {"total_timesteps": 4096, "seeds": 1,
              "eval_every": 2048, "eval_episodes": 4}, "jobs": 1, "wall_time_s": 3.0, "runs": [run]}
    text = write_markdown(result, exp, tmp_path / "q.md", command="rewardgym reproduce maze --quick",
                          png_name="q.png").read_text()
    assert "quick run" in text.splitlines()[0]
    assert "A `--quick` run: 4,096 env steps per run, 1 seed(s), variants sparse." in text
    assert f"{exp.full.total_timesteps:,} env steps with {exp.full.seeds} seeds" in text
    assert "(they describe the full run)" in text
    full = write_markdown({**result, "quick": False}, exp, tmp_path / "f.md", command="c", png_name="f.png")
    assert "quick" not in full.read_text().lower()


def test_results_json_stores_a_composed_reward_as_a_runnable_spec() -> None:
    from rewardgym.rewards.serialize import describe_reward, reward_to_spec
    from rewardgym.rollout import collect_transitions
    from rewardgym.training import load_ppo

    composed = rewardgym.build_reward({"clip": {"inner": {"sum": {
        "maze/goal-v0": 1.0, "maze/step-cost-v0": 2.0,
        "maze/distance-potential-v0": 0.5}}, "low": -1.0, "high": 1.0}})
    spec = json.loads(json.dumps(load_ppo()._describe(composed)))  # what TrainResult.config["reward"] holds
    rebuilt = rewardgym.build_reward(spec)
    batch = collect_transitions("rewardgym/Maze-v0", 32, seed=0)
    assert rebuilt(batch).tolist() == composed(batch).tolist()
    assert reward_to_spec(rewardgym.make_reward("maze/step-cost-v0", cost=0.5)) == {
        "reward": {"name": "maze/step-cost-v0", "kwargs": {"cost": 0.5}}}
    assert describe_reward(lambda b: b.env_reward)["unserializable"].startswith("<function")
