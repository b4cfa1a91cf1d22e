"""``rewardgym synthesize ENV_ID``: LLM reward synthesis from the command line.

Example::

    rewardgym synthesize rewardgym/Maze-v0 --env-kwargs '{"size": 7}' --samples 4 --iterations 2 \\
        --llm transformers --timesteps 40000 --out runs/synth-maze

    rewardgym synthesize rewardgym/Reach-v0 --llm openai --model Qwen/Qwen2.5-Coder-7B-Instruct \\
        --base-url http://127.0.0.1:8000/v1 --samples 8 --iterations 3

``--llm scripted --responses replies.json`` replays canned replies (a JSON list of strings), for offline
runs; ``--fitness agreement --reference SPEC`` scores candidates by correlation with a reference reward
instead of training.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(); sub = parser.add_subparsers()
    >>> register_commands(sub)
    >>> parser.parse_args(["synthesize", "rewardgym/Maze-v0", "--samples", "2"]).samples
    2
"""

from __future__ import annotations

import argparse
import json
import math
import re
import time
from pathlib import Path
from typing import Any

from rewardgym.cliargs import existing_file

__all__ = ["register_commands", "run_synthesize"]


def register_commands(subparsers: Any) -> None:
    """Add the ``synthesize`` sub-command to an argparse ``subparsers`` object."""
    p = subparsers.add_parser(
        "synthesize",
        help="LLM-written reward functions: sample, check, run in the sandbox, train, reflect",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("env_id", help="e.g. rewardgym/Maze-v0 or rewardgym/Reach-v0")
    p.add_argument("--task", default=None, help="what the agent should do (default: the env's built-in task)")
    p.add_argument("--env-kwargs", default="{}", help="JSON kwargs for gymnasium.make")
    p.add_argument("--samples", type=int, default=4, help="candidates per round (K)")
    p.add_argument("--iterations", type=int, default=2, help="rounds (I)")
    p.add_argument("--llm", default="transformers", choices=["transformers", "vllm", "openai", "scripted"])
    p.add_argument("--model", default=None, help="model name / path (default: the bundled SmolLM2)")
    p.add_argument("--base-url", default=None, help="openai backend: server URL, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--responses", type=existing_file, default=None,
                   help="scripted backend: JSON file with a list of replies")
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--max-new-tokens", type=int, default=512)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fitness", default="ppo", choices=["ppo", "agreement"])
    p.add_argument("--reference", default=None, help="agreement fitness: reward name / JSON spec")
    p.add_argument("--timesteps", type=int, default=50_000, help="PPO env steps per candidate")
    p.add_argument("--seeds", default="1", help="PPO seeds, comma-separated")
    p.add_argument("--workers", type=int, default=2, help="parallel PPO trainings")
    p.add_argument("--ppo", default="{}", help="JSON PPOConfig overrides, e.g. num_envs")
    p.add_argument("--sandbox", default="auto", choices=["auto", "docker", "process"])
    p.add_argument("--out", default=None, help="folder for reward.py, provenance.json, candidates.jsonl")
    p.add_argument("--name", default=None, help="registered as synthesized/<name>-v0")
    p.add_argument("--baseline", action="append", default=[], metavar="NAME=REWARD",
                   help="also train PPO on a trusted reward with the same budget: a registered name, a JSON "
                        "spec, or @file.py (reward code, run through the same sandbox path); repeatable")
    p.add_argument("--report", default=None, help="append a Markdown results section to this file")
    p.set_defaults(func=run_synthesize)


def _json(text: str, flag: str) -> Any:
    from rewardgym.errors import RewardGymError

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RewardGymError(f"{flag} must be JSON, got {text!r}: {exc}") from exc


def _make_llm(args: argparse.Namespace) -> Any:
    from rewardgym.errors import RewardGymError
    from rewardgym.llm import make_llm

    if args.llm == "scripted":
        if not args.responses:
            raise RewardGymError("--llm scripted needs --responses FILE (a JSON list of reply strings)")
        return make_llm("scripted", responses=_json(Path(args.responses).read_text(), "--responses"))
    if args.llm == "openai":
        if not args.model:
            raise RewardGymError("--llm openai needs --model (the name the server serves)")
        return make_llm("openai", model=args.model, base_url=args.base_url)
    return make_llm(args.llm, **({"model": args.model} if args.model else {}))


