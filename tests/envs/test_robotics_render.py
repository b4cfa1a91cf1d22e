"""Offscreen rendering shows the scene; episodes are written as GIFs / PNG strips; ``rewardgym render``.

Needs an offscreen OpenGL context (EGL by default when headless; ``MUJOCO_GL=osmesa`` with libosmesa6).
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from PIL import Image

import rewardgym
from rewardgym.cli import main
from rewardgym.envs.robotics.render import load_policy, record_episode, save_frames
from rewardgym.errors import EnvConfigError
from tests.conftest import need


@pytest.fixture(autouse=True)
def _offscreen_gl() -> None:
    need("gl")

ARM_BLUE = np.array([31, 107, 217])  # material "arm" (0.12, 0.42, 0.85) in sRGB bytes


def blue_arm_pixels(frame: np.ndarray) -> int:
    """Pixels in the arm's blue: blue channel dominant, far from the grey floor and the red/orange props."""
    f = frame.astype(int)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    return int(((b > 120) & (b - r > 70) & (b - g > 40)).sum())


@pytest.mark.parametrize("env_id", ["rewardgym/Reach-v0", "rewardgym/Push-v0"])
def test_frame_shows_the_arm_and_follows_its_motion(env_id: str) -> None:
    env = gym.make(env_id, render_mode="rgb_array", width=160, height=120)
    env.reset(seed=0, options={"arm_qpos": [0.0, 0.0, 0.0]})
    first = env.render()
    assert first.shape == (120, 160, 3) and first.dtype == np.uint8
    assert first.std() > 20  # not a blank or uniform image
    assert blue_arm_pixels(first) > 60
    env.reset(seed=0, options={"arm_qpos": [2.0, 0.5, 0.5]})
    moved = env.render()
    changed = np.abs(moved.astype(int) - first.astype(int)).sum(axis=2) > 60
    assert changed.sum() > 200  # the arm is drawn where the state says
    assert blue_arm_pixels(moved) > 60
    env.close()


def test_reach_target_is_drawn_in_red() -> None:
    env = gym.make("rewardgym/Reach-v0", render_mode="rgb_array", camera="top", width=200, height=200)
    env.reset(seed=0, options={"target_pos": [-0.2, -0.15]})
    f = env.render().astype(int)
    red = (f[..., 0] > 150) & (f[..., 0] - f[..., 1] > 80) & (f[..., 0] - f[..., 2] > 80)
    ys, xs = np.nonzero(red)
    assert len(xs) > 20
    # Top camera: x to the right, y up; the target is at the lower left.
    assert xs.mean() < 100 and ys.mean() > 100


def test_render_without_mode_returns_none() -> None:
    env = gym.make("rewardgym/Reach-v0")
    env.reset(seed=0)
    with pytest.warns(UserWarning, match="render_mode"):
        assert env.unwrapped.render() is None


def test_record_and_save_gif_and_png_strip(tmp_path: Path) -> None:
    frames, stats = record_episode("rewardgym/Reach-v0", "random", seed=3, max_steps=12, width=96, height=96)
    assert len(frames) == 13 and stats["steps"] == 12 and not np.array_equal(frames[0], frames[-1])
    gif = save_frames(frames, tmp_path / "run.gif", fps=10)
    with Image.open(gif) as im:
        assert im.n_frames == 13 and im.size == (96, 96)
        im.seek(12)
        last = np.asarray(im.convert("RGB")).astype(int)
    assert np.abs(last - frames[-1].astype(int)).mean() < 8  # palette quantisation only
    png = save_frames(frames, tmp_path / "strip.png", strip=4)
    with Image.open(png) as im:
        assert im.size == (4 * 96 + 3 * 4, 96)
    with pytest.raises(EnvConfigError, match=r"\.gif"):
        save_frames(frames, tmp_path / "run.mp4")
    with pytest.raises(EnvConfigError, match="no frames"):
        save_frames([], tmp_path / "x.gif")


class _Towards(torch.nn.Module):
    """A fixed policy for the loader test: torque proportional to the observed (target - fingertip) offset."""

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return torch.tanh(-5.0 * obs[:, 11:14].sum(-1, keepdim=True)).repeat(1, 3)


@pytest.mark.filterwarnings("ignore:.*TorchScript:UserWarning", "ignore:.*torch.jit:DeprecationWarning")
def test_saved_policies_load_and_drive_the_env(tmp_path: Path) -> None:
    module_path, script_path = tmp_path / "policy.pt", tmp_path / "policy_ts.pt"
    torch.save(_Towards(), module_path)
    torch.jit.save(torch.jit.script(_Towards()), script_path)
    obs = gym.make("rewardgym/Reach-v0").reset(seed=0)[0]
    expected = _Towards()(torch.as_tensor(obs)[None].float())[0].numpy()
    for path in (module_path, script_path):
        np.testing.assert_allclose(load_policy(path)(obs), expected, atol=1e-6)
    torch.save(_Towards().state_dict(), tmp_path / "weights.pt")
    with pytest.raises(EnvConfigError, match="state_dict"):
        load_policy(tmp_path / "weights.pt")
    with pytest.raises(EnvConfigError, match="does not exist"):
        load_policy(tmp_path / "missing.pt")


def test_cli_render_writes_a_gif_and_reports_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "push.gif"
    assert (
        main(
            ["render", "rewardgym/Push-v0", "-o", str(out), "--steps", "5", "--width", "64", "--height", "64"]
        )
        == 0
    )
    assert "6 frames" in capsys.readouterr().out
    with Image.open(out) as im:
        assert im.n_frames == 6
    assert main(["render", "rewardgym/Reach-v0", "--policy", str(tmp_path / "nope.pt"), "-o", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    strip = tmp_path / "push.png"
    assert main(["render", "rewardgym/Push-v0", "-o", str(strip), "--steps", "9", "--frames", "4",
                 "--width", "64", "--height", "64"]) == 0
    assert "(4 frames of 10 recorded)" in capsys.readouterr().out  # what the strip holds, not what was recorded
    with Image.open(strip) as im:
        assert im.width == 4 * 64 + 3 * 4  # four frames and three gaps
    assert rewardgym.list_rewards("robotics/")  # the CLI import left the registry intact


def test_success_zone_is_drawn_with_the_success_radius() -> None:
    for radius in (0.03, 0.1):
        env = gym.make("rewardgym/Reach-v0", success_radius=radius)
        model = env.unwrapped.sim.model
        assert model.geom("target_zone").size[0] == pytest.approx(radius)
