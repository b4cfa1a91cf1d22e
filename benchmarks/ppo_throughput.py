"""PPO training throughput (env steps/s) of ``baselines/ppo.py`` on the maze: native vs Gymnasium vectorisation.

Ours: ``gymnasium.make_vec("rewardgym/Maze-v0", vectorization_mode="vector_entry_point")`` (the natively
batched ``MazeVectorEnv``). Peer, in the same run: the same PPO, reward and settings on Gymnasium's
``SyncVectorEnv`` of ``MazeEnv`` (``vectorization_mode="sync"``). Each setting trains for the same number of
env steps with one torch thread (the reward wrapper, the rollout, the updates and the evaluations all count);
the table prints env steps/s and the ratio.

    python benchmarks/ppo_throughput.py            # 64 and 256 envs, 200k steps each
    python benchmarks/ppo_throughput.py --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import torch

from rewardgym.reproduce.runner import load_ppo

REWARD = {"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 1.0}}


def run(ppo: Any, mode: str, num_envs: int, steps: int) -> float:
    config = ppo.PPOConfig(
        env_id="rewardgym/Maze-v0", env_kwargs={"size": 9, "fixed_maze": True}, shared_reset_seed=True,
        eval_seed_offset=0, reward=REWARD, num_envs=num_envs, num_steps=64, learning_rate=2e-3,
        total_timesteps=steps, eval_every=steps, eval_episodes=16, vectorization_mode=mode, log_dir=None,
        progress=False,
    )
    start = time.perf_counter()
    result = ppo.train(config)
    return result.train_steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    ppo = load_ppo()
    sizes, steps = ([64], 16_384) if args.quick else ([64, 256], 200_000)
    run(ppo, "vector_entry_point", 8, 1024)  # warm-up: imports and first-call costs stay out of the timings
    run(ppo, "sync", 8, 1024)
    print(f"load average before: {os.getloadavg()[0]:.1f}; {steps:,} env steps per setting, 1 torch thread")
    print("| envs | MazeVectorEnv (steps/s) | SyncVectorEnv(MazeEnv) (steps/s) | ratio |")
    print("|---:|---:|---:|---:|")
    for n in sizes:
        ours = run(ppo, "vector_entry_point", n, steps)
        peer = run(ppo, "sync", n, steps)
        print(f"| {n} | {ours:,.0f} | {peer:,.0f} | {ours / peer:.1f}x |", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
