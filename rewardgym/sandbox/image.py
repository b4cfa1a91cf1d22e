"""Build the Docker sandbox image offline: ``debootstrap`` Debian with ``python3``, then ``docker import``.

No image registry is needed, only a Debian package mirror (the host's apt mirror by default). The build is
skipped when the image already exists, so CI can call it unconditionally.

Example:
    >>> build_image()  # doctest: +SKIP
    'rewardgym-sandbox:bookworm'
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rewardgym.errors import SandboxError
from rewardgym.sandbox.docker_backend import DEFAULT_IMAGE, LABEL, docker_client

__all__ = ["build_image", "host_debian_mirror", "image_exists"]

_TRIM = (
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "var/cache/apt/archives",
    "var/lib/apt/lists",
)


def host_debian_mirror() -> tuple[str, str]:
    """``(suite, mirror)`` of the host's apt configuration (default: bookworm, deb.debian.org)."""
    suite, mirror = "bookworm", "http://deb.debian.org/debian"
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("VERSION_CODENAME=") and line.split("=", 1)[1].strip():
                suite = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in sources:
        try:
            text = path.read_text()
        except OSError:
            continue
        for match in re.finditer(r"^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)", text, re.MULTILINE):
            uri = match.group(1)
            if "security" not in uri and uri.startswith(("http://", "https://")):
                return suite, uri.rstrip("/")
    return suite, mirror


def image_exists(tag: str = DEFAULT_IMAGE) -> bool:
    """Whether the engine already has ``tag``."""
    client = docker_client()
    try:
        client.images.get(tag)
        return True
    except Exception:
        return False
    finally:
        client.close()


def build_image(
    tag: str = DEFAULT_IMAGE,
    *,
    suite: str | None = None,
    mirror: str | None = None,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> str:
    """Build the sandbox image unless it exists; returns the tag.

    Args:
        tag: image name.
        suite: Debian suite (default: the host's codename, else bookworm).
        mirror: Debian mirror URL (default: the host's apt mirror).
        force: rebuild even if the image exists.
        log: progress messages.

    Raises:
        SandboxError: debootstrap or Docker is missing, or a step failed (with its output).
    """
    if not force and image_exists(tag):
        log(f"image {tag} already exists; skipping the build (use --force to rebuild)")
        return tag
    if shutil.which("debootstrap") is None:
        raise SandboxError("debootstrap is not installed; install it with: apt-get install -y debootstrap")
    host_suite, host_mirror = host_debian_mirror()
    suite, mirror = suite or host_suite, mirror or host_mirror
    client = docker_client(timeout=600)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rewardgym-image-") as tmp:
        root = os.path.join(tmp, "rootfs")
        log(f"debootstrap {suite} (minbase + python3) from {mirror} ...")
        step = subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=python3", suite, root, mirror],
            capture_output=True,
            text=True,
        )
        if step.returncode != 0:
            raise SandboxError(
                f"debootstrap failed (exit {step.returncode}): {step.stderr[-2000:] or step.stdout[-2000:]}"
            )
        for rel in _TRIM:
            shutil.rmtree(os.path.join(root, rel), ignore_errors=True)
        tarball = os.path.join(tmp, "rootfs.tar")
        step = subprocess.run(
            ["tar", "--numeric-owner", "-C", root, "-cf", tarball, "."], capture_output=True, text=True
        )
        if step.returncode != 0:
            raise SandboxError(f"packing the root filesystem failed: {step.stderr[-2000:]}")
        repo, _, version = tag.rpartition(":") if ":" in tag.rsplit("/", 1)[-1] else (tag, "", "latest")
        log(f"docker import -> {tag} ...")
        try:
            client.api.import_image(
                src=tarball,
                repository=repo,
                tag=version,
                changes=[
                    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "ENV LANG=C.UTF-8",
                    f"LABEL {LABEL}=1",
                    'CMD ["python3"]',
                ],
            )
            client.images.get(tag)
        except Exception as exc:
            raise SandboxError(f"docker import failed: {exc}") from exc
        finally:
            client.close()
    log(f"built {tag} in {time.monotonic() - started:.0f} s")
    return tag