def run_synthesize(args: argparse.Namespace) -> int:
    """Run the loop from parsed arguments; prints each round and saves the best reward."""
    from rewardgym.rewards.synthesized import (
        AgreementFitness,
        PPOFitness,
        RewardExecutor,
        RewardSynthesizer,
        describe_env,
        register_synthesized,
        save_result,
    )

    env_kwargs = _json(args.env_kwargs, "--env-kwargs")
    spec = describe_env(args.env_id, args.task, env_kwargs=env_kwargs)
    executor = RewardExecutor(args.sandbox)
    if args.fitness == "agreement":
        reference = args.reference or "maze/distance-potential-v0"
        fitness: Any = AgreementFitness(
            _json(reference, "--reference") if reference.startswith("{") else reference, executor=executor
        )
    else:
        fitness = PPOFitness(
            total_timesteps=args.timesteps,
            seeds=[int(s) for s in args.seeds.split(",")],
            workers=args.workers,
            ppo_overrides=_json(args.ppo, "--ppo"),
            sandbox=args.sandbox,
        )
    synth = RewardSynthesizer(
        _make_llm(args), spec, fitness, executor=executor, samples=args.samples, temperature=args.temperature,
        max_new_tokens=args.max_new_tokens, seed=args.seed,
    )
    print(f"sandbox: {executor.sandbox.describe()}")
    start = time.time()
    result = synth.run(args.iterations, progress=True)
    synth_minutes = (time.time() - start) / 60
    for cand in result.candidates:
        fit = "" if math.isnan(cand.fitness) else f" fitness={cand.fitness:.3f}"
        why = f" ({cand.error.splitlines()[0][:100]})" if cand.error else ""
        print(f"round {cand.iteration} sample {cand.index}: {cand.status}{fit}{why}")
    baselines = _baselines(args, fitness, spec)
    for label, res in baselines:
        print(f"baseline {label}: success {res.fitness:.3f} {res.error[:100]}")
    if args.report:
        _append_report(Path(args.report), args, result, baselines, synth_minutes)
    name = args.name or re.sub(r"[^a-z0-9]+", "-", args.env_id.split("/")[-1].lower()).strip("-")
    out = Path(args.out or f"synthesized/{name}")
    try:
        folder = save_result(result, out)
    except Exception as exc:
        print(f"no reward saved: {exc}")
        return 1
    registered = register_synthesized(folder, name)
    best = result.best
    assert best is not None  # save_result raised otherwise
    print(f"best: round {best.iteration} sample {best.index}, fitness {best.fitness:.3f}")
    print(f"saved to {folder} (load with rewardgym.rewards.synthesized.register_synthesized({str(folder)!r}, "
          f"{name!r}) -> {registered!r})")
    return 0


def _baselines(args: argparse.Namespace, fitness: Any, spec: Any) -> list[tuple[str, Any]]:
    """Train the ``--baseline`` rewards with the same PPO budget (trusted rewards in-process, code in the sandbox)."""
    from rewardgym.errors import RewardGymError
    from rewardgym.rewards.synthesized import PPOFitness

    if not args.baseline:
        return []
    if not isinstance(fitness, PPOFitness):
        raise RewardGymError("--baseline needs --fitness ppo (baselines are trained, not correlated)")
    out = []
    for item in args.baseline:
        label, sep, value = item.partition("=")
        if not sep or not label or not value:
            raise RewardGymError(f"--baseline takes NAME=REWARD, got {item!r}")
        if value.startswith("@"):
            out.append((label, fitness.evaluate([Path(value[1:]).read_text()], spec)[0]))
        else:
            reward = _json(value, "--baseline") if value.startswith("{") else value
            out.append((label, fitness.evaluate_reward([reward], spec)[0]))
    return out


def _append_report(path: Path, args: argparse.Namespace, result: Any, baselines: list, minutes: float) -> None:
    """A Markdown section: the settings, one row per baseline and per synthesized candidate."""

    def fmt(x: float) -> str:
        return "—" if math.isnan(x) else f"{x:.3f}"

    def curve(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values) or "—"

    lines = [
        f"\n## {args.env_id} {args.env_kwargs if args.env_kwargs != '{}' else ''}".rstrip(),
        "",
        f"Command: `rewardgym synthesize {args.env_id} --env-kwargs '{args.env_kwargs}' --llm {args.llm}"
        f"{' --model ' + args.model if args.model else ''} --samples {args.samples} --iterations {args.iterations}"
        f" --timesteps {args.timesteps} --seeds {args.seeds} --ppo '{args.ppo}' ...`; designer model "
        f"`{result.model}`, temperature {args.temperature}, {args.max_new_tokens} new tokens; synthesis took "
        f"{minutes:.1f} min. Success = the env's own `info[\"success\"]` on separate evaluation envs after "
        f"{args.timesteps:,} PPO env steps (mean over seeds {args.seeds}).",
        "",
        "| training reward | final success | success during training | status |",
        "|---|---|---|---|",
    ]
    for label, res in baselines:
        lines.append(f"| {label} | {fmt(res.fitness)} | {curve(res.curve)} | {res.error[:80] or 'ok'} |")
    for cand in result.candidates:
        why = cand.error.splitlines()[0][:90].replace("|", "/") if cand.error else ""
        lines.append(f"| synthesized r{cand.iteration}s{cand.index} | {fmt(cand.fitness)} | {curve(cand.curve)} | "
                     f"{cand.status}{': ' + why if why else ''} |")
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
