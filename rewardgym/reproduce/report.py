"""Write an experiment's results: a Markdown table, a PNG of learning curves and the raw JSON.

Per variant: final success rate (mean ± std over seeds), env steps until the evaluated success rate first
reaches the threshold, preference queries, wall time per run; plus the device, the exact command and the
date. The PNG plots evaluated success rate against env steps, mean ± std band per variant.

Example:
    >>> run = {"variant": "shaped", "seed": 1, "eval_steps": [0, 10], "eval_success": [0.1, 0.9],
    ...        "eval_return": [0.1, 0.9], "train_steps": 10, "wall_time_s": 1.0, "device": "cpu",
    ...        "preference_queries": 0, "reward": "maze/goal-v0", "config": {}}
    >>> rows = summarize([run], threshold=0.8)
    >>> rows[0]["variant"], rows[0]["final_mean"], rows[0]["steps_to_threshold"]
    ('shaped', 0.9, [10])
"""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from rewardgym.errors import require
from rewardgym.reproduce.experiments import Experiment

__all__ = ["plot_curves", "summarize", "write_markdown", "write_report"]


def _steps_to(run: dict[str, Any], threshold: float) -> int | None:
    return next((s for s, v in zip(run["eval_steps"], run["eval_success"]) if v >= threshold), None)


def summarize(runs: Sequence[dict[str, Any]], *, threshold: float) -> list[dict[str, Any]]:
    """One summary row per variant (in first-seen order)."""
    order: list[str] = []
    for r in runs:
        if r["variant"] not in order:
            order.append(r["variant"])
    rows = []
    for name in order:
        rs = [r for r in runs if r["variant"] == name]
        finals = np.array([r["eval_success"][-1] if r["eval_success"] else math.nan for r in rs], dtype=float)
        rows.append({
            "variant": name,
            "seeds": [r["seed"] for r in rs],
            "finals": finals.tolist(),
            "final_mean": float(np.mean(finals)),
            "final_std": float(np.std(finals)),
            "steps_to_threshold": [_steps_to(r, threshold) for r in rs],
            "queries": [int(r.get("preference_queries", 0)) for r in rs],
            "wall_time_s": [float(r["wall_time_s"]) for r in rs],
            "train_steps": int(max(r["train_steps"] for r in rs)),
            "reward": rs[0].get("reward"),
        })
    return rows


def _fmt_steps(values: list[int | None]) -> str:
    hit = [v for v in values if v is not None]
    if not hit:
        return f"not reached (0/{len(values)} seeds)"
    text = f"{np.mean(hit) / 1000:,.0f} k"
    if len(hit) > 1:
        text += f" ± {np.std(hit) / 1000:,.0f} k"
    return text if len(hit) == len(values) else f"{text} ({len(hit)}/{len(values)} seeds)"


def _reward_text(reward: Any) -> str:
    return f"`{reward}`" if isinstance(reward, str) else f"`{json.dumps(reward)}`"


def _quick_text(result: dict[str, Any], experiment: Experiment) -> list[str]:
    budget, full = result["budget"], experiment.full
    ran = sorted({r["variant"] for r in result["runs"]})
    return [
        f"A `--quick` run: {budget['total_timesteps']:,} env steps per run, {budget['seeds']} seed(s), "
        f"variants {', '.join(ran)}. The full run (`rewardgym reproduce {experiment.name}`) trains every "
        f"variant for {full.total_timesteps:,} env steps with {full.seeds} seeds; this quick run checks the "
        "pipeline end to end and its numbers are not the full run's results.",
        "",
    ]


