"""Sandbox fixtures: one warm process sandbox, one fresh-interpreter process sandbox, one Docker sandbox.

``need("bubblewrap")`` / ``need("docker")`` make a missing backend a failure in CI and a skip elsewhere.
"""

from __future__ import annotations

import pytest

from tests.conftest import need


@pytest.fixture(scope="session")
def process_sandbox():
    need("bubblewrap")
    from rewardgym.sandbox.process import ProcessSandbox

    sb = ProcessSandbox(pool_size=2)
    yield sb
    sb.close()


@pytest.fixture(scope="session")
def fresh_process_sandbox():
    need("bubblewrap")
    from rewardgym.sandbox.process import ProcessSandbox

    sb = ProcessSandbox(warm=False, pool_size=2)
    yield sb
    sb.close()


@pytest.fixture(scope="session")
def docker_sandbox():
    need("docker")
    from rewardgym.sandbox.docker_backend import DockerSandbox

    sb = DockerSandbox(pool_size=2)
    yield sb
    sb.close()


@pytest.fixture(scope="session")
def fresh_docker_sandbox():
    need("docker")
    from rewardgym.sandbox.docker_backend import DockerSandbox

    sb = DockerSandbox(warm=False, pool_size=2)
    yield sb
    sb.close()


BACKENDS = [
    "process_sandbox",
    "fresh_process_sandbox",
    pytest.param("docker_sandbox", marks=pytest.mark.docker),
    pytest.param("fresh_docker_sandbox", marks=pytest.mark.docker),
]


@pytest.fixture(params=BACKENDS)
def any_sandbox(request):
    """Each backend and mode in turn."""
    return request.getfixturevalue(request.param)
