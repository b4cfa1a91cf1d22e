"""``rewardgym render``: record one episode of an env as an animated GIF or a PNG strip.

::

    rewardgym render rewardgym/Reach-v0 --policy random -o run.gif
    rewardgym render rewardgym/Push-v0 --policy agent.pt -o push.png --frames 6

``--policy`` is ``random`` or a saved torch policy (a TorchScript file, or a module saved with
``torch.save(agent, path)``; objects with ``act(obs, deterministic=True)`` such as the PPO baseline's
``Agent`` are called through it). Any env that supports ``render_mode="rgb_array"`` works.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="rewardgym")
    >>> register_commands(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["render", "rewardgym/Reach-v0", "-o", "run.gif"]).policy
    'random'
"""

from __future__ import annotations

import argparse
from typing import Any

from rewardgym.cli import json_object_arg

__all__ = ["register_commands"]


def _cmd_render(args: argparse.Namespace) -> int:
    import rewardgym  # noqa: F401 - registers the envs
    from rewardgym.envs.robotics.render import record_episode, save_frames

    frames, stats = record_episode(
        args.env_id,
        args.policy,
        seed=args.seed,
        max_steps=args.steps,
        env_kwargs=args.env_kwargs,
        width=args.width,
        height=args.height,
    )
    out = save_frames(frames, args.output, fps=args.fps, strip=args.frames)
    success = "n/a" if stats["success"] != stats["success"] else str(bool(stats["success"]))
    print(
        f"wrote {out} ({len(frames)} frames): {int(stats['steps'])} steps, return {stats['return']:.3f}, "
        f"success {success}"
    )
    return 0


def register_commands(subparsers: Any) -> None:
    """Add ``render`` to the ``rewardgym`` command (imports nothing heavy until it runs)."""
    p = subparsers.add_parser(
        "render",
        help="record one episode as a GIF (-o x.gif) or a PNG strip of frames (-o x.png)",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("env_id", help="e.g. rewardgym/Reach-v0")
    p.add_argument("--policy", default="random", help="'random' or a saved torch policy file (default: random)")
    p.add_argument("-o", "--output", default="run.gif", help="output .gif or .png (default: run.gif)")
    p.add_argument("--seed", type=int, default=0, help="env and random-policy seed (default: 0)")
    p.add_argument("--steps", type=int, default=None, help="stop after this many steps (default: episode end)")
    p.add_argument("--fps", type=float, default=25.0, help="GIF frame rate (default: 25)")
    p.add_argument("--frames", type=int, default=8, help="frames in a PNG strip (default: 8)")
    p.add_argument("--width", type=int, default=None, help="frame width in pixels (robotics envs)")
    p.add_argument("--height", type=int, default=None, help="frame height in pixels (robotics envs)")
    p.add_argument(
        "--env-kwargs",
        type=json_object_arg,
        default=None,
        help="JSON kwargs for make, e.g. '{\"success_radius\": 0.03}'",
    )
    p.set_defaults(func=_cmd_render)
