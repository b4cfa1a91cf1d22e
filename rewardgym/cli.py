"""rewardgym: Gymnasium-style environments (maze, robotics, code, web, dialogue) whose rewards are pluggable,
composable reward functions; this command lists, checks, demos, renders, trains and synthesizes them.

Built-in sub-commands: ``list`` (every env, PettingZoo dialogue envs included, and every reward with a
one-line doc), ``check`` (the shipped checkers on an env id, a reward name or ``all``), ``demo`` (a short
maze rollout printing each reward term) and ``render`` (an episode as a GIF or PNG strip of any env with
``rgb_array`` rendering). ``reproduce``, ``sandbox`` and ``synthesize`` come from the core package, and each
family adds its own (``selfplay``...) through its declaration (:mod:`rewardgym.family`). A command's module
is imported only when that command runs, so ``rewardgym --help`` does not import torch.

User mistakes (unknown ids, missing files, bad arguments) end in one ``rewardgym: error: ...`` line with a
suggestion where there is one, and exit code 2.

Example:
    >>> main(["list", "--rewards", "maze/goal"])  # doctest: +ELLIPSIS
    maze/goal-v0 ...
    0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from rewardgym.cliargs import json_object_arg
from rewardgym.errors import RewardGymError
from rewardgym.family import Command, families, suggest

__all__ = ["CORE_COMMANDS", "UsageError", "build_parser", "commands", "json_object_arg", "main"]

CORE_COMMANDS: tuple[Command, ...] = (
    Command("reproduce", "rewardgym.reproduce.cli",
            "train the baseline agents and write the results table + learning-curve plot"),
    Command("sandbox", "rewardgym.sandbox.cli", "isolated execution: build the Docker image, check backends, run code"),
    Command("synthesize", "rewardgym.rewards.synthesized.cli",
            "LLM-written reward functions: sample, check, run in the sandbox, train, reflect"),
)
"""Sub-commands of the core package (each module has ``register_commands(subparsers)``)."""


class UsageError(RewardGymError, ValueError):
    """A command-line argument names something that does not exist (the message suggests what does)."""


def commands() -> dict[str, Command]:
    """Every lazily loaded sub-command: the core ones, then each family's.

    Raises:
        FamilyError: two commands share a name.
    """
    from rewardgym.errors import FamilyError

    out = {c.name: c for c in CORE_COMMANDS}
    for fam in families().values():
        for cmd in fam.commands:
            if cmd.name in out or cmd.name in _BUILTIN:
                raise FamilyError(f"family {fam.name!r} adds command {cmd.name!r}, which already exists")
            out[cmd.name] = cmd
    return out


def _env_ids() -> dict[str, Any]:
    from rewardgym.family import all_envs

    return all_envs()


def _cmd_list(args: argparse.Namespace) -> int:
    show_envs = args.envs or not args.rewards
    show_rewards = args.rewards or not args.envs
    if show_envs:
        for env_id, entry in sorted(_env_ids().items()):
            if env_id.startswith(args.prefix):
                api = "" if entry.api == "gymnasium" else " [PettingZoo]"
                print(f"{env_id:32s} {entry.doc}{api}")
    if show_rewards:
        from rewardgym.rewards import list_rewards

        for name, doc in list_rewards(args.prefix).items():
            print(f"{name:32s} {doc}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from rewardgym.rewards import reward_registry
    from rewardgym.testing import check_all_envs, check_all_rewards

    results: dict[str, str] = {}
    envs = _env_ids()
    if args.target == "all":
        results.update(check_all_envs())
        results.update(check_all_rewards())
    elif args.target in envs:
        results.update(check_all_envs([args.target]))
    elif args.target in reward_registry():
        results.update(check_all_rewards([args.target]))
    else:
        known = [*envs, *reward_registry()]
        raise UsageError(
            f"{args.target!r} is neither an env id nor a reward name{suggest(args.target, known)} "
            "(`rewardgym list` shows them all; `all` checks everything)"
        )
    failed = {k: v for k, v in results.items() if v != "ok"}
    for name, verdict in results.items():
        print(f"{'ok  ' if verdict == 'ok' else 'FAIL'} {name}" + ("" if verdict == "ok" else f": {verdict}"))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from rewardgym.demo import run_demo

    run_demo(steps=args.steps, num_envs=args.num_envs, seed=args.seed, size=args.size)
    return 0


def _known_gym_id(env_id: str) -> None:
    import gymnasium as gym

    if env_id not in gym.registry:
        raise UsageError(f"no env {env_id!r}{suggest(env_id, gym.registry)} (`rewardgym list --envs` shows them)")


def _cmd_render(args: argparse.Namespace) -> int:
    from rewardgym.recording import frames_saved, record_episode, save_frames

    _known_gym_id(args.env_id)
    if args.policy != "random" and not Path(args.policy).is_file():
        raise UsageError(f"--policy: no such file {args.policy!r}; pass 'random' or a saved torch policy (.pt)")
    frames, stats = record_episode(
        args.env_id, args.policy, seed=args.seed, max_steps=args.steps, env_kwargs=args.env_kwargs,
        width=args.width, height=args.height,
    )
    out = save_frames(frames, args.output, fps=args.fps, strip=args.frames)
    success = "n/a" if stats["success"] != stats["success"] else str(bool(stats["success"]))
    written = frames_saved(len(frames), out, strip=args.frames)
    kept = "" if written == len(frames) else f" of {len(frames)} recorded"
    print(
        f"wrote {out} ({written} frames{kept}): {int(stats['steps'])} steps, return {stats['return']:.3f}, "
        f"success {success}"
    )
    return 0


def _add_builtin(sub: Any) -> None:
    p = sub.add_parser("list", help="list every env (PettingZoo dialogue envs too) and reward with one-line docs")
    p.add_argument("prefix", nargs="?", default="", help="only names starting with this")
    p.add_argument("--envs", action="store_true", help="only environments")
    p.add_argument("--rewards", action="store_true", help="only rewards")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("check", help="run the shipped checkers on an env id, a reward name, or 'all'")
    p.add_argument("target", help="e.g. rewardgym/Maze-v0, negotiation-v0, maze/goal-v0, or all")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("demo", help="a short maze rollout with a composed reward, printing each term")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--num-envs", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", type=int, default=9)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("render", help="record one episode as a GIF (-o x.gif) or a PNG strip of frames (-o x.png)",
                       description="Record one episode of an env with rgb_array rendering as a GIF or PNG strip.")
    p.add_argument("env_id", help="e.g. rewardgym/Reach-v0")
    p.add_argument("--policy", default="random", help="'random' or a saved torch policy file (default: random)")
    p.add_argument("-o", "--output", required=True, help="output file: .gif (animation) or .png (strip)")
    p.add_argument("--seed", type=int, default=0, help="env reset and random-policy seed (default: 0)")
    p.add_argument("--steps", type=int, default=None, help="stop after this many steps (default: episode end)")
    p.add_argument("--fps", type=float, default=25.0, help="GIF frame rate (default: 25)")
    p.add_argument("--frames", type=int, default=8, help="frames in a PNG strip (default: 8)")
    p.add_argument("--width", type=int, default=None, help="frame width in pixels (envs that take width)")
    p.add_argument("--height", type=int, default=None, help="frame height in pixels (envs that take height)")
    p.add_argument("--env-kwargs", type=json_object_arg, default=None,
                   help="JSON kwargs for make, e.g. '{\"success_radius\": 0.03}'")
    p.set_defaults(func=_cmd_render)


_BUILTIN = ("list", "check", "demo", "render")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One ``rewardgym: error:`` line (and how to get help), exit code 2."""
        self.exit(2, f"rewardgym: error: {message} (see `{self.prog} --help`)\n")


