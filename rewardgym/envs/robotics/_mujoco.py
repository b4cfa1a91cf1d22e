"""Lazy access to MuJoCo: the import (with a headless OpenGL default) and the shipped MJCF models.

MuJoCo picks its OpenGL backend once, when ``mujoco`` is first imported, from ``MUJOCO_GL``. On a machine
without a display (no ``DISPLAY`` / ``WAYLAND_DISPLAY``) and with ``MUJOCO_GL`` unset, :func:`load_mujoco`
sets ``MUJOCO_GL=egl`` (and a matching ``PYOPENGL_PLATFORM``) before that import, so offscreen
``rgb_array`` rendering works out of the box. Set ``MUJOCO_GL=osmesa`` (needs ``libosmesa6``) for pure
software rendering.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from rewardgym.errors import EnvConfigError, require

__all__ = ["ASSETS", "asset_path", "load_model", "load_mujoco"]

ASSETS = Path(__file__).with_name("assets")


def _default_gl_backend() -> None:
    if "mujoco" in sys.modules or "MUJOCO_GL" in os.environ:
        return
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["MUJOCO_GL"] = "egl"
    backend = os.environ.get("MUJOCO_GL", "")
    if backend in ("egl", "osmesa"):
        os.environ.setdefault("PYOPENGL_PLATFORM", backend)


def load_mujoco() -> ModuleType:
    """Import ``mujoco`` (the ``robotics`` extra), choosing a headless GL backend when there is no display.

    Raises:
        MissingDependencyError: ``mujoco`` is not installed (names ``pip install "rewardgym[robotics]"``).

    Example:
        >>> mujoco = load_mujoco()
        >>> mujoco.MjModel.__name__
        'MjModel'
    """
    _default_gl_backend()
    return require("mujoco", "robotics", "MuJoCo")


def asset_path(name: str) -> Path:
    """Path of a shipped MJCF file, e.g. ``asset_path("reach.xml")``."""
    path = ASSETS / name
    if not path.is_file():
        shipped = sorted(p.name for p in ASSETS.glob("*.xml"))
        raise EnvConfigError(f"no MJCF asset named {name!r}; shipped assets: {shipped}")
    return path


def load_model(name_or_path: str | os.PathLike[str]) -> Any:
    """Compile a shipped asset name (``"reach.xml"``) or an MJCF file path into a fresh ``MjModel``."""
    mujoco = load_mujoco()
    path = Path(name_or_path)
    if not path.is_file():
        path = asset_path(str(name_or_path))
    try:
        return mujoco.MjModel.from_xml_path(str(path))
    except ValueError as exc:
        raise EnvConfigError(f"MuJoCo could not compile {path}: {exc}") from exc
