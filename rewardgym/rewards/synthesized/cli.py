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
from pathlib import Path
from typing import Any

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
    p.add_argument("--responses", default=None, help="scripted backend: JSON file with a list of replies")
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--max-new-tokens", type=int, default=512)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fitness", default="ppo", choices=["ppo", "agreement"])
    p.add_argument("--reference", default=None, help="agreement fitness: reward name or JSON spec to agree with")
    p.add_argument("--timesteps", type=int, default=50_000, help="PPO env steps per candidate")
    p.add_argument("--seeds", default="1", help="PPO seeds, comma-separated")
    p.add_argument("--workers", type=int, default=2, help="parallel PPO trainings")
    p.add_argument("--ppo", default="{}", help="JSON PPOConfig overrides (num_envs, num_steps, eval_every...)")
    p.add_argument("--sandbox", default="auto", choices=["auto", "docker", "process"])
    p.add_argument("--out", default=None, help="folder for reward.py, provenance.json, candidates.jsonl")
    p.add_argument("--name", default=None, help="register as synthesized/<name>-v0 (default: from the env id)")
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
    result = synth.run(args.iterations, progress=True)
    for cand in result.candidates:
        fit = "" if math.isnan(cand.fitness) else f" fitness={cand.fitness:.3f}"
        why = f" ({cand.error.splitlines()[0][:100]})" if cand.error else ""
        print(f"round {cand.iteration} sample {cand.index}: {cand.status}{fit}{why}")
    name = args.name or re.sub(r"[^a-z0-9]+", "-", args.env_id.split("/")[-1].lower()).strip("-")
    out = Path(args.out or f"synthesized/{name}")
    try:
        folder = save_result(result, out)
    except Exception as exc:
        print(f"no reward saved: {exc}")
        return 1
    registered = register_synthesized(folder, name)
    print(f"best: round {result.best.iteration} sample {result.best.index}, fitness {result.best.fitness:.3f}")
    print(f"saved to {folder} (load with rewardgym.rewards.synthesized.register_synthesized({str(folder)!r}, "
          f"{name!r}) -> {registered!r})")
    return 0
