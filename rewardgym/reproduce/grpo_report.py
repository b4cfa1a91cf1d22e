"""The ``grpo`` experiment's report: ``grpo.md`` (tables), ``grpo.png`` (held-out reward curves), ``grpo.json``.

Example:
    >>> rows = [{"trainer": "rewardgym", "task": "t", "seed": s, "eval_steps": [0, 2], "eval_reward": [0.1, r],
    ...          "eval_success": [0.0, 0.5], "step_time_s": 1.0, "tokens_per_s": 9.0, "peak_memory_mb": 100.0}
    ...         for s, r in ((1, 0.5), (2, 0.7))]
    >>> s = summarize_grpo(rows)[0]
    >>> round(s["after_mean"], 2), round(s["after_std"], 2), s["seeds"]
    (0.6, 0.1, 2)
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["summarize_grpo", "write_grpo_report"]

_NAMES = {"rewardgym": "rewardgym GRPO (`baselines/grpo.py`)", "trl": "TRL `GRPOTrainer`"}


def summarize_grpo(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per (task, trainer): before/after held-out reward and success (mean, std over seeds), speed."""
    out = []
    for task in dict.fromkeys(r["task"] for r in rows):
        for trainer in ("rewardgym", "trl"):
            runs = [r for r in rows if r["task"] == task and r["trainer"] == trainer]
            if not runs:
                continue

            def stat(key: str, idx: int, runs: list = runs) -> tuple[float, float]:
                v = np.array([r[key][idx] for r in runs], dtype=float)
                return float(v.mean()), float(v.std())

            line = {"task": task, "trainer": trainer, "seeds": len(runs), "steps": runs[0].get("steps")}
            for name, key in (("", "eval_reward"), ("success_", "eval_success")):
                line[f"{name}before_mean"], line[f"{name}before_std"] = stat(key, 0)
                line[f"{name}after_mean"], line[f"{name}after_std"] = stat(key, -1)
            for key in ("step_time_s", "tokens_per_s", "peak_memory_mb"):
                line[key] = float(np.mean([r[key] for r in runs]))
            out.append(line)
    return out


def _pm(mean: float, std: float, pct: bool = False) -> str:
    return f"{mean:.1%} ± {std:.1%}" if pct else f"{mean:.3f} ± {std:.3f}"


def _plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(r["task"] for r in rows))
    fig, axes = plt.subplots(1, len(tasks), figsize=(5.5 * len(tasks), 4), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        for trainer, color in (("rewardgym", "tab:blue"), ("trl", "tab:orange")):
            runs = [r for r in rows if r["task"] == task and r["trainer"] == trainer]
            if not runs:
                continue
            n = min(len(r["eval_reward"]) for r in runs)
            steps = runs[0]["eval_steps"][:n]
            v = np.array([r["eval_reward"][:n] for r in runs], dtype=float)
            ax.plot(steps, v.mean(0), color=color, marker="o", label=f"{_NAMES[trainer]} (mean of {len(runs)})")
            ax.fill_between(steps, v.min(0), v.max(0), color=color, alpha=0.2)
        ax.set_title(task)
        ax.set_xlabel("GRPO step")
        ax.set_ylabel("held-out reward (greedy)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_grpo_report(rows: list[dict[str, Any]], facts: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write ``grpo.md``, ``grpo.png`` and ``grpo.json`` into ``out_dir``; returns their paths."""
    from rewardgym.reproduce.grpo import TASKS

    out_dir = Path(out_dir)
    paths = {"markdown": out_dir / "grpo.md", "png": out_dir / "grpo.png", "json": out_dir / "grpo.json"}
    summary = summarize_grpo(rows)
    paths["json"].write_text(json.dumps({"facts": facts, "summary": summary, "runs": rows}, indent=1, default=str))
    _plot(rows, paths["png"])
    c = facts["common"]
    lines = [
        "# GRPO on SmolLM2-135M-Instruct: rewardgym's `baselines/grpo.py` and TRL's `GRPOTrainer`, side by side",
        "",
        f"Command: `{facts['command']}`" + (" (quick mode)" if facts["quick"] else ""),
        "",
        f"Device: CPU ({platform.processor() or platform.machine()}, {facts['cpus']} cores), one torch thread "
        f"per run, {facts['workers']} runs in parallel processes; total wall time {facts['wall_s'] / 60:.1f} min. "
        f"Machine load average (1/5/15 min) {'/'.join(f'{x:.1f}' for x in facts['load_before'])} before and "
        f"{'/'.join(f'{x:.1f}' for x in facts['load_after'])} after the run: the machine was shared with other "
        "busy processes, so wall times and rates are inflated and only comparable within this run.",
        "",
        f"Budget per step, both trainers: {c['prompts_per_step']} training prompts × {c['group_size']} samples, "
        f"≤ {c['max_new_tokens']} new tokens, temperature {c['temperature']}; AdamW lr {c['learning_rate']} "
        f"(constant), clip ε {c['clip_eps']}, KL coefficient {c['kl_coef']}, per-token loss aggregation "
        "(TRL `loss_type=\"dapo\"`), group std scaling, one update per batch. Held-out evaluation: greedy, on "
        f"{facts['budget']['eval_prompts']} held-out prompts / env seeds never trained on, every "
        f"{facts['budget']['eval_every']} steps; the same evaluation function for both trainers.",
        "",
    ]
    for task in dict.fromkeys(r["task"] for r in rows):
        lines += [f"## `{task}`: {TASKS[task]['title']}", "",
                  "| trainer | seeds | steps | held-out reward before → after | success before → after "
                  "| s / step | policy tokens / s | peak RSS (MB) |",
                  "|---|---|---|---|---|---|---|---|"]
        for s in (s for s in summary if s["task"] == task):
            lines.append(
                f"| {_NAMES[s['trainer']]} | {s['seeds']} | {s['steps']} | "
                f"{_pm(s['before_mean'], s['before_std'])} → **{_pm(s['after_mean'], s['after_std'])}** | "
                f"{_pm(s['success_before_mean'], s['success_before_std'], True)} → "
                f"{_pm(s['success_after_mean'], s['success_after_std'], True)} | {s['step_time_s']:.1f} | "
                f"{s['tokens_per_s']:.1f} | {s['peak_memory_mb']:.0f} |")
        pair = {s["trainer"]: s for s in summary if s["task"] == task}
        if len(pair) == 2:
            ours, trl = pair["rewardgym"], pair["trl"]
            lines += ["", f"Held-out reward after training: rewardgym {ours['after_mean']:.3f} vs TRL "
                      f"{trl['after_mean']:.3f}; wall time per step: rewardgym {ours['step_time_s']:.1f} s vs TRL "
                      f"{trl['step_time_s']:.1f} s ({trl['step_time_s'] / max(ours['step_time_s'], 1e-9):.2f}× "
                      "TRL's time per step is ours × this)."]
        lines.append("")
    lines += [
        "![held-out reward per step](grpo.png)",
        "",
        "Seeds: each seed changes the training-prompt order, sampling and initial-state RNG; the held-out keys "
        "are the same for every run. ± is the standard deviation over seeds (population); the plot's band is "
        "the min-max over seeds. \"s / step\" counts sampling, scoring and the update (evaluation excluded). "
        "\"policy tokens / s\" counts sampled completion tokens per second of training time. Peak RSS is the "
        "run's process (one model, optimiser state, generation).",
        "",
    ]
    for k in facts.get("notes", []):
        lines += [k, ""]
    paths["markdown"].write_text("\n".join(lines))
    return paths
