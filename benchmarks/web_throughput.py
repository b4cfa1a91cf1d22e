"""Web env throughput: steps/s and reset time of both backends against a fresh-browser-per-episode peer.

The same test tasks (the scripted expert acting, so every episode is a real one that ends in an order,
a booking or a mail action) run under three setups in one process:

- ``http``: ``WebEnv(backend="http")``, one env for all episodes (reset = restore the session's server
  state + load the start page);
- ``chromium``: ``WebEnv(backend="chromium")``, one persistent browser for all episodes (same reset);
- ``fresh browser``: the common setup of web-agent gyms, a new Chromium (launch, context, page) for every
  episode, closed after it; its reset time is the launch plus the first page load.

Reported: steps/s (step calls only), mean and median reset time, and ratios against the fresh-browser
peer. The published anchor is WebArena under VAGEN (PR #104): 17.1 s average reset, 0.68 steps/s.

Usage:
    python benchmarks/web_throughput.py                                 # 15 episodes/app, 4 fresh-browser
    python benchmarks/web_throughput.py --episodes 3 --fresh-episodes 1   # smoke run
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from typing import Any

from rewardgym.envs.web.env import WebEnv
from rewardgym.envs.web.tasks.generator import APPS, TaskGenerator, WebTask

WEBARENA_RESET_S = 17.1
WEBARENA_STEPS_PER_S = 0.68


def run_episode(env: WebEnv, task: WebTask, stats: dict[str, Any]) -> None:
    """Reset to ``task`` and let its expert act to the end, timing resets and steps separately."""
    t0 = time.perf_counter()
    obs, _ = env.reset(options={"task": task})
    stats["resets"].append(time.perf_counter() - t0)
    expert = env.generator.expert(task)
    while True:
        action = expert(obs)
        t0 = time.perf_counter()
        obs, _, terminated, truncated, info = env.step(action)
        stats["step_time"] += time.perf_counter() - t0
        stats["steps"] += 1
        if terminated or truncated:
            stats["solved"] += bool(info["success"])
            stats["episodes"] += 1
            return


def new_stats() -> dict[str, Any]:
    return {"resets": [], "step_time": 0.0, "steps": 0, "solved": 0, "episodes": 0}


def persistent(backend: str, tasks: dict[str, list[WebTask]]) -> dict[str, Any]:
    stats = new_stats()
    for app, app_tasks in tasks.items():
        env = WebEnv(app, backend=backend, split="test")
        try:
            warm = new_stats()
            run_episode(env, app_tasks[0], warm)  # starts the server / browser: not a steady-state reset
            stats["first_reset"] = max(stats.get("first_reset", 0.0), warm["resets"][0])
            for task in app_tasks:
                run_episode(env, task, stats)
        finally:
            env.close()
    return stats


def fresh_browser(tasks: dict[str, list[WebTask]], n: int) -> dict[str, Any]:
    stats = new_stats()
    for app, app_tasks in tasks.items():
        for task in app_tasks[:n]:
            t0 = time.perf_counter()
            env = WebEnv(app, backend="chromium", split="test")  # a new browser for this episode
            try:
                one = new_stats()
                run_episode(env, task, one)
                stats["resets"].append(time.perf_counter() - t0 - one["step_time"])
                for key in ("step_time", "steps", "solved", "episodes"):
                    stats[key] += one[key]
            finally:
                env.close()
    return stats


def summary(stats: dict[str, Any]) -> dict[str, float]:
    return {
        "steps_per_s": stats["steps"] / stats["step_time"],
        "reset_mean_ms": 1000 * statistics.mean(stats["resets"]),
        "reset_median_ms": 1000 * statistics.median(stats["resets"]),
        "solved": stats["solved"] / stats["episodes"],
        "episodes": stats["episodes"],
        "steps": stats["steps"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--episodes", type=int, default=15, help="test tasks per app for the persistent setups"
    )
    parser.add_argument(
        "--fresh-episodes", type=int, default=4, help="test tasks per app for the fresh-browser peer"
    )
    parser.add_argument("--apps", nargs="+", default=list(APPS), choices=list(APPS))
    args = parser.parse_args()

    tasks = {app: TaskGenerator(app).tasks(args.episodes, "test") for app in args.apps}
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    results = {}
    for name, fn in (
        ("http", lambda: persistent("http", tasks)),
        ("chromium", lambda: persistent("chromium", tasks)),
        ("fresh browser", lambda: fresh_browser(tasks, args.fresh_episodes)),
    ):
        t0 = time.perf_counter()
        results[name] = summary(fn())
        print(f"  {name}: done in {time.perf_counter() - t0:.1f} s")
    peer = results["fresh browser"]
    print(
        "\n| setup | steps/s | reset mean (ms) | reset median (ms) | steps/s vs fresh "
        "| reset speed-up vs fresh | expert solved | episodes |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        speed = r["steps_per_s"] / peer["steps_per_s"]
        faster = peer["reset_mean_ms"] / r["reset_mean_ms"]
        print(
            f"| {name} | {r['steps_per_s']:.1f} | {r['reset_mean_ms']:.1f} | {r['reset_median_ms']:.1f} | "
            f"{speed:.1f}x | {faster:.1f}x | {r['solved']:.0%} | {r['episodes']} |"
        )
    anchor = f"{WEBARENA_STEPS_PER_S} | {WEBARENA_RESET_S * 1000:.0f}"
    print(f"| WebArena (VAGEN PR #104, published) | {anchor} | | | | | |")
    print(f"\nload average after the run: {os.getloadavg()[0]:.1f}")
    for name in ("http", "chromium"):
        r = results[name]
        print(
            f"{name}: {r['steps_per_s'] / WEBARENA_STEPS_PER_S:.0f}x WebArena's published steps/s, "
            f"reset {WEBARENA_RESET_S * 1000 / r['reset_mean_ms']:.0f}x faster than its published 17.1 s"
        )


if __name__ == "__main__":
    main()
