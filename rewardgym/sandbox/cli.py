"""``rewardgym sandbox ...``: build the Docker image, show which backend is available, run a program.

- ``rewardgym sandbox build-image [--tag T] [--force]``: debootstrap + ``docker import`` (offline from
  registries; needs a Debian mirror). Skipped when the image exists, so CI can always call it.
- ``rewardgym sandbox info``: each backend's availability and what ``make_sandbox("auto")`` picks, and why.
- ``rewardgym sandbox run [--backend B] [--timeout S] [--memory MB] FILE [ARGS...]``: run a Python file in
  a sandbox (stdin is passed on); prints its output and exits with its exit code.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="rewardgym")
    >>> register_commands(parser.add_subparsers(dest="command"))  # doctest: +ELLIPSIS
    ArgumentParser(...)
    >>> parser.parse_args(["sandbox", "build-image", "--force"]).force
    True
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rewardgym.cliargs import existing_file

__all__ = ["register_commands"]

DEFAULT_IMAGE = "rewardgym-sandbox:bookworm"


def _build_image(args: argparse.Namespace) -> int:
    from rewardgym.sandbox.image import build_image

    build_image(args.tag, suite=args.suite, mirror=args.mirror, force=args.force)
    return 0


def _info(args: argparse.Namespace) -> int:
    from rewardgym.errors import SandboxError
    from rewardgym.sandbox.bwrap import bubblewrap_status
    from rewardgym.sandbox.docker_backend import docker_status
    from rewardgym.sandbox.factory import make_sandbox
    from rewardgym.sandbox.seccomp import seccomp_available

    ok, msg = bubblewrap_status()
    print(
        f"process: {'available' if ok else 'unavailable'} ({msg}; seccomp: "
        f"{'yes' if seccomp_available() else 'no, pip install pyseccomp'})"
    )
    ok, msg = docker_status(args.tag)
    print(f"docker:  {'available' if ok else 'unavailable'} ({msg})")
    try:
        sb = make_sandbox("auto")
    except SandboxError as exc:
        print(f"auto:    none ({exc})")
        return 1
    try:
        print(f"auto:    {sb.describe()}")
    finally:
        sb.close()
    return 0


def _run(args: argparse.Namespace) -> int:
    from rewardgym.sandbox.factory import make_sandbox

    path = Path(args.file)
    files = {path.name: path.read_bytes()}
    with make_sandbox(args.backend) as sb:
        result = sb.run(
            files,
            ["python3", path.name, *args.args],
            timeout_s=args.timeout,
            memory_mb=args.memory,
            stdin=None if sys.stdin.isatty() else sys.stdin.buffer.read(),
        )
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    notes = [
        n
        for n, on in (
            ("timed out", result.timed_out),
            ("memory limit exceeded", result.memory_exceeded),
            ("output truncated", result.truncated),
        )
        if on
    ]
    print(
        f"[{result.backend} sandbox: exit code {result.exit_code}, {result.duration_s:.2f} s"
        + (f"; {', '.join(notes)}" if notes else "")
        + "]",
        file=sys.stderr,
    )
    if result.exit_code is None:
        return 124
    return result.exit_code if result.exit_code >= 0 else 128 - result.exit_code


def register_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``sandbox`` command (with ``build-image``, ``info`` and ``run``); returns its parser."""
    p = subparsers.add_parser("sandbox", help="isolated execution: build the Docker image, check backends, run code")
    sub = p.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)

    b = sub.add_parser("build-image", help="build the Docker sandbox image (debootstrap + docker import)")
    b.add_argument("--tag", default=DEFAULT_IMAGE, help=f"image name (default {DEFAULT_IMAGE})")
    b.add_argument("--suite", default=None, help="Debian suite (default: the host's, else bookworm)")
    b.add_argument("--mirror", default=None, help="Debian mirror (default: the host's apt mirror)")
    b.add_argument("--force", action="store_true", help="rebuild even if the image exists")
    b.set_defaults(func=_build_image)

    i = sub.add_parser("info", help="which backends work here and what 'auto' picks")
    i.add_argument("--tag", default=DEFAULT_IMAGE, help="Docker image to look for")
    i.set_defaults(func=_info)

    r = sub.add_parser("run", help="run a Python file in a sandbox (options go before FILE)")
    r.add_argument("file", type=existing_file, help="the Python file")
    r.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the program")
    r.add_argument("--backend", default="auto", choices=("auto", "process", "docker"))
    r.add_argument("--timeout", type=float, default=10.0, help="wall-clock limit in seconds")
    r.add_argument("--memory", type=int, default=512, help="memory limit in MB")
    r.set_defaults(func=_run)
    return p
