"""Episode recordings for any env with ``render_mode="rgb_array"``: frames, GIFs and PNG strips.

:func:`record_episode` rolls out one episode under a random or saved policy (:func:`load_policy`);
:func:`save_frames` writes the frames as an animated GIF (``.gif``) or a strip of evenly spaced frames
(``.png``); :func:`frames_saved` says how many frames that file holds. ``rewardgym render`` is the command.

Example:
    >>> frames, stats = record_episode("rewardgym/Maze-v0", "random", seed=0, max_steps=3)
    >>> len(frames), int(stats["steps"])
    (4, 3)
    >>> frames_saved(len(frames), "run.png", strip=8), frames_saved(120, "run.png", strip=8)
    (4, 8)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from rewardgym.errors import EnvConfigError, require

__all__ = ["Policy", "frames_saved", "load_policy", "record_episode", "save_frames"]

Policy = Callable[[Any], Any]


def frames_saved(n_frames: int, path: str | Path, *, strip: int = 8) -> int:
    """How many of ``n_frames`` recorded frames the file :func:`save_frames` wrote at ``path`` holds.

    A PNG strip holds at most ``strip`` of them; a GIF holds one per distinct run of frames (identical
    consecutive frames are stored once, with their durations added), read back from the file when it exists.
    """
    p = Path(path)
    if p.suffix.lower() == ".png":
        return len(np.unique(np.linspace(0, n_frames - 1, num=min(strip, n_frames)).round().astype(int)))
    if p.is_file():
        image = require("PIL.Image", "robotics", "pillow")
        with image.open(p) as im:
            return int(getattr(im, "n_frames", 1))
    return n_frames


def load_policy(path: str | Path) -> Policy:
    """Load a saved torch policy: a TorchScript file or a pickled ``nn.Module`` (trusted files only).

    Objects with an ``act(obs, deterministic=True)`` method (the PPO baseline's ``Agent``) are called through
    it; any other module is called as ``module(obs) -> action``. Observations get a batch dimension.

    Raises:
        EnvConfigError: the file is missing or holds no callable policy.
    """
    torch = require("torch", "train")
    p = Path(path)
    if not p.is_file():
        raise EnvConfigError(
            f"policy file {str(p)!r} does not exist; pass 'random' or a saved torch policy (.pt)"
        )
    obj = torch.load(str(p), map_location="cpu", weights_only=False)  # TorchScript archives dispatch to jit
    if hasattr(obj, "eval"):
        obj.eval()
    if hasattr(obj, "act"):

        def call(x: Any) -> Any:
            return obj.act(x, deterministic=True)[0]
    elif callable(obj):
        call = obj
    else:
        raise EnvConfigError(
            f"{p} holds a {type(obj).__name__}, not a policy; save the module itself "
            "(torch.save(agent, path) or torch.jit.save), not its state_dict"
        )

    @torch.no_grad()
    def policy(obs: Any) -> Any:
        out = call(torch.as_tensor(np.asarray(obs))[None].float())
        return (out[0] if isinstance(out, tuple) else out)[0].cpu().numpy()

    return policy


def record_episode(
    env: str | gym.Env,
    policy: str | Policy = "random",
    *,
    seed: int = 0,
    max_steps: int | None = None,
    env_kwargs: dict[str, Any] | None = None,
    width: int | None = None,
    height: int | None = None,
) -> tuple[list[np.ndarray], dict[str, float]]:
    """Roll out one episode and return its frames (the reset frame, then one per step) and statistics.

    Args:
        env: an env id (made with ``render_mode="rgb_array"``) or an env already in that mode.
        policy: ``"random"``, a path to a saved policy (see :func:`load_policy`), or ``obs -> action``.
        seed: seeds the env reset and the random policy.
        max_steps: stop after this many steps even if the episode goes on.
        env_kwargs: extra kwargs for ``gymnasium.make``.
        width: frame width for envs made here (when the env takes ``width``).
        height: frame height for envs made here.

    Returns:
        ``(frames, {"steps", "return", "success"})``; ``success`` is NaN when the env reports none.
    """
    own = isinstance(env, str)
    e: gym.Env
    if isinstance(env, str):
        kwargs = dict(env_kwargs or {})
        kwargs.update({k: v for k, v in (("width", width), ("height", height)) if v is not None})
        e = gym.make(env, render_mode="rgb_array", **kwargs)
    else:
        e = env
    if e.render_mode != "rgb_array":
        raise EnvConfigError(f"recording needs render_mode='rgb_array', the env has {e.render_mode!r}")
    act: Policy
    if isinstance(policy, str):
        if policy == "random":
            e.action_space.seed(seed)

            def act(_obs: Any) -> Any:
                return e.action_space.sample()
        else:
            act = load_policy(policy)
    else:
        act = policy
    try:
        obs, info = e.reset(seed=seed)
        frames = [np.asarray(e.render())]
        total, steps, done = 0.0, 0, False
        while not done and (max_steps is None or steps < max_steps):
            action = act(obs)
            if isinstance(e.action_space, gym.spaces.Box):
                action = np.clip(action, e.action_space.low, e.action_space.high)
            obs, reward, terminated, truncated, info = e.step(action)
            frames.append(np.asarray(e.render()))
            total += float(reward)
            steps += 1
            done = terminated or truncated
        success = float(info["success"]) if "success" in info else float("nan")
        return frames, {"steps": float(steps), "return": total, "success": success}
    finally:
        if own:
            e.close()


def save_frames(frames: Sequence[np.ndarray], path: str | Path, *, fps: float = 25.0, strip: int = 8) -> Path:
    """Write ``frames`` as an animated ``.gif`` or as a ``.png`` strip of ``strip`` evenly spaced frames.

    Raises:
        EnvConfigError: no frames, or a suffix other than .gif / .png.
    """
    image = require("PIL.Image", "robotics", "pillow")
    out = Path(path)
    if not frames:
        raise EnvConfigError("no frames to save")
    suffix = out.suffix.lower()
    if suffix not in (".gif", ".png"):
        raise EnvConfigError(
            f"output must end in .gif (animation) or .png (strip of frames), got {str(out)!r}"
        )
    if fps <= 0 or strip < 1:
        raise EnvConfigError(f"fps and strip must be positive, got fps={fps}, strip={strip}")
    out.parent.mkdir(parents=True, exist_ok=True)
    arrays = [np.ascontiguousarray(f[..., :3], dtype=np.uint8) for f in frames]
    if suffix == ".gif":
        # One palette for the whole animation (from a sample of frames), no dithering: small, flicker-free.
        sample = np.concatenate(arrays[:: max(1, len(arrays) // 8)], axis=0)
        palette = image.fromarray(sample).quantize(
            colors=128, method=image.Quantize.MEDIANCUT, dither=image.Dither.NONE
        )
        imgs = [image.fromarray(a).quantize(palette=palette, dither=image.Dither.NONE) for a in arrays]
        imgs[0].save(
            out, save_all=True, append_images=imgs[1:], duration=round(1000 / fps), loop=0, optimize=True
        )
        return out
    picks = np.unique(np.linspace(0, len(arrays) - 1, num=min(strip, len(arrays))).round().astype(int))
    gap = np.full((arrays[0].shape[0], 4, 3), 255, dtype=np.uint8)
    row = [part for i in picks for part in (arrays[i], gap)][:-1]
    image.fromarray(np.concatenate(row, axis=1)).save(out)
    return out
