"""Maze throughput: rewardgym's batched ``MazeVectorEnv`` against ``SyncVectorEnv`` peers, same run.

Measures env-steps/s (random actions, drawn before timing) at several N for:

- ``MazeVectorEnv`` (``gymnasium.make_vec("rewardgym/Maze-v0", vectorization_mode="vector_entry_point")``),
- gymnasium's ``SyncVectorEnv`` over N single ``rewardgym/Maze-v0`` envs (the same mazes, stepped one by one),
- gymnasium's ``SyncVectorEnv`` over N Minigrid envs (``MiniGrid-Empty-8x8-v0`` by default),

then the cost of ``rewardgym.wrap`` (``VectorRewardWrapper``) with a 3-term composed reward at the largest N,
with a breakdown of where the wrapper's time goes. Peers get a time cap per configuration; every
configuration runs for at least ``--seconds`` of wall time (or ``--min-steps`` steps) after a warm-up.

Usage:
    python benchmarks/maze_throughput.py            # full run (about a minute)
    python benchmarks/maze_throughput.py --quick    # a few-second smoke run
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
import torch
from gymnasium.vector import VectorWrapper

import rewardgym
from rewardgym.types import Transitions

SPEC = {"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 0.1, "maze/step-cost-v0": 1.0}}


def steps_per_second(
    env: Any, n: int, n_actions: int, seconds: float, min_steps: int, warmup: int = 5
) -> float:
    """Env-steps/s of ``env`` (N sub-envs) under pre-drawn uniform random actions."""
    actions = np.random.default_rng(0).integers(0, n_actions, size=(64, n))
    env.reset(seed=0)
    for i in range(warmup):
        env.step(actions[i % 64])
    steps, start = 0, time.perf_counter()
    while True:
        env.step(actions[steps % 64])
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and steps >= min_steps:
            return n * steps / elapsed


def best_of(repeats: int, measure: Callable[[], float]) -> float:
    return max(measure() for _ in range(repeats))


def maze_vector(n: int) -> Any:
    return gym.make_vec("rewardgym/Maze-v0", num_envs=n, vectorization_mode="vector_entry_point", size=9)


def sync_of(env_id: str, n: int, **kwargs: Any) -> gym.vector.SyncVectorEnv:
    return gym.vector.SyncVectorEnv([lambda: gym.make(env_id, disable_env_checker=True, **kwargs)] * n)


class HandWrittenReward(VectorWrapper):
    """The same 3-term reward as one hand-written expression over the maze's infos: no composition, no
    validation, no batch type. What any vector reward wrapper must pay at least (``xp``: "numpy" or "torch")."""

    def __init__(self, env: Any, xp: str, gamma: float = 0.99) -> None:
        super().__init__(env)
        self.xp, self.gamma = xp, gamma
        self._resetting = np.zeros(self.num_envs, dtype=bool)

    def step(self, actions: Any):
        obs, env_reward, term, trunc, infos = self.env.step(actions)
        if self.xp == "numpy":
            goal = infos["success"].astype(np.float32)
            # γ·Φ(s')·alive − Φ(s) with Φ = −distance
            shaping = (infos["prev_distance"] - self.gamma * infos["distance"] * ~term).astype(np.float32)
            total = goal + 0.1 * shaping - 0.01
        else:
            goal = torch.from_numpy(infos["success"]).float()
            distance = torch.from_numpy(infos["distance"]).float().masked_fill_(torch.from_numpy(term), 0.0)
            shaping = torch.from_numpy(infos["prev_distance"]).float().sub_(distance, alpha=self.gamma)
            total = (goal + 0.1 * shaping).sub_(0.01)
            goal, shaping, total = goal.numpy(), shaping.numpy(), total.numpy()
        terms = np.stack([goal, shaping, total])
        terms[:, self._resetting] = 0.0
        self._resetting = term | trunc
        infos = dict(infos)
        infos["env_reward"] = env_reward
        infos["reward_terms"] = dict(zip(["goal", "shaping", "total"], terms))
        return obs, terms[2], term, trunc, infos


def wrapper_breakdown(n: int, repeats: int = 200) -> dict[str, float]:
    """Microseconds per step spent in each part of ``VectorRewardWrapper.step`` (public APIs, same inputs)."""
    env = maze_vector(n)
    reward = rewardgym.build_reward(SPEC)
    obs, _ = env.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, 4, n)
    nxt, env_reward, term, trunc, infos = env.step(actions)
    for _ in range(300):  # run until some sub-envs are being autoreset, as in steady state
        if (term | trunc).any():
            break
        obs = nxt
        nxt, env_reward, term, trunc, infos = env.step(actions)
    resetting = np.flatnonzero(term | trunc)

    def build() -> Transitions:
        return Transitions(
            obs=obs, action=actions, next_obs=nxt, env_reward=torch.from_numpy(env_reward.astype(np.float32)),
            terminated=torch.from_numpy(term), truncated=torch.from_numpy(trunc), infos=dict(infos),
            group_ids=torch.arange(n),
        )

    batch = build()
    terms = reward.breakdown(batch)

    def to_numpy() -> None:
        stacked = np.stack([v.numpy() for v in terms.values()])
        stacked[:, resetting] = 0.0

    parts = {
        "Transitions(...)": build,
        "reward.breakdown(batch)": lambda: reward.breakdown(batch),
        "terms -> numpy, zero autoreset rows": to_numpy,
        "batch.select (stateful rewards only)": lambda: batch.select(np.flatnonzero(~(term | trunc))),
    }
    out = {}
    for name, fn in parts.items():
        fn()
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        out[name] = (time.perf_counter() - start) / repeats * 1e6
    return out


WRAPPERS: dict[str, Callable[[Any], Any]] = {
    "plain MazeVectorEnv": lambda env: env,
    "rewardgym.wrap(env, spec)": lambda env: rewardgym.wrap(env, SPEC),
    "hand-written torch expression": lambda env: HandWrittenReward(env, "torch"),
    "hand-written NumPy expression": lambda env: HandWrittenReward(env, "numpy"),
}


def wrapper_overhead(n: int, seconds: float, min_steps: int, repeats: int, warmup: int) -> dict[str, float]:
    """Best-of steps/s of the plain vector env and of each reward wrapper around it (interleaved)."""
    best = dict.fromkeys(WRAPPERS, 0.0)
    for _ in range(repeats):  # interleave so all see the same machine noise
        for name, make in WRAPPERS.items():
            rate = steps_per_second(make(maze_vector(n)), n, 4, seconds, min_steps, warmup)
            best[name] = max(best[name], rate)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--quick", action="store_true", help="a few-second smoke run")
    add("--sizes", type=int, nargs="+", default=[1, 64, 1024, 4096], help="numbers of sub-envs N")
    add("--seconds", type=float, default=2.0, help="timed wall seconds per configuration")
    add("--min-steps", type=int, default=3, help="minimum timed vector steps per configuration")
    add("--repeats", type=int, default=2, help="best of this many measurements (rewardgym rows)")
    add("--warmup", type=int, default=400, help="untimed warm-up steps of rewardgym's vector env")
    add("--minigrid", default="MiniGrid-Empty-8x8-v0", help="Minigrid env id for the peer")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.seconds, args.repeats, args.warmup = [1, 64, 1024], 0.1, 1, 20

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # minigrid re-registers its envs noisily on import
        import minigrid  # noqa: F401 - registers MiniGrid-* ids

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"# maze throughput: {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.2f}; "
        f"numpy {np.__version__}, gymnasium {gym.__version__}, torch {torch.__version__}"
    )
    print("# rewardgym/Maze-v0 size=9 (4x4 cells), full obs, goal='far', max_steps=324; random actions\n")
    print(f"| N | MazeVectorEnv | SyncVectorEnv(MazeEnv) | ratio | SyncVectorEnv({args.minigrid}) | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    timed = (args.seconds, args.min_steps)
    for n in args.sizes:
        ours = best_of(args.repeats, lambda n=n: steps_per_second(maze_vector(n), n, 4, *timed, args.warmup))
        sync = steps_per_second(sync_of("rewardgym/Maze-v0", n, size=9), n, 4, *timed)
        mg_env = sync_of(args.minigrid, n)
        mg = steps_per_second(mg_env, n, int(mg_env.single_action_space.n), *timed)
        print(f"| {n} | {ours:,.0f} | {sync:,.0f} | {ours / sync:.1f}x | {mg:,.0f} | {ours / mg:,.0f}x |")

    n = max(args.sizes)
    default_threads = torch.get_num_threads()
    rows, breakdowns = [], {}
    for threads in [default_threads] if args.quick else sorted({default_threads, 1}, reverse=True):
        torch.set_num_threads(threads)
        rates = wrapper_overhead(n, args.seconds, args.min_steps, max(args.repeats, 2), args.warmup)
        plain = rates["plain MazeVectorEnv"]
        for name, rate in rates.items():
            added, overhead = (n / rate - n / plain) * 1e6, 100 * (plain / rate - 1)
            rows.append(f"| {threads} | {name} | {rate:,.0f} | {overhead:.0f}% | {added:,.0f} |")
        breakdowns[threads] = wrapper_breakdown(n, repeats=20 if args.quick else 200)
    torch.set_num_threads(default_threads)
    print(f"\n## Reward wrappers at N={n}, 3-term sum (goal + 0.1 distance-potential + step-cost)\n")
    print("| torch threads | wrapper | steps/s | overhead | added us/step |")
    print("|---:|---|---:|---:|---:|")
    print("\n".join(rows))
    for threads, parts in breakdowns.items():
        print(f"\nwhere rewardgym's wrapper time goes, {threads} torch thread(s) (us per call, measured apart):")
        for name, us in parts.items():
            print(f"  {name:<40} {us:10.1f}")


if __name__ == "__main__":
    main()
