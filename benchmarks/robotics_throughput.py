"""Robotics throughput: the batched Reach-v0 (or Push-v0) env's two backends against ``SyncVectorEnv`` peers.

Measures env-steps/s (uniform random actions drawn before timing, autoreset included) at N = 1, 16, 64 for:

- rewardgym's batched env (``make_vec("rewardgym/Reach-v0", vectorization_mode="vector_entry_point")``) with
  ``backend="batch"`` (the default: MuJoCo's C thread pool, ``mujoco.batch``, steps all sub-envs in one call),
  on the calling thread and with ``num_threads=2``,
- the same env with ``backend="loop"`` (the named peer: the batched env as it was, a Python loop of
  ``mj_step2``/``mj_step1`` over one ``MjData`` per sub-env), 1 and 2 threads,
- gymnasium's ``SyncVectorEnv`` over N single ``rewardgym/Reach-v0`` envs (same physics, stepped one by one),
- gymnasium's ``SyncVectorEnv`` over N ``Reacher-v5`` envs (Gymnasium's own MuJoCo reacher; 2 links, RK4
  integrator, 2 physics steps per env step like ours),
- ``mujoco.rollout`` alone: a persistent ``Rollout`` stepping the N states ``frame_skip`` physics steps per call
  and feeding the last state back (no observation, reward or info: the physics floor of any batched env).

then, at the largest N, the batched env behind ``rewardgym.wrap`` with its default reward. The configurations
are measured in interleaved rounds (each round times every configuration for ``--seconds``), and the median
over ``--rounds`` rounds is reported, since the machine may be shared; the load average is printed.

Usage:
    python benchmarks/robotics_throughput.py                # full run (about two minutes)
    python benchmarks/robotics_throughput.py --task push    # the same for Push-v0
    python benchmarks/robotics_throughput.py --quick        # a few-second smoke run
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
    for i in range(warmup):
        env.step(actions[i % 64])
    steps, start = 0, time.perf_counter()
    while True:
        env.step(actions[steps % 64])
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and steps >= 10:
            return n * steps / elapsed


class RolloutPhysics:
    """``mujoco.rollout`` alone on the task's model: N states, ``frame_skip`` physics steps per call, the last
    state fed back as the next initial state. Not an env (no observation, reward or info): the floor."""

    def __init__(self, env_id: str, n: int, nthread: int = 0) -> None:
        import mujoco
        from mujoco import rollout

        vec = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", backend="loop")
        sim = vec.unwrapped.sim
        self.single_action_space = vec.single_action_space
        self.model, self.k = sim.model, sim.frame_skip
        spec = mujoco.mjtState.mjSTATE_FULLPHYSICS
        vec.reset(seed=0)
        nstate = mujoco.mj_stateSize(self.model, spec)
        self.state0 = np.empty((n, nstate))
        for i, d in enumerate(sim.data):
            mujoco.mj_getState(self.model, d, self.state0[i], spec)
        self.models = [self.model] * n
        self.data = [mujoco.MjData(self.model) for _ in range(max(nthread, 1))]
        self.out = np.empty((n, self.k, nstate))
        self.sensors = np.empty((n, self.k, self.model.nsensordata))
        self.ctrl = np.empty((n, self.k, self.model.nu))
        self.rollout = rollout.Rollout(nthread=nthread)
        self.chunk = max(1, n // max(nthread, 1))
        vec.close()

    def step(self, actions: np.ndarray) -> None:
        self.ctrl[:] = np.clip(actions, -1.0, 1.0)[:, None, :]
        self.rollout.rollout(
            self.models,
            self.data,
            self.state0,
            self.ctrl,
            skip_checks=True,
            nstep=self.k,
            initial_warmstart=None,
            state=self.out,
            sensordata=self.sensors,
            chunk_size=self.chunk,
        )
        self.state0[:] = self.out[:, -1]

    def reset(self, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        self.rollout.close()


def configs(env_id: str) -> dict[str, Callable[[int], Any]]:
    single = "Reacher-v5" if env_id.endswith("Reach-v0") else "Pusher-v5"

    def batched(backend: str, threads: int) -> Callable[[int], Any]:
        return lambda n: gym.make_vec(
            env_id, num_envs=n, vectorization_mode="vector_entry_point", backend=backend, num_threads=threads
        )

    return {
        "batch backend": batched("batch", 1),
        "batch backend, 2 threads": batched("batch", 2),
        "loop backend": batched("loop", 1),
        "loop backend, 2 threads": batched("loop", 2),
        f"SyncVectorEnv({env_id.split('/')[1]})": lambda n: gym.make_vec(env_id, num_envs=n, vectorization_mode="sync"),
        f"SyncVectorEnv({single})": lambda n: gym.make_vec(single, num_envs=n, vectorization_mode="sync"),
        "mujoco.rollout physics only": lambda n: RolloutPhysics(env_id, n),
    }


def measure_round_robin(
    makers: dict[str, Callable[[int], Any]], n: int, seconds: float, rounds: int
) -> dict[str, float]:
    """Median env-steps/s of every configuration over ``rounds`` interleaved rounds."""
    envs = {name: make(n) for name, make in makers.items()}
    samples: dict[str, list[float]] = {name: [] for name in envs}
    try:
        for env in envs.values():
            env.reset(seed=0)
        for _ in range(rounds):
            for name, env in envs.items():
                samples[name].append(steps_per_second(env, n, seconds))
    finally:
        for env in envs.values():
            env.close()
    return {name: float(np.median(values)) for name, values in samples.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=["reach", "push"], default="reach")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--seconds", type=float, default=1.0, help="timed wall time per configuration per round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the median is reported")
    parser.add_argument("--quick", action="store_true", help="0.2 s per configuration, one round")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.rounds = 0.2, 1
    warnings.filterwarnings("ignore")
    env_id = "rewardgym/Reach-v0" if args.task == "reach" else "rewardgym/Push-v0"
    makers = configs(env_id)
    sync_own, sync_gym = list(makers)[4:6]
    print(
        f"# robotics throughput ({env_id}): {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}, gymnasium {gym.__version__}, rewardgym {rewardgym.__version__}; "
        f"median of {args.rounds} interleaved rounds of {args.seconds} s"
    )
    ratios = [
        "batch / loop",
        "best batch / best loop",
        f"batch / {sync_own}",
        f"batch / {sync_gym}",
        "rollout physics / loop",
    ]
    print("| N | " + " | ".join(makers) + " | " + " | ".join(ratios) + " |")
    print("|---:" * (len(makers) + len(ratios) + 1) + "|")
    for n in args.sizes:
        sps = measure_round_robin(makers, n, args.seconds, args.rounds)
        batch = max(sps["batch backend"], sps["batch backend, 2 threads"])
        loop = max(sps["loop backend"], sps["loop backend, 2 threads"])
        cells = " | ".join(f"{v:,.0f}" for v in sps.values())
        values = [
            sps["batch backend"] / sps["loop backend"],
            batch / loop,
            batch / sps[sync_own],
            batch / sps[sync_gym],
            sps["mujoco.rollout physics only"] / sps["loop backend"],
        ]
        print(f"| {n} | {cells} | " + " | ".join(f"{v:.2f}x" for v in values) + " |", flush=True)
    n = max(args.sizes)
    default_reward = "robotics/reach-default-v0" if args.task == "reach" else "robotics/push-default-v0"
    bare = makers["batch backend"](n)
    env = rewardgym.wrap(makers["batch backend"](n), default_reward)
    both = measure_round_robin({"bare": lambda _: bare, "wrapped": lambda _: env}, n, args.seconds, args.rounds)
    print(
        f"\nN={n}: batched {both['bare']:,.0f} steps/s; with rewardgym.wrap(env, {default_reward!r}) "
        f"{both['wrapped']:,.0f} steps/s ({both['wrapped'] / both['bare']:.2f}x)"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
