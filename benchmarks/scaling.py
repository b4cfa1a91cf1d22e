"""Scale-out on Ray against in-process: env-steps/s, graded programs/s, judge calls/s, per-item overhead.

Each workload runs in-process (the named peer) and on 1 and 2 Ray workers in the same run; the table prints
throughput and the ratio to in-process. ``--address auto`` uses an existing cluster (``ray start --head`` on
one machine, ``ray start --address=<head>:6379`` on the others) and ``--workers 1 2 16 64`` sizes the pools;
without it a local cluster with ``--num-cpus`` CPUs is started.

    python benchmarks/scaling.py                       # this machine: 1 and 2 workers
    python benchmarks/scaling.py --address auto --workers 1 16 64 --maze-envs 4096

Numbers and the cluster model built from them are in docs/scaling.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from typing import Any

import gymnasium as gym
import numpy as np
import torch

import rewardgym
from rewardgym.distributed import RayScorer, RayVectorEnv, init_ray
from rewardgym.rewards.base import FunctionReward
from rewardgym.types import Episodes


def timed(fn, min_s: float) -> tuple[int, float]:
    """Call ``fn`` (returns items done) until ``min_s`` passed; (items, seconds)."""
    fn()  # warm
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_s:
        done += fn()
    return done, time.perf_counter() - start


def env_rate(make, n: int, min_s: float, seed: int = 0) -> float:
    envs = make()
    try:
        envs.reset(seed=seed)
        rng = np.random.default_rng(seed)
        space = envs.action_space

        def one() -> int:
            if isinstance(space, gym.spaces.MultiDiscrete):
                a = rng.integers(0, space.nvec)
            else:
                a = rng.uniform(space.low, space.high).astype(space.dtype)
            envs.step(a)
            return n

        done, secs = timed(one, min_s)
        return done / secs
    finally:
        envs.close()


def code_batch(n: int, salt: str) -> Episodes:
    """``n`` distinct programs (a salt comment defeats the verdict cache) over the bundled tasks."""
    from rewardgym.envs.code.rewards._common import example_episodes

    base = example_episodes()
    rows = [i % len(base) for i in range(n)]
    return Episodes(
        prompts=[base.prompts[r] for r in rows],
        completions=[base.completions[r].replace("</submit>", f"# {salt} {i}\n</submit>") for i, r in enumerate(rows)],
        infos={k: [v[r] for r in rows] for k, v in base.infos.items()},
    )


def judge_batch(n: int, salt: str) -> Episodes:
    from rewardgym.rewards.judge.examples import example_episodes

    base = example_episodes()
    rows = [i % len(base) for i in range(n)]
    return Episodes(
        prompts=[f"{base.prompts[r]} ({salt} {i})" for i, r in enumerate(rows)],
        completions=[base.completions[r] for r in rows],
        infos={k: [v[r] for r in rows] for k, v in base.infos.items()},
    )


def scoring_rate(reward: Any, batch_of, n: int, workers: int | None, chunk: int, min_s: float, **kw) -> float:
    counter = iter(range(10**9))
    if workers is None:
        fn = rewardgym.build_reward(reward() if callable(reward) and not isinstance(reward, str) else reward)
        done, secs = timed(lambda: len(fn(batch_of(n, f"l{next(counter)}"))), min_s)
        return done / secs
    kwargs = {"factory": reward} if callable(reward) and not isinstance(reward, str) else {"reward": reward}
    with RayScorer(**kwargs, num_workers=workers, chunk_size=chunk, **kw) as scorer:
        scorer.where()

        def one() -> int:
            result = scorer.score(batch_of(n, f"r{next(counter)}"))
            assert result.ok, result.reasons
            return n

        done, secs = timed(one, min_s)
    return done / secs


def overhead(min_s: float) -> dict[str, float]:
    """Per-item cost of going through Ray: a one-row chunk of a trivial reward, a one-sub-env step."""
    zero = FunctionReward(lambda b: torch.zeros(len(b)), name="zero", batch_type=Episodes)
    one_row = Episodes(prompts=["p"], completions=["c"])
    local_done, local_s = timed(lambda: len(zero(one_row)), min_s)
    with RayScorer(zero, num_workers=1, chunk_size=1) as scorer:
        scorer.where()
        ray_done, ray_s = timed(lambda: len(scorer.score(one_row).scores), min_s)
    step_local = env_rate(lambda: gym.make_vec("rewardgym/Maze-v0", num_envs=1,
                                               vectorization_mode="vector_entry_point", size=9), 1, min_s)
    step_ray = env_rate(lambda: RayVectorEnv("rewardgym/Maze-v0", 1, num_workers=1, env_kwargs={"size": 9}), 1, min_s)
    return {
        "score_1_row_local_ms": 1e3 * local_s / local_done,
        "score_1_row_ray_ms": 1e3 * ray_s / ray_done,
        "step_1_env_local_ms": 1e3 / step_local,
        "step_1_env_ray_ms": 1e3 / step_ray,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--address", default=None, help='an existing Ray cluster ("auto" or host:port)')
    ap.add_argument("--num-cpus", type=int, default=2, help="CPUs of the local cluster started without --address")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--maze-envs", type=int, default=256)
    ap.add_argument("--reach-envs", type=int, default=16)
    ap.add_argument("--programs", type=int, default=32)
    ap.add_argument("--judge-rows", type=int, default=512)
    ap.add_argument("--seconds", type=float, default=3.0, help="minimum measuring time per cell")
    ap.add_argument("--skip", nargs="*", default=[], choices=["maze", "reach", "code", "judge", "overhead"])
    args = ap.parse_args()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    init_ray(args.address, num_cpus=args.num_cpus)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"load: {load}")
    rows: dict[str, dict[str, float]] = {}
    s = args.seconds

    def vec(env_id: str, n: int, **kw: Any):
        return lambda w: (
            (lambda: gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", **kw)) if w is None
            else (lambda: RayVectorEnv(env_id, n, num_workers=w, env_kwargs=kw)))

    if "maze" not in args.skip:
        make = vec("rewardgym/Maze-v0", args.maze_envs, size=9)
        rows[f"maze env-steps/s (N={args.maze_envs})"] = {
            str(w): env_rate(make(w), args.maze_envs, s) for w in [None, *args.workers]}
    if "reach" not in args.skip:
        make = vec("rewardgym/Reach-v0", args.reach_envs)
        rows[f"reach env-steps/s (N={args.reach_envs})"] = {
            str(w): env_rate(make(w), args.reach_envs, s) for w in [None, *args.workers]}
    if "code" not in args.skip:
        rows[f"graded programs/s (B={args.programs})"] = {
            str(w): scoring_rate("code/pass-rate-v0", code_batch, args.programs, w, 4, s)
            for w in [None, *args.workers]}
    if "judge" not in args.skip:
        from rewardgym.rewards.judge import CorrectnessJudge
        from rewardgym.rewards.judge.examples import scripted_correctness_llm

        def judge():
            return CorrectnessJudge(scripted_correctness_llm())

        rows[f"judge calls/s, scripted LLM (B={args.judge_rows})"] = {
            str(w): scoring_rate(judge, judge_batch, args.judge_rows, w, 64, s) for w in [None, *args.workers]}
    cols = ["None", *map(str, args.workers)]
    print(f"\n| workload | in-process | {' | '.join(f'Ray x{w}' for w in args.workers)} |")
    print("|---|---|" + "---|" * len(args.workers))
    for name, vals in rows.items():
        base = vals["None"]
        cells = [f"{vals[c]:,.0f} ({vals[c] / base:.2f}x)" for c in cols[1:]]
        print(f"| {name} | {base:,.0f} | {' | '.join(cells)} |")
    out: dict[str, Any] = {"load": load, "rows": rows}
    if "overhead" not in args.skip:
        out["overhead"] = overhead(s)
        print("\nper-item overhead (ms):", json.dumps({k: round(v, 3) for k, v in out["overhead"].items()}))
    print("\n" + json.dumps(out, default=float))


if __name__ == "__main__":
    main()
