"""Stable-Baselines3 through rewardgym's adapter against SB3's own ``DummyVecEnv``, same run.

Measures, for ``rewardgym/Maze-v0`` and ``rewardgym/Reach-v0``:

- env-steps/s through SB3's ``VecEnv`` API (``venv.step(actions)``, random actions drawn before timing) of
  ``make_sb3_vec_env(id, n)`` (the family's native batched env in SAME_STEP mode, behind ``SB3VecEnv``) and of
  the peer ``DummyVecEnv([lambda: gym.make(id)] * n)`` (how SB3 vectorises an env by default);
- env-steps/s of a whole SB3 ``PPO.learn`` (rollout collection and updates) on each of the two.

Usage:
    python benchmarks/sb3_vec_env.py            # full run (about two minutes)
    python benchmarks/sb3_vec_env.py --quick    # a smoke run of a few seconds
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
import torch

import rewardgym  # noqa: F401 - registers the envs
from rewardgym.adapters.sb3 import make_sb3_vec_env

KWARGS: dict[str, dict[str, Any]] = {"rewardgym/Maze-v0": {"size": 9}, "rewardgym/Reach-v0": {}}


def dummy(env_id: str, n: int) -> Any:
    from stable_baselines3.common.vec_env import DummyVecEnv

    return DummyVecEnv([lambda: gym.make(env_id, disable_env_checker=True, **KWARGS[env_id]) for _ in range(n)])


def ours(env_id: str, n: int) -> Any:
    return make_sb3_vec_env(env_id, n_envs=n, **KWARGS[env_id])


def step_rate(make: Callable[[], Any], n: int, seconds: float) -> float:
    venv = make()
    space = venv.action_space
    rng = np.random.default_rng(0)
    if isinstance(space, gym.spaces.Discrete):
        actions = rng.integers(0, space.n, size=(64, n))
    else:
        actions = rng.uniform(-1, 1, size=(64, n, *space.shape)).astype(np.float32)
    venv.seed(0)
    venv.reset()
    for i in range(5):
        venv.step(actions[i])
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or steps < 20:
        venv.step(actions[steps % 64])
        steps += 1
    rate = n * steps / (time.perf_counter() - start)
    venv.close()
    return rate


def ppo_rate(make: Callable[[], Any], n: int, timesteps: int) -> float:
    from stable_baselines3 import PPO

    venv = make()
    model = PPO("MlpPolicy", venv, n_steps=max(8, 2048 // n), batch_size=256, n_epochs=2, seed=0, device="cpu")
    start = time.perf_counter()
    model.learn(timesteps)
    rate = model.num_timesteps / (time.perf_counter() - start)
    venv.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run")
    args = parser.parse_args()
    seconds = 0.3 if args.quick else 3.0
    timesteps = 2048 if args.quick else 16384
    torch.set_num_threads(1)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; torch threads 1")
    print("\n| env | N | SB3VecEnv (native) | DummyVecEnv | ratio |\n|---|---:|---:|---:|---:|")
    for env_id, sizes in (("rewardgym/Maze-v0", (16, 256)), ("rewardgym/Reach-v0", (16, 64))):
        for n in sizes[:1] if args.quick else sizes:
            a = step_rate(lambda env_id=env_id, n=n: ours(env_id, n), n, seconds)
            b = step_rate(lambda env_id=env_id, n=n: dummy(env_id, n), n, seconds)
            print(f"| {env_id} | {n} | {a:,.0f} | {b:,.0f} | {a / b:.1f}x |", flush=True)
    print("\n| PPO.learn on | N | SB3VecEnv (native) | DummyVecEnv | ratio |\n|---|---:|---:|---:|---:|")
    for env_id, n in (("rewardgym/Maze-v0", 64), ("rewardgym/Reach-v0", 16)):
        a = ppo_rate(lambda env_id=env_id, n=n: ours(env_id, n), n, timesteps)
        b = ppo_rate(lambda env_id=env_id, n=n: dummy(env_id, n), n, timesteps)
        print(f"| {env_id} | {n} | {a:,.0f} | {b:,.0f} | {a / b:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
