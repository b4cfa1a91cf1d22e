"""Ray clusters for the distributed tests: one local cluster (``ray.init(num_cpus=2)``) shared by the tests
that ask for ``ray_local``, and one simulated two-node cluster (``ray.cluster_utils.Cluster``) for those that
ask for ``ray_two_nodes``. Starting a cluster takes seconds, so each is started once and the two-node tests
run last; Ray's token authentication is disabled through its environment variable (a test-only setting).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need

ROOT = str(Path(__file__).resolve().parents[2])
_current: dict[str, Any] = {"kind": None, "cluster": None}


def _stop() -> None:
    import ray

    if ray.is_initialized():
        ray.shutdown()
    if _current["cluster"] is not None:
        _current["cluster"].shutdown()
    _current.update(kind=None, cluster=None)


def _start(kind: str) -> Any:
    need("ray")
    import ray

    if _current["kind"] == kind and ray.is_initialized():
        return _current["cluster"]
    _stop()
    os.environ["RAY_AUTH_MODE"] = "disabled"
    # The workers import this checkout's rewardgym and the test doubles in tests/, as the driver does.
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if ROOT not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([ROOT, *[p for p in paths if p]])
    quiet = {"include_dashboard": False, "log_to_driver": False}
    if kind == "local":
        ray.init(address="local", num_cpus=2, **quiet)  # our own cluster, whatever else runs on this machine
    else:
        from ray.cluster_utils import Cluster

        cluster = Cluster(
            initialize_head=True,
            head_node_args={"num_cpus": 2, "include_dashboard": False},
        )
        cluster.add_node(num_cpus=2)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        _current["cluster"] = cluster
    _current["kind"] = kind
    return _current["cluster"]


@pytest.fixture(scope="session")
def _ray_clusters():
    yield
    if _current["kind"] is not None:
        _stop()


@pytest.fixture
def ray_local(_ray_clusters):
    """A local Ray cluster with 2 CPUs (started once)."""
    _start("local")
    import ray

    return ray


@pytest.fixture
def ray_two_nodes(_ray_clusters):
    """A simulated cluster on this machine: a head node and a second node, 2 CPUs each."""
    return _start("two_nodes")


def pytest_collection_modifyitems(config, items):
    """Run the two-node tests after the other distributed tests, so each cluster starts once."""
    slots = [i for i, item in enumerate(items) if "tests/distributed/" in item.nodeid.replace(os.sep, "/")]
    ours = [items[i] for i in slots]
    ordered = sorted(ours, key=lambda item: "ray_two_nodes" in getattr(item, "fixturenames", ()))
    for i, item in zip(slots, ordered):
        items[i] = item
