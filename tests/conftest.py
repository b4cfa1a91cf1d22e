"""Shared fixtures and the missing-component policy.

``need("docker")`` in a test: on a user's machine a missing component skips the test with the command that
installs it; in CI (``CI=true``) it fails, so a broken CI machine can never pass by skipping. The ``gpu``
marker is the one exception: GPU tests skip everywhere without a GPU (CI machines have none).
"""

from __future__ import annotations

import os

# MuJoCo fixes its OpenGL backend when it is first imported, by whichever test imports it first: pick the
# headless one for the whole session (EGL; OSMesa if the user asked for it) unless a display exists.
if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("MUJOCO_GL", "egl")
    os.environ.setdefault("PYOPENGL_PLATFORM", os.environ["MUJOCO_GL"])

# the tests never depend on a Docker engine they did not start: "auto" means the process backend here
# (the Docker tests use the Docker backend explicitly, and skip or fail by the missing-component policy)
os.environ.setdefault("REWARDGYM_SANDBOX", "process")

import pytest

from rewardgym.testing.components import component_status

collect_ignore = ["fixtures"]  # third-party packages that tests install through entry points

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(component: str) -> None:
    """Skip (user machine) or fail (CI) unless ``component`` is available."""
    ok, message = component_status(component)
    if ok:
        return
    if IN_CI and component != "cuda":
        pytest.fail(f"CI requires {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def needs():
    """Fixture form of :func:`need`: ``def test_x(needs): needs("docker")``."""
    return need