def build_parser(load: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The argparse parser.

    Args:
        load: the lazily loaded commands to build fully (their modules are imported); the others get a
            placeholder that shows their help line. None: all of them.
    """
    parser = _Parser(prog="rewardgym", description=__doc__.split("\n\n")[0],
                     epilog="`rewardgym COMMAND --help` describes a command.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)
    _add_builtin(sub)
    for name, cmd in commands().items():
        if load is None or name in load:
            from rewardgym.family import load_object

            load_object(cmd.module).register_commands(sub)
        else:
            sub.add_parser(name, help=cmd.help, add_help=False)
    return parser


def _command_word(argv: Sequence[str]) -> str | None:
    return next((w for w in argv if not w.startswith("-")), None)


def fail(message: str) -> int:
    """Print ``rewardgym: error: message`` to stderr; returns the exit code 2."""
    print(f"rewardgym: error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rewardgym`` console script; returns the exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    word = _command_word(words)
    args = build_parser(load=[word] if word else []).parse_args(words)
    try:
        return int(args.func(args) or 0)
    except RewardGymError as exc:
        return fail(str(exc))
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        what = f"{exc.strerror}: {exc.filename!r}" if exc.filename else str(exc)
        return fail(what)
    except KeyboardInterrupt:
        return fail("interrupted")


if __name__ == "__main__":
    sys.exit(main())
