"""Robotics throughput: the batched Reach-v0 env against ``SyncVectorEnv`` peers, same run.

Measures env-steps/s (uniform random actions drawn before timing, autoreset included) at N = 1, 16, 64 for:

- rewardgym's batched env (``make_vec("rewardgym/Reach-v0", vectorization_mode="vector_entry_point")``),
  on the calling thread and with ``num_threads=2``,
- gymnasium's ``SyncVectorEnv`` over N single ``rewardgym/Reach-v0`` envs (same physics, stepped one by one),
- gymnasium's ``SyncVectorEnv`` over N ``Reacher-v5`` envs (the peer: Gymnasium's own MuJoCo reacher; 2 links,
  RK4 integrator, 2 physics steps per env step like ours),

then, at the largest N, the batched env behind ``rewardgym.wrap`` with its default reward (one batched reward
call per step on top of the env's own reward). Every configuration runs for at least ``--seconds`` after a
warm-up; the best of ``--repeats`` runs is kept (the machine is shared).

Usage:
    python benchmarks/robotics_throughput.py            # full run (about a minute)
    python benchmarks/robotics_throughput.py --quick    # a few-second smoke run
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

import rewardgym


def steps_per_second(env: Any, n: int, seconds: float, warmup: int = 5) -> float:
    """Env-steps/s of ``env`` (N sub-envs) under pre-drawn uniform random actions in [-1, 1]."""
    dim = env.single_action_space.shape[0]
    actions = np.random.default_rng(0).uniform(-1, 1, size=(64, n, dim)).astype(np.float32)
    env.reset(seed=0)
    for i in range(warmup):
        env.step(actions[i % 64])
    steps, start = 0, time.perf_counter()
    while True:
        env.step(actions[steps % 64])
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and steps >= 10:
            return n * steps / elapsed


CONFIGS: dict[str, Callable[[int], Any]] = {
    "rewardgym batched": lambda n: gym.make_vec(
        "rewardgym/Reach-v0", num_envs=n, vectorization_mode="vector_entry_point"
    ),
    "rewardgym batched, 2 threads": lambda n: gym.make_vec(
        "rewardgym/Reach-v0", num_envs=n, vectorization_mode="vector_entry_point", num_threads=2
    ),
    "SyncVectorEnv(Reach-v0)": lambda n: gym.make_vec(
        "rewardgym/Reach-v0", num_envs=n, vectorization_mode="sync"
    ),
    "SyncVectorEnv(Reacher-v5)": lambda n: gym.make_vec("Reacher-v5", num_envs=n, vectorization_mode="sync"),
}


def measure(name: str, n: int, seconds: float, repeats: int) -> float:
    env = CONFIGS[name](n)
    try:
        return max(steps_per_second(env, n, seconds) for _ in range(repeats))
    finally:
        env.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument(
        "--seconds", type=float, default=1.5, help="minimum timed wall time per configuration"
    )
    parser.add_argument("--repeats", type=int, default=2, help="keep the best of this many timed runs")
    parser.add_argument("--quick", action="store_true", help="0.2 s per configuration, one repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.repeats = 0.2, 1
    warnings.filterwarnings("ignore")
    print(
        f"# robotics throughput: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}, gymnasium {gym.__version__}, "
        f"rewardgym {rewardgym.__version__}"
    )
    print("| N | " + " | ".join(CONFIGS) + " | batched / Sync(Reach-v0) | batched / Sync(Reacher-v5) |")
    print("|---" * (len(CONFIGS) + 3) + "|")
    for n in args.sizes:
        sps = {name: measure(name, n, args.seconds, args.repeats) for name in CONFIGS}
        best = max(sps["rewardgym batched"], sps["rewardgym batched, 2 threads"])
        cells = " | ".join(f"{v:,.0f}" for v in sps.values())
        print(
            f"| {n} | {cells} | {best / sps['SyncVectorEnv(Reach-v0)']:.1f}x | "
            f"{best / sps['SyncVectorEnv(Reacher-v5)']:.1f}x |",
            flush=True,
        )
    n = max(args.sizes)
    bare = measure("rewardgym batched", n, args.seconds, args.repeats)
    env = rewardgym.wrap(CONFIGS["rewardgym batched"](n), "robotics/reach-default-v0")
    wrapped = max(steps_per_second(env, n, args.seconds) for _ in range(args.repeats))
    env.close()
    print(
        f"\nN={n}: batched {bare:,.0f} steps/s; with rewardgym.wrap(env, 'robotics/reach-default-v0') "
        f"{wrapped:,.0f} steps/s ({wrapped / bare:.2f}x)"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
