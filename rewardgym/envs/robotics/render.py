"""Offscreen frames and episode recordings: ``rgb_array`` rendering, GIFs and PNG strips.

:class:`FrameRenderer` draws an ``MjData`` through MuJoCo's offscreen renderer (EGL by default on a headless
machine, see :mod:`rewardgym.envs.robotics._mujoco`). :func:`record_episode` and :func:`save_frames` (from
:mod:`rewardgym.recording`, which works for any env with ``render_mode="rgb_array"``) record episodes.

Example:
    >>> frames, stats = record_episode("rewardgym/Reach-v0", "random", seed=0, max_steps=3)
    >>> len(frames), frames[0].shape
    (4, (320, 320, 3))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from rewardgym.errors import EnvConfigError, MissingDependencyError
from rewardgym.recording import load_policy, record_episode, save_frames  # the generic recorder, re-exported

__all__ = ["FrameRenderer", "load_policy", "record_episode", "save_frames"]


class FrameRenderer:
    """Lazily created MuJoCo offscreen renderer for one model.

    Args:
        model: the ``MjModel``.
        render_mode: ``"rgb_array"`` or None (then :meth:`frame` warns and returns None).
        modes: the render modes the env supports.
        width: frame width in pixels, at most the model's offscreen buffer (1024).
        height: frame height in pixels, at most the model's offscreen buffer (1024).
        camera: a camera name of the model.
    """

    def __init__(
        self, model: Any, render_mode: str | None, modes: Sequence[str], width: int, height: int, camera: str
    ) -> None:
        if render_mode is not None and render_mode not in modes:
            raise EnvConfigError(f"render_mode must be one of {list(modes)} or None, got {render_mode!r}")
        limit = (int(model.vis.global_.offwidth), int(model.vis.global_.offheight))
        for name, value, most in (("width", width, limit[0]), ("height", height, limit[1])):
            if not isinstance(value, int) or isinstance(value, bool) or not 16 <= value <= most:
                raise EnvConfigError(f"{name} must be an int in [16, {most}] pixels, got {value!r}")
        cameras = [model.camera(i).name for i in range(model.ncam)]
        if camera not in cameras:
            raise EnvConfigError(f"camera must be one of {cameras}, got {camera!r}")
        self.model, self.render_mode, self.width, self.height, self.camera = (
            model,
            render_mode,
            width,
            height,
            camera,
        )
        self._renderer: Any = None

    def frame(self, data: Any) -> np.ndarray | None:
        """Draw ``data``: a ``(height, width, 3)`` uint8 array."""
        if self.render_mode is None:
            gym.logger.warn(
                "render() was called without a render mode; pass render_mode='rgb_array' to make()"
            )
            return None
        if self._renderer is None:
            from rewardgym.envs.robotics._mujoco import load_mujoco

            mujoco = load_mujoco()
            try:
                self._renderer = mujoco.Renderer(self.model, self.height, self.width)
            except Exception as exc:  # GL context creation failed: say how to get one
                raise MissingDependencyError(
                    f"an offscreen OpenGL context for MuJoCo ({type(exc).__name__}: {exc})",
                    "MUJOCO_GL=egl (libegl1) or MUJOCO_GL=osmesa (apt-get install -y libosmesa6), set before "
                    "mujoco is first imported",
                ) from exc
        self._renderer.update_scene(data, camera=self.camera)
        return self._renderer.render()

    def __getstate__(self) -> dict[str, Any]:
        """Pickle / deep-copy without the GL context; a copy creates its own on its first frame."""
        return {**self.__dict__, "_renderer": None}

    def close(self) -> None:
        """Free the GL context."""
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
