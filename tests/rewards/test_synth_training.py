"""PPO fitness: every training rollout is relabelled by the candidate, computed in the sandbox; and the CLI."""

from __future__ import annotations

import json
import math

import torch

from rewardgym.rewards.synthesized import PPOFitness, SandboxRelabel, describe_env, extract_code
from rewardgym.training import load_ppo
from tests.rewards import synth_candidates as C
from tests.rewards import synth_fixtures

executor = synth_fixtures.executor
sandbox = synth_fixtures.sandbox

TINY = {"num_envs": 4, "num_steps": 16, "eval_every": 64, "eval_episodes": 4, "update_epochs": 1}


class Spy(SandboxRelabel):
    """Records each rollout's infos and the rewards written into it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def on_rollout_end(self, rollout):
        logs = super().on_rollout_end(rollout)
        self.seen.append(({k: v.clone() for k, v in rollout.infos.items()}, rollout.rewards.clone()))
        return logs


def test_rollout_rewards_are_replaced_by_the_candidates(executor):
    ppo = load_ppo()
    spy = Spy(extract_code(C.GOOD), executor)
    config = ppo.PPOConfig(env_id="rewardgym/Maze-v0", env_kwargs={"size": 5}, total_timesteps=128, seed=3,
                           log_dir=None, progress=False, **TINY)
    ppo.train(config, callbacks=[spy])
    assert len(spy.seen) == 2
    for infos, rewards in spy.seen:
        expected = (infos["prev_distance"] - infos["distance"]).float() + 10.0 * infos["success"].float()
        assert torch.equal(rewards, expected)
    assert set(spy.term_means) == {"total", "progress", "goal"} and len(spy.term_means["total"]) == 2


def test_ppo_fitness_scores_runs_and_reports_training_crashes():
    spec = describe_env("rewardgym/Maze-v0", env_kwargs={"size": 5})
    crash_late = (  # fails only once the agent bumps into a wall, i.e. during training
        "def compute_reward(obs, action, next_obs, info):\n"
        "    return [1.0 / (1 - b) for b in info['bumped']], {}\n"
    )
    fitness = PPOFitness(total_timesteps=128, workers=1, ppo_overrides=TINY, timeout_s=10)
    good, crashed = fitness.evaluate([extract_code(C.GOOD), crash_late], spec)
    assert 0.0 <= good.fitness <= 1.0 and len(good.curve) >= 2 and good.error == ""
    assert good.train_terms["goal"] and good.wall_time_s > 0
    assert math.isnan(crashed.fitness) and "ZeroDivisionError" in crashed.error
    baseline = fitness.evaluate_reward(["maze/goal-v0"], spec)[0]
    assert 0.0 <= baseline.fitness <= 1.0 and baseline.train_terms == {}


def test_cli_synthesize_offline(tmp_path, capsys, sandbox):
    from rewardgym.cli import main

    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps([C.MALICIOUS, C.GOOD]))
    out = tmp_path / "out"
    code = main(["synthesize", "rewardgym/Maze-v0", "--env-kwargs", '{"size": 5}', "--llm", "scripted",
                 "--responses", str(replies), "--samples", "2", "--iterations", "1", "--fitness", "agreement",
                 "--reference", '{"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 1.0}}',
                 "--out", str(out), "--name", "cli-maze"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "round 0 sample 0: static" in text and "round 0 sample 1: ok" in text
    assert (out / "reward.py").read_text() == extract_code(C.GOOD)
    assert json.loads((out / "provenance.json").read_text())["fitness_evaluator"] == "agreement"
    assert "synthesized/cli-maze-v0" in text
