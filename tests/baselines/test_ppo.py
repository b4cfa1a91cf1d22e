"""``baselines/ppo.py``: GAE against ``rewardgym.cuda.ops.gae``, learning, determinism, CLI, callbacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rewardgym.errors import EnvConfigError
from rewardgym.training import load_ppo

ppo = load_ppo()
ROOT = Path(__file__).resolve().parents[2]


def tiny(**kw) -> object:
    base = {"log_dir": None, "progress": False, "num_envs": 8, "num_steps": 32, "eval_episodes": 4}
    return ppo.PPOConfig(**{**base, **kw})


def random_rollout(T: int = 37, N: int = 5, seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    rewards = torch.randn(T, N, generator=g)
    values = torch.randn(T, N, generator=g)
    next_values = torch.cat([values[1:], torch.randn(1, N, generator=g)])
    terminated = torch.rand(T, N, generator=g) < 0.1
    truncated = (torch.rand(T, N, generator=g) < 0.1) & ~terminated
    return rewards, values, next_values, terminated, truncated


def test_gae_loop_on_a_hand_computed_case() -> None:
    # one env, 3 steps: terminated at step 1, bootstrap V=10 after the last step
    r = torch.tensor([[1.0], [2.0], [3.0]])
    v = torch.tensor([[0.5], [1.0], [2.0]])
    nv = torch.tensor([[1.0], [2.0], [10.0]])
    term = torch.tensor([[0.0], [1.0], [0.0]])
    adv, ret = ppo.gae_loop(r, v, nv, term, term, gamma=0.5, lam=0.5)
    d2 = 3.0 + 0.5 * 10.0 - 2.0
    d1 = 2.0 - 1.0
    d0 = 1.0 + 0.5 * 1.0 - 0.5
    assert adv[:, 0].tolist() == pytest.approx([d0 + 0.25 * d1, d1, d2])
    assert torch.allclose(ret, adv + v)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gae_loop_matches_ops_gae(seed: int) -> None:
    pytest.importorskip("rewardgym.cuda.ops")
    args = random_rollout(seed=seed)
    loop = ppo.compute_gae(*args, gamma=0.97, lam=0.9, impl="loop")
    ops = ppo.compute_gae(*args, gamma=0.97, lam=0.9, impl="ops")
    for a, b in zip(loop, ops):
        assert torch.allclose(a, b, atol=1e-5), (a - b).abs().max()
    with pytest.raises(EnvConfigError, match="gae_impl"):
        ppo.compute_gae(*args, gamma=0.9, lam=0.9, impl="fast")


def test_ppo_learns_a_small_maze_quickly() -> None:
    """Shaped reward on one fixed 7×7 maze: the evaluated success rate climbs to >= 90%."""
    config = tiny(
        env_id="rewardgym/Maze-v0", env_kwargs={"size": 7, "fixed_maze": True}, shared_reset_seed=True,
        eval_seed_offset=0, reward={"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 1.0}},
        num_envs=32, num_steps=32, learning_rate=2e-3, total_timesteps=40_960, eval_every=10_240,
        eval_episodes=16, seed=3,
    )
    result = ppo.train(config)
    assert result.eval_steps[0] == 0 and result.eval_steps[-1] == result.train_steps
    assert result.final_success >= 0.9 > result.eval_success[0], result.eval_success


def test_runs_are_deterministic_given_the_seed() -> None:
    config = tiny(env_id="CartPole-v1", total_timesteps=512, eval_every=256, seed=5)
    a, b = ppo.train(config), ppo.train(config)
    assert a.eval_return == b.eval_return and len(a.eval_return) == 3
    c = ppo.train(tiny(env_id="CartPole-v1", total_timesteps=512, eval_every=256, seed=6))
    assert c.eval_return != a.eval_return


def test_continuous_actions_and_normalisation_run() -> None:
    config = tiny(env_id="Pendulum-v1", total_timesteps=512, eval_every=512, norm_obs=True, norm_reward=True)
    result = ppo.train(config)
    assert len(result.eval_return) == 2 and all(r < 0 for r in result.eval_return)


def test_callbacks_see_every_rollout_and_can_relabel_rewards() -> None:
    seen: list[tuple[int, int]] = []

    class ZeroReward(ppo.Callback):
        wants_infos = True

        def on_rollout_end(self, rollout):
            assert rollout.obs.shape[:2] == rollout.valid.shape == (32, 8)
            assert "distance" in rollout.infos and rollout.infos["distance"].shape == (32, 8)
            seen.append((rollout.iteration, rollout.global_step))
            rollout.rewards.zero_()
            return {"custom/metric": 1.0}

    result = ppo.train(tiny(env_id="rewardgym/Maze-v0", reward="maze/goal-v0", total_timesteps=768,
                            eval_every=10**9), [ZeroReward()])
    assert seen == [(1, 256), (2, 512), (3, 768)] and result.train_steps == 768


def test_script_writes_tensorboard_logs(tmp_path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "baselines" / "ppo.py"), "--env-id", "rewardgym/Maze-v0", "--reward",
         '{"sum": {"maze/goal-v0": 1.0, "maze/step-cost-v0": 1.0}}', "--total-timesteps", "512",
         "--num-envs", "4", "--num-steps", "64", "--eval-every", "256", "--eval-episodes", "2",
         "--log-dir", str(tmp_path), "--run-name", "cli", "--no-progress", "--no-anneal-lr"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, check=True,
    )
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["steps"] == 512 and 0.0 <= summary["final_success"] <= 1.0
    assert f"TensorBoard logs: {tmp_path / 'cli'} (view them with `tensorboard --logdir {tmp_path}`)" in out.stdout
    assert summary["tensorboard"] == str(tmp_path / "cli")
    events = list((tmp_path / "cli").glob("events.out.tfevents.*"))
    assert events
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(tmp_path / "cli"))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    assert {"eval/success_rate", "losses/value_loss", "charts/SPS", "rewards/maze/goal-v0/mean",
            "rewards/maze/step-cost-v0/mean"} <= tags


def test_bad_config_raises_clear_errors(tmp_path) -> None:
    with pytest.raises(EnvConfigError, match="obs_encoding"):
        ppo.train(tiny(env_id="CartPole-v1", obs_encoding="pixels", total_timesteps=256))
    with pytest.raises(EnvConfigError, match="onehot"):
        ppo.train(tiny(env_id="CartPole-v1", obs_encoding="onehot", total_timesteps=256))
    bad = tmp_path / "c.yaml"
    bad.write_text("env_id: CartPole-v1\nlearning_rat: 0.1\n")
    with pytest.raises(EnvConfigError, match="learning_rat"):
        ppo.parse_args(["--config", str(bad)])
    good = tmp_path / "ok.yaml"
    good.write_text("env_id: CartPole-v1\nnum_envs: 16\nenv_kwargs: {}\n")
    cfg = ppo.parse_args(["--config", str(good), "--env-id", "Pendulum-v1", "--target-kl", "0.02",
                          "--env-kwargs", '{"g": 9.0}', "--reward", "maze/goal-v0", "--no-norm-adv"])
    assert (cfg.env_id, cfg.num_envs, cfg.target_kl, cfg.env_kwargs) == ("Pendulum-v1", 16, 0.02, {"g": 9.0})
    assert (cfg.reward, cfg.norm_adv) == ("maze/goal-v0", False)


@pytest.mark.parametrize("path", sorted((ROOT / "baselines" / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_configs_parse(path: Path) -> None:
    config = ppo.parse_args(["--config", str(path)])
    assert config.total_timesteps > 0
    ppo.make_envs(config, 2, config.reward).close()  # the env id, env kwargs and reward all resolve
