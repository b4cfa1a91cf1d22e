"""``rewardgym selfplay``: play agents against each other in a dialogue env, print rewards, save transcripts.

::

    rewardgym selfplay negotiation-v0 --agents fair,greedy --episodes 20 --out runs/
    rewardgym selfplay support-v0 --agents empathic --episodes 5
    rewardgym selfplay referential-v0 --agents llm,literal --episodes 2 --max-new-tokens 24

Agents are scripted policy names (``fair``, ``greedy``, ``empathic``, ``dismissive``, ``repetitive``,
``varied``, ``literal``), ``random``, ``llm`` (local transformers model) or ``llm:<backend>``, one per env
agent in ``possible_agents`` order. The table shows, per agent, the mean return and each of the env's
``dialogue/`` rewards scored through the reward API (plus ``--reward SPEC``); ``--out DIR`` writes one
JSON line per episode (transcript, returns, metrics, rewards) to ``DIR/selfplay-<env>.jsonl``.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="rewardgym")
    >>> register_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["selfplay", "support-v0", "--agents", "empathic", "--episodes", "2"])
    >>> args.agents, args.episodes
    (['empathic'], 2)
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rewardgym.cliargs import json_object_arg, reward_arg

__all__ = ["REPORTED_REWARDS", "register_commands", "run_selfplay", "summarize"]

REPORTED_REWARDS: dict[str, list[tuple[str, str, str]]] = {
    "negotiation-v0": [
        ("value", "dialogue/negotiation-value-v0", "sum"),
        ("agreement", "dialogue/negotiation-agreement-v0", "mean"),
        ("pareto", "dialogue/negotiation-pareto-v0", "mean"),
        ("malformed", "dialogue/malformed-v0", "sum"),
    ],
    "support-v0": [
        ("emotion", "dialogue/emotion-v0", "sum"),
        ("novelty", "dialogue/tactic-novelty-v0", "mean"),
        ("malformed", "dialogue/malformed-v0", "sum"),
    ],
    "referential-v0": [
        ("accuracy", "dialogue/referential-accuracy-v0", "sum"),
        ("malformed", "dialogue/malformed-v0", "sum"),
    ],
}
"""Columns of the table per env: (column, reward name, ``sum`` per episode or ``mean`` per turn)."""


def _nanmean(values: Sequence[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return sum(kept) / len(kept) if kept else float("nan")


def summarize(records: Sequence[Any], rewards: Mapping[str, tuple[Any, str]]) -> dict[str, dict[str, float]]:
    """Per-agent statistics of played episodes.

    Args:
        records: :class:`~rewardgym.envs.dialogue.rollout.EpisodeRecord` s of one env.
        rewards: column name -> (reward, ``"sum"`` | ``"mean"``): ``sum`` adds an agent's rows per episode
            and averages over episodes; ``mean`` averages over the rows where the agent spoke or the
            episode ended (NaN rows ignored).

    Returns:
        ``{agent: {"return": mean, "return_std": std, <column>: value, ...}}``.
    """
    from rewardgym.envs.dialogue.rollout import to_transitions

    batch = to_transitions(records)
    agents = list(records[0].policies) if records else []
    row_agent = list(batch.infos["agent"]) if len(batch) else []
    episode = batch.infos["episode"].tolist() if len(batch) else []
    counted = (batch.infos["acted"] | batch.terminated | batch.truncated).tolist() if len(batch) else []
    out: dict[str, dict[str, float]] = {}
    for agent in agents:
        rets = [r.returns[agent] for r in records]
        mean = sum(rets) / len(rets)
        std = math.sqrt(sum((x - mean) ** 2 for x in rets) / len(rets))
        out[agent] = {"return": mean, "return_std": std}
    for column, (reward, how) in rewards.items():
        values = reward(batch).tolist() if len(batch) else []
        for agent in agents:
            rows = [i for i, a in enumerate(row_agent) if a == agent]
            if how == "sum":
                per_ep = [0.0] * len(records)
                for i in rows:
                    if not math.isnan(values[i]):
                        per_ep[episode[i]] += values[i]
                out[agent][column] = sum(per_ep) / max(1, len(per_ep))
            else:
                out[agent][column] = _nanmean([values[i] for i in rows if counted[i]])
    return out


def run_selfplay(
    env: str,
    agents: Sequence[str],
    *,
    episodes: int = 1,
    seed: int = 0,
    out: str | Path | None = None,
    env_kwargs: Mapping[str, Any] | None = None,
    reward: Any = None,
    llm_kwargs: Mapping[str, Any] | None = None,
    max_new_tokens: int = 64,
    temperature: float = 0.0,
    progress: bool = False,
) -> tuple[list[Any], dict[str, dict[str, float]]]:
    """Play, score and (with ``out``) save; returns ``(records, summary)`` (see :func:`summarize`).

    Raises:
        EnvConfigError: bad env name, agent names or counts.
    """
    from rewardgym.envs.dialogue import make
    from rewardgym.envs.dialogue.agents import make_agent
    from rewardgym.envs.dialogue.rollout import selfplay
    from rewardgym.errors import EnvConfigError
    from rewardgym.rewards.registry import make_reward
    from rewardgym.rewards.spec import build_reward

    probe = make(env, **dict(env_kwargs or {}))
    ids = list(probe.possible_agents)
    probe.close()
    if len(agents) != len(ids):
        raise EnvConfigError(f"{env} needs {len(ids)} agent(s) for {ids}; got {len(agents)}: {list(agents)}")
    built = {}
    for agent_id, spec in zip(ids, agents):
        kwargs: dict[str, Any] = {}
        if spec == "llm" or spec.startswith("llm:"):
            kwargs = {"llm_kwargs": llm_kwargs, "max_new_tokens": max_new_tokens, "temperature": temperature}
        built[agent_id] = make_agent(spec, env=env, agent_id=agent_id, **kwargs)
    columns: dict[str, tuple[Any, str]] = {
        col: (make_reward(name), how) for col, name, how in REPORTED_REWARDS.get(env, [])
    }
    if reward is not None:  # built before playing: a bad reward fails at once, not after the episodes
        columns["custom"] = (build_reward(reward), "sum")
    records = selfplay(env, built, episodes=episodes, seed=seed, env_kwargs=env_kwargs, progress=progress)
    summary = summarize(records, columns)
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"selfplay-{env}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for e, rec in enumerate(records):
                line = rec.to_json()
                line["episode"] = e
                line["rewards"] = {
                    a: {c: _json_float(v) for c, v in s.items()} for a, s in summarize([rec], columns).items()
                }
                fh.write(json.dumps(line) + "\n")
    return records, summary


def _json_float(v: float) -> float | None:
    return None if isinstance(v, float) and math.isnan(v) else v


def _print_table(env: str, records: Sequence[Any], summary: Mapping[str, Mapping[str, float]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"selfplay {env}: {len(records)} episode(s)")
    table.add_column("agent")
    table.add_column("policy")
    table.add_column("return", justify="right", no_wrap=True)
    columns = [c for c in next(iter(summary.values()), {}) if c not in ("return", "return_std")]
    for c in columns:
        table.add_column(c, justify="right")
    for agent, stats in summary.items():
        cells = [f"{stats[c]:.3f}" if not math.isnan(stats[c]) else "-" for c in columns]
        table.add_row(agent, records[0].policies[agent], f"{stats['return']:.3f} ± {stats['return_std']:.3f}", *cells)
    console = Console()
    console.print(table)
    metrics = sorted({k for r in records for k in r.metrics})
    if metrics:
        console.print(
            "episode metrics (mean): "
            + ", ".join(f"{k}={_nanmean([r.metrics.get(k, float('nan')) for r in records]):.3f}" for k in metrics)
        )


def _cmd_selfplay(args: argparse.Namespace) -> int:
    records, summary = run_selfplay(
        args.env,
        args.agents,
        episodes=args.episodes,
        seed=args.seed,
        out=args.out,
        env_kwargs=args.env_kwargs,
        reward=args.reward,
        llm_kwargs=args.llm_kwargs,
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
        progress=not args.quiet,
    )
    _print_table(args.env, records, summary)
    if args.out is not None:
        print(f"transcripts: {Path(args.out) / f'selfplay-{args.env}.jsonl'}")
    return 0


def register_commands(subparsers: Any) -> None:
    """Add ``selfplay`` to the ``rewardgym`` command (imports nothing heavy until it runs)."""
    p = subparsers.add_parser(
        "selfplay",
        help="play agents in a dialogue env; print per-agent rewards, save transcripts (JSONL)",
        description="Play agents against each other in a dialogue env; print per-agent rewards (scored "
        "through the reward API) and save the transcripts as JSON lines.",
    )
    p.add_argument("env", help="negotiation-v0, support-v0 or referential-v0")
    p.add_argument(
        "--agents",
        required=True,
        type=lambda s: [a.strip() for a in s.split(",") if a.strip()],
        help="comma-separated, one per env agent: fair, greedy, empathic, dismissive, repetitive, "
        "varied, literal, random, llm, llm:<backend>",
    )
    p.add_argument("--episodes", type=int, default=10, help="episodes to play (default: 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the first episode (default: 0)")
    p.add_argument("--out", default=None, help="folder for the JSONL transcripts")
    p.add_argument(
        "--env-kwargs", type=json_object_arg, default=None, help="JSON env arguments, e.g. '{\"max_turns\": 6}'"
    )
    p.add_argument("--reward", type=reward_arg, default=None, help="an extra reward column: a name or a JSON spec")
    p.add_argument("--llm-kwargs", type=json_object_arg, default=None, help="JSON arguments of the LLM backend")
    p.add_argument("--max-new-tokens", type=int, default=64, help="LLM agents' token budget per message (default: 64)")
    p.add_argument("--temperature", type=float, default=0.0, help="LLM agents' sampling temperature (default: 0)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_selfplay)
