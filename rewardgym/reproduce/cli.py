"""``rewardgym reproduce <experiment>``: train the baselines and write the results table and plot.

``rewardgym/cli.py`` calls :func:`register_commands` on its argparse sub-parsers; ``python -m
rewardgym.reproduce`` runs the same command on its own.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="rewardgym")
    >>> _ = register_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["reproduce", "maze", "--quick", "--seeds", "1"])
    >>> args.experiment, args.quick, args.seeds
    ('maze', True, 1)
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

from rewardgym.cliargs import output_dir
from rewardgym.reproduce.experiments import EXPERIMENTS

__all__ = ["LLM_EXPERIMENTS", "default_out_dir", "main", "register_commands", "reproduce_command"]

LLM_EXPERIMENTS = ("grpo",)
"""Experiments with their own runner (LLM policies, not PPO variants): ``grpo`` (:mod:`rewardgym.reproduce.grpo`)."""


def default_out_dir(quick: bool) -> Path:
    """``baselines/results`` of the source checkout for full runs; a fresh temp dir for ``--quick``."""
    if quick:
        return Path(tempfile.mkdtemp(prefix="rewardgym-reproduce-"))
    import rewardgym

    return Path(rewardgym.__file__).resolve().parent.parent / "baselines" / "results"


def register_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``reproduce`` command to an argparse sub-parsers object; returns its parser."""
    p = subparsers.add_parser(
        "reproduce",
        help="train the baseline agents and write the results table + learning-curve plot",
        description="Train PPO once per (reward variant, seed) in parallel processes and write "
        "<out>/<experiment>.md, .png and .json (TensorBoard logs in <out>/runs).",
    )
    p.add_argument("experiment", choices=sorted([*EXPERIMENTS, *LLM_EXPERIMENTS]), help="which experiment")
    p.add_argument("--quick", action="store_true",
                   help="a short run (fewer steps and seeds, ~2 min on 2 cores) into a temp dir unless --out")
    p.add_argument("--seeds", type=int, default=None, help="seeds 1..N; default: the experiment's")
    p.add_argument("--steps", type=int, default=None, help="env steps per run; default: the experiment's")
    p.add_argument("--variants", nargs="+", default=None, help="run only these variants")
    p.add_argument("--out", type=output_dir, default=None,
                   help="output folder (default: baselines/results, or a temp dir with --quick)")
    p.add_argument("--jobs", type=int, default=None, help="parallel processes (default: CPU count)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=reproduce_command)
    return p


def reproduce_command(args: argparse.Namespace, argv: list[str] | None = None) -> int:
    """Run the experiment named in ``args`` and write its report; prints where the files are."""
    from rewardgym.reproduce.report import summarize, write_report
    from rewardgym.reproduce.runner import run_experiment

    if args.seeds is not None and args.seeds < 1:
        raise SystemExit("--seeds must be >= 1")
    if args.steps is not None and args.steps < 1:
        raise SystemExit("--steps must be >= 1")
    words = argv if argv is not None else sys.argv[1:]
    command = "rewardgym " + " ".join(shlex.quote(w) for w in words)
    if args.experiment == "grpo":
        from rewardgym.reproduce.grpo import reproduce_grpo

        out = args.out if args.out is not None else default_out_dir(args.quick)
        paths = reproduce_grpo(quick=args.quick, out_dir=out, seeds=args.seeds, steps=args.steps, jobs=args.jobs,
                               progress=not args.no_progress, command=command)
        print(f"wrote {paths['markdown']}, {paths['png']} and {paths['json']}")
        return 0
    experiment = EXPERIMENTS[args.experiment]
    out = args.out if args.out is not None else default_out_dir(args.quick)
    result = run_experiment(experiment, quick=args.quick, out_dir=out, seeds=args.seeds,
                            total_timesteps=args.steps, variants=args.variants, jobs=args.jobs,
                            progress=not args.no_progress)
    paths = write_report(result, experiment, out, command=command)
    for row in summarize(result["runs"], threshold=experiment.success_threshold):
        print(f"{row['variant']:>12}: final success {row['final_mean']:.1%} ± {row['final_std']:.1%} "
              f"over {len(row['seeds'])} seed(s)")
    print(f"wrote {paths['markdown']}, {paths['png']} and {paths['json']}")
    print(f"TensorBoard logs: {Path(out) / 'runs'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m rewardgym.reproduce``."""
    parser = argparse.ArgumentParser(prog="rewardgym")
    sub = parser.add_subparsers(dest="command", required=True)
    register_commands(sub)
    words = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(words)
    return int(args.func(args, words))
