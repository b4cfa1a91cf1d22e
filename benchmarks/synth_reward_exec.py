"""Benchmark: scoring one PPO rollout with an LLM-written reward, sandboxed vs in-process (Eureka's way).

rewardgym never runs synthesized reward code in the host: :class:`RewardExecutor` serialises the columns the
code reads and runs it in the sandbox, once per rollout. The peer is what Eureka does: import the generated
function into the training process and call it directly (no isolation). Both score the same rollout with the
same code (a fixed, hand-written candidate defined below, so running it in-process here is safe), and the
results are checked to agree. Also shown: the same reward as built-in torch rewards (``maze/*``).

Usage::

    python benchmarks/synth_reward_exec.py            # 4096-transition rollout (64 envs x 64 steps)
    python benchmarks/synth_reward_exec.py --quick    # 1024 transitions, fewer repeats
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch

import rewardgym
from rewardgym.rewards.synthesized import RewardExecutor, check_reward_source
from rewardgym.rollout import collect_transitions

CANDIDATE = """
def compute_reward(obs, action, next_obs, info):
    progress = [float(p - d) for p, d in zip(info["prev_distance"], info["distance"])]
    goal = [10.0 if s else 0.0 for s in info["success"]]
    total = [a + b for a, b in zip(progress, goal)]
    return total, {"progress": progress, "goal": goal}
"""


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time (ms) over ``repeat`` calls after one warm-up call, and the last result."""
    out = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), out


def in_process(batch: Any) -> torch.Tensor:
    """The peer: Eureka-style, the function lives in the training process (JSON round trip included)."""
    namespace: dict[str, Any] = {}
    exec(compile(CANDIDATE, "candidate", "exec"), namespace)  # trusted constant above, never LLM output
    report = check_reward_source(CANDIDATE)
    data = json.loads(RewardExecutor.payload(batch, report))
    total, _ = namespace["compute_reward"](None, None, None, data["info"])
    return torch.tensor(total, dtype=torch.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, repeat = (1024, 5) if args.quick else (4096, 20)
    batch = collect_transitions("rewardgym/Maze-v0", n, seed=0, env_kwargs={"size": 9})
    builtin = rewardgym.build_reward({"sum": {"maze/goal-v0": 10.0, "maze/distance-potential-v0": 1.0}})
    from rewardgym.sandbox import make_sandbox

    rows = []
    ms_peer, ref = timed(lambda: in_process(batch), repeat)
    ms_builtin, _ = timed(lambda: builtin(batch), repeat)
    for kind in ("docker", "process"):
        try:
            sandbox = make_sandbox(kind)
        except Exception as exc:  # a backend missing here is reported, not fatal
            print(f"{kind}: unavailable ({exc})")
            continue
        executor = RewardExecutor(sandbox, timeout_s=30, memory_mb=512)
        ms, out = timed(lambda ex=executor: ex.run(CANDIDATE, batch), repeat)
        sandbox.close()
        assert out.ok and torch.equal(out.total, ref), out.error
        rows.append((kind, ms))
    print(f"rollout of {n} transitions (maze 9x9), median of {repeat} calls")
    print(f"{'path':38s} {'ms/rollout':>11s} {'ratio vs in-process':>20s}")
    print(f"{'in-process exec (Eureka-style peer)':38s} {ms_peer:11.2f} {1.0:19.1f}x")
    for kind, ms in rows:
        print(f"{'rewardgym sandbox: ' + kind:38s} {ms:11.2f} {ms / ms_peer:19.1f}x")
    print(f"{'built-in torch rewards (maze/*)':38s} {ms_builtin:11.2f} {ms_builtin / ms_peer:19.2f}x")


if __name__ == "__main__":
    main()
