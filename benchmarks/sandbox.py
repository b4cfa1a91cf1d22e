"""Graded HumanEval solutions per second: warm fork-server pool vs a fresh interpreter per solution vs Docker.

Every configuration grades the 164 canonical HumanEval solutions with the full harness (tests in the
grader process, solution in a child, nonce-tagged per-test verdicts), with ``--concurrency`` runs in
flight, result cache off. The peer is the common "one ``docker run`` per solution" setup (what a
container-per-execution service does); it is slow, so it grades the first ``--docker-run-n`` solutions and
its rate is compared per solution. Also reported: the median latency of one trivial run, sequentially.

Usage:
    python benchmarks/sandbox.py                      # all configurations
    python benchmarks/sandbox.py --skip-docker        # process backend only

Published anchors: SandboxFusion's "lite" isolation adds < 100 ms per run; E2B graded 256 samples in
62.5 s at 64-way parallelism (~4 samples/s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from rewardgym.envs.code.tasks import load_tasks
from rewardgym.sandbox.grading import Grader


def _configs(args: argparse.Namespace) -> list[tuple[str, dict]]:
    out = [
        ("process, warm fork-server pool", {"kind": "process", "warm": True}),
        ("process, fresh bwrap + interpreter per solution", {"kind": "process", "warm": False}),
    ]
    if not args.skip_docker:
        out += [
            ("docker, warm containers + exec per solution", {"kind": "docker", "warm": True}),
            ("docker run per solution (peer)", {"kind": "docker", "warm": False}),
        ]
    return out


def _sandbox(kind: str, warm: bool, concurrency: int):
    if kind == "process":
        from rewardgym.sandbox.process import ProcessSandbox

        return ProcessSandbox(warm=warm, pool_size=concurrency)
    from rewardgym.sandbox.docker_backend import DockerSandbox

    return DockerSandbox(warm=warm, pool_size=concurrency)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--docker-run-n", type=int, default=32, help="solutions graded by the docker-run peer")
    parser.add_argument("--skip-docker", action="store_true")
    args = parser.parse_args(argv)

    tasks = load_tasks("humaneval")
    items = [(t.canonical_solution, t.suite()) for t in tasks]
    rows = []
    for label, cfg in _configs(args):
        sb = _sandbox(cfg["kind"], cfg["warm"], args.concurrency)
        try:
            grader = Grader(sb, timeout_s=20, cache_size=0)
            grader.grade_many(items[: args.concurrency])  # start the pool / containers
            batch = items if cfg["warm"] or cfg["kind"] == "process" else items[: args.docker_run_n]
            start = time.perf_counter()
            verdicts = grader.grade_many(batch)
            elapsed = time.perf_counter() - start
            ok = sum(v.all_passed for v in verdicts)
            hello = []
            for _ in range(10):
                t0 = time.perf_counter()
                sb.run({"main.py": "print(1)"}, ["python3", "main.py"], timeout_s=10)
                hello.append(time.perf_counter() - t0)
        finally:
            sb.close()
        rows.append((label, len(batch), ok, elapsed, len(batch) / elapsed, statistics.median(hello) * 1000))
        print(f"{label}: {len(batch)} graded ({ok} at 1.0) in {elapsed:.2f} s", file=sys.stderr)

    peer = rows[-1][4] if not args.skip_docker else rows[1][4]
    peer_name = "docker run" if not args.skip_docker else "fresh interpreter"
    print(
        "\n| configuration | solutions | all tests pass | seconds | graded/s "
        f"| x {peer_name} | one trivial run (ms, p50) |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, n, ok, elapsed, rate, hello_ms in rows:
        print(f"| {label} | {n} | {ok} | {elapsed:.2f} | {rate:.1f} | {rate / peer:.1f} | {hello_ms:.0f} |")
    load = os.getloadavg()
    print(f"\nconcurrency {args.concurrency}, {os.cpu_count()} CPU cores, load average {load[0]:.2f} {load[1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