def write_markdown(
    result: dict[str, Any],
    experiment: Experiment,
    path: str | Path,
    *,
    command: str,
    png_name: str,
) -> Path:
    """Write the Markdown report of ``result`` (from :func:`~rewardgym.reproduce.runner.run_experiment`)."""
    thr = experiment.success_threshold
    rows = summarize(result["runs"], threshold=thr)
    titles = {v.name: v.title for v in experiment.variants}
    runs = result["runs"]
    device = runs[0]["device"] if runs else "n/a"
    pct = f"{thr:.0%}"
    quick = bool(result.get("quick"))
    lines = [
        f"# {experiment.title}" + (" — quick run" if quick else ""),
        "",
        f"Produced by `{command}` on {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
        *(_quick_text(result, experiment) if quick else []),
        f"| variant | final success (mean ± std) | env steps to {pct} success | preference queries | "
        "wall time per run | seeds |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        q = row["queries"]
        queries = "—" if not any(q) else f"{np.mean(q):,.0f}"
        if any(q) and len(set(q)) > 1:
            queries += f" (max {max(q):,})"
        title = titles.get(row["variant"], row["variant"])
        lines.append(
            f"| {title} | {row['final_mean']:.1%} ± {row['final_std']:.1%} | "
            f"{_fmt_steps(row['steps_to_threshold'])} | {queries} | {np.mean(row['wall_time_s']):.0f} s | "
            f"{len(row['seeds'])} |"
        )
    budget = result["budget"]
    lines += [
        "",
        f"![learning curves]({png_name})",
        "",
        "## Setup",
        "",
        f"- env: `{experiment.env_id}` with `{json.dumps(experiment.env_kwargs)}`; success = the env's own "
        "`info[\"success\"]` on separate evaluation envs (never the training reward), "
        f"{budget['eval_episodes']} episodes every {budget['eval_every']:,} env steps, "
        f"{'deterministic (mean action)' if experiment.ppo.get('eval_deterministic') else 'stochastic'} "
        "policy.",
        f"- budget: {budget['total_timesteps']:,} env steps per run, {budget['seeds']} seed(s) "
        f"(1..{budget['seeds']}), the same for every variant.",
        f"- PPO (`baselines/ppo.py`) overrides: `{json.dumps(experiment.ppo)}`; everything else is "
        "`PPOConfig`'s default.",
        "- training rewards:",
    ]
    ran = {r["variant"] for r in runs}
    for v in experiment.variants:
        if v.name not in ran:
            continue
        if v.preference is None:
            lines.append(f"  - {v.name}: {_reward_text(v.reward)}")
        else:
            p = v.preference
            lines.append(
                f"  - {v.name}: `learned/preference-v0`, an ensemble trained online from at most "
                f"{p.budget:,} pairwise preferences of a synthetic labeller preferring the higher return of "
                f"{_reward_text(p.oracle_reward)} (label noise {p.noise}); learner settings "
                f"`{json.dumps(p.learner)}`, model settings `{json.dumps(p.model)}`"
            )
        if v.env_kwargs or v.ppo:
            lines[-1] += f" — this variant only: env `{json.dumps(v.env_kwargs)}`, PPO `{json.dumps(v.ppo)}`"
    if quick and experiment.notes:
        lines.append("- design notes of the experiment (they describe the full run):")
        lines += [f"  - {note}" for note in experiment.notes]
    else:
        lines += [f"- {note}" for note in experiment.notes]
    lines += [
        f"- device: {device}; {result['jobs']} parallel run(s), one torch thread each, on "
        f"{os.cpu_count()} CPU core(s) ({platform.machine()}, Python {platform.python_version()}); "
        f"whole experiment {result['wall_time_s'] / 60:.1f} min (load average {os.getloadavg()[0]:.1f} at "
        "the end: the machine may be shared with other work).",
        "",
        "## Per seed",
        "",
        "| variant | seed | final success | steps to " + pct + " | queries | wall time |",
        "|---|---|---|---|---|---|",
    ]
    for r in runs:
        s = _steps_to(r, thr)
        lines.append(
            f"| {r['variant']} | {r['seed']} | {r['eval_success'][-1]:.1%} | "
            f"{'—' if s is None else f'{s:,}'} | {r.get('preference_queries', 0):,} | "
            f"{r['wall_time_s']:.0f} s |"
        )
    path = Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path


def plot_curves(result: dict[str, Any], experiment: Experiment, path: str | Path) -> Path:
    """Success rate vs env steps, mean ± std over seeds per variant, as a PNG."""
    require("matplotlib", "train")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    rows = summarize(result["runs"], threshold=experiment.success_threshold)
    fig, ax = plt.subplots(figsize=(7.5, 4.0 + 0.22 * len(rows)), dpi=120)
    titles = {v.name: v.title for v in experiment.variants}
    for row in rows:
        rs = [r for r in result["runs"] if r["variant"] == row["variant"]]
        n = min(len(r["eval_steps"]) for r in rs)
        steps = np.array(rs[0]["eval_steps"][:n], dtype=float)
        ys = np.array([r["eval_success"][:n] for r in rs], dtype=float)
        mean, std = ys.mean(0), ys.std(0)
        (line,) = ax.plot(steps, mean, lw=1.6, label=f"{titles.get(row['variant'], row['variant'])} (n={len(rs)})")
        ax.fill_between(steps, np.clip(mean - std, 0, 1), np.clip(mean + std, 0, 1), alpha=0.15,
                        color=line.get_color(), lw=0)
    ax.axhline(experiment.success_threshold, color="grey", lw=0.8, ls="--")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_steps_label))
    ax.set_xlabel("env steps")
    ax.set_ylabel("success rate (evaluation)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"{experiment.env_id}: mean ± std over seeds", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1, frameon=False)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


def _steps_label(x: float, _pos: int) -> str:
    return f"{x / 1e6:g}M" if abs(x) >= 1e6 else f"{x / 1e3:g}k" if x else "0"


def write_report(
    result: dict[str, Any], experiment: Experiment, out_dir: str | Path, *, command: str
) -> dict[str, Path]:
    """Write ``<name>.md``, ``<name>.png`` and ``<name>.json`` into ``out_dir``; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    png = plot_curves(result, experiment, out / f"{experiment.name}.png")
    md = write_markdown(result, experiment, out / f"{experiment.name}.md", command=command, png_name=png.name)
    raw = out / f"{experiment.name}.json"
    raw.write_text(json.dumps({**result, "command": command}, indent=1, default=str))
    return {"markdown": md, "png": png, "json": raw}
