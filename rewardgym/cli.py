"""The ``rewardgym`` command.

Sub-commands built in here: ``list`` (envs and rewards with one-line docs), ``check ID`` (runs the shipped
checkers on an env id, a reward name, or ``all``) and ``demo`` (a short maze rollout with a composed reward,
printing the per-term breakdown). Families add their own sub-commands (``reproduce``, ``sandbox``,
``render``, ``synthesize``, ``selfplay``...) through a ``register_commands(subparsers)`` function in the
modules listed in :data:`COMMAND_MODULES`; those modules import heavy dependencies only when a command runs.

Example:
    >>> main(["list", "--rewards", "maze/goal"])  # doctest: +ELLIPSIS
    maze/goal-v0 ...
    0
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from collections.abc import Sequence

__all__ = ["COMMAND_MODULES", "build_parser", "json_object_arg", "main"]

COMMAND_MODULES: tuple[str, ...] = (
    "rewardgym.reproduce.cli",
    "rewardgym.sandbox.cli",
    "rewardgym.envs.robotics.cli",
    "rewardgym.rewards.synthesized.cli",
    "rewardgym.envs.dialogue.cli",
    "rewardgym.envs.web.cli",
)


def json_object_arg(text: str) -> dict:
    """argparse ``type=`` for options that take a JSON object, e.g. ``--env-kwargs '{"size": 7}'``."""
    import json

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r} ({exc})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r}")
    return value


def _env_doc(entry_point: object) -> str:
    if not isinstance(entry_point, str):
        return inspect.getdoc(entry_point) or ""
    module, _, attr = entry_point.partition(":")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except ImportError as exc:
        return f"(needs an optional extra: {exc})"
    doc = inspect.getdoc(obj) or ""
    return doc.splitlines()[0] if doc else ""


def _cmd_list(args: argparse.Namespace) -> int:
    import rewardgym
    from rewardgym.testing import registered_env_ids

    show_envs = args.envs or not args.rewards
    show_rewards = args.rewards or not args.envs
    if show_envs:
        import gymnasium as gym

        for env_id in registered_env_ids():
            if env_id.startswith(args.prefix):
                print(f"{env_id:32s} {_env_doc(gym.spec(env_id).entry_point)}")
    if show_rewards:
        for name, doc in rewardgym.list_rewards(args.prefix).items():
            print(f"{name:32s} {doc}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    import rewardgym
    from rewardgym.testing import check_all_envs, check_all_rewards, registered_env_ids

    results: dict[str, str] = {}
    if args.target == "all":
        results.update(check_all_envs())
        results.update(check_all_rewards())
    elif args.target in registered_env_ids():
        results.update(check_all_envs([args.target]))
    else:
        rewardgym.reward_registry()  # loads entry points
        rewardgym.rewards.registry.reward_spec(args.target)  # raises with suggestions when unknown
        results.update(check_all_rewards([args.target]))
    failed = {k: v for k, v in results.items() if v != "ok"}
    for name, verdict in results.items():
        print(f"{'ok  ' if verdict == 'ok' else 'FAIL'} {name}" + ("" if verdict == "ok" else f": {verdict}"))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from rewardgym.demo import run_demo

    run_demo(steps=args.steps, num_envs=args.num_envs, seed=args.seed, size=args.size)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser, including every family's registered sub-commands."""
    parser = argparse.ArgumentParser(prog="rewardgym", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("list", help="list registered envs and rewards with one-line docs")
    p.add_argument("prefix", nargs="?", default="", help="only names starting with this")
    p.add_argument("--envs", action="store_true", help="only environments")
    p.add_argument("--rewards", action="store_true", help="only rewards")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("check", help="run the shipped checkers on an env id, a reward name, or 'all'")
    p.add_argument("target", help="e.g. rewardgym/Maze-v0, maze/goal-v0, or all")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("demo", help="a short maze rollout with a composed reward, printing each term")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--num-envs", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", type=int, default=9)
    p.set_defaults(func=_cmd_demo)

    for module in COMMAND_MODULES:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module.startswith(exc.name):
                continue  # that family ships no commands
            raise
        mod.register_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rewardgym`` console script; returns the exit code."""
    from rewardgym.errors import RewardGymError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RewardGymError as exc:
        print(f"rewardgym: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
