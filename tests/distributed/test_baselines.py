"""``--ray`` in the baselines: PPO's rollout envs / GRPO's reward scoring run on Ray actors, and training is
unchanged, bit for bit."""

from __future__ import annotations

import time

import torch

from rewardgym.reproduce.runner import load_ppo
from rewardgym.rewards.base import FunctionReward
from tests.conftest import need


def test_ppo_with_ray_envs_trains_exactly_like_in_process(ray_local):
    ppo = load_ppo()

    class Record(ppo.Callback):
        wants_infos = True

        def __init__(self) -> None:
            self.rollouts = []

        def on_rollout_end(self, rollout):
            self.rollouts.append((rollout.obs.clone(), rollout.actions.clone(), rollout.rewards.clone(),
                                  rollout.terminated.clone(), rollout.truncated.clone(), rollout.valid.clone()))

    base = {"env_id": "rewardgym/Maze-v0", "env_kwargs": {"size": 5}, "reward": "maze/goal-v0",
            "log_dir": None, "progress": False, "num_envs": 4, "num_steps": 16, "total_timesteps": 192,
            "eval_every": 64, "eval_episodes": 4, "seed": 3, "gae_impl": "loop"}
    seen = {}
    for use_ray in (False, True):
        rec = Record()
        result = ppo.train(ppo.PPOConfig(**base, ray=use_ray, ray_workers=2), callbacks=[rec])
        seen[use_ray] = (result, rec.rollouts)
    (local, local_rollouts), (remote, remote_rollouts) = seen[False], seen[True]
    assert remote.train_steps == local.train_steps == 192 and len(remote_rollouts) == 3
    for got, want in zip(remote_rollouts, local_rollouts):  # same observations, actions, rewards, episode ends
        for g, w in zip(got, want):
            torch.testing.assert_close(g, w, rtol=0, atol=0)
    assert sum(float(r[2].sum()) for r in local_rollouts) > 0  # goals were reached along the way
    assert remote.eval_return == local.eval_return and remote.eval_success == local.eval_success
    assert ppo.parse_args(["--ray", "--ray-workers", "3"]).ray_workers == 3


def test_grpo_ray_flag_scores_the_task_reward_on_actors(ray_local):
    """``baselines/grpo.py --ray`` swaps the task's reward for a RayReward: the same breakdown, from actors."""
    from rewardgym.distributed import RayReward
    from rewardgym.llm.tasks import make_task
    from rewardgym.reproduce.grpo import load_grpo

    grpo = load_grpo()
    cfg = grpo.parse_args(["--ray", "--ray-workers", "2"])
    assert cfg.ray and cfg.ray_workers == 2 and cfg.ray_address is None
    length = FunctionReward(lambda b: torch.tensor([len(c) / 40 for c in b.completions]), name="length")
    task = make_task("phrase-bleu", reward=length)
    keys = task.keys("train", 4)
    texts = ["red", "a blue square", "", "green circle small"]
    want = task.score_texts(keys, texts)
    task.reward = RayReward(task.reward, num_workers=cfg.ray_workers)
    try:
        got = task.score_texts(keys, texts)
    finally:
        task.reward.close()
    torch.testing.assert_close(got, want)
    for _ in range(100):  # the scoring actors were stopped: their CPUs come back (ray.kill is asynchronous)
        if ray_local.available_resources().get("CPU", 0) == 2:
            break
        time.sleep(0.1)
    assert ray_local.available_resources().get("CPU", 0) == 2


def test_grpo_with_ray_trains_exactly_like_in_process(ray_local, tmp_path):
    """``baselines/grpo.py --ray`` end to end on a tiny random Llama: the same rewards, step for step."""
    need("smollm2")
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from rewardgym.llm.models import smollm2_path
    from rewardgym.reproduce.grpo import load_grpo

    grpo = load_grpo()
    tok = AutoTokenizer.from_pretrained(str(smollm2_path()), local_files_only=True)
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=1024,
                      eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                      tie_word_embeddings=True)
    LlamaForCausalLM(cfg).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    length = FunctionReward(lambda b: torch.tensor([len(c) / 40 for c in b.completions]), name="length")
    base = {"model": str(tmp_path), "reward": length, "steps": 2, "prompts_per_step": 2, "group_size": 4,
            "max_new_tokens": 6, "temperature": 1.0, "learning_rate": 1e-3, "eval_prompts": 1, "eval_every": 2,
            "log_dir": None, "progress": False}
    local = grpo.train(grpo.GRPOConfig(**base))
    remote = grpo.train(grpo.GRPOConfig(**base, ray=True, ray_workers=2))
    assert len(remote.train_reward) == 2
    assert remote.train_reward == local.train_reward and remote.eval_reward == local.eval_reward
