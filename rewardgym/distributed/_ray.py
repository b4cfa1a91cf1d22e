"""Ray, imported lazily: the optional ``ray`` extra, cluster start-up and the remote versions of the workers."""

from __future__ import annotations

import contextlib
import functools
from typing import Any

from rewardgym.errors import MissingDependencyError, RewardGymError, WorkerLostError

__all__ = ["actor_lost", "init_ray", "kill_quietly", "remote_class", "require_ray"]

INSTALL = 'pip install "rewardgym[ray]"'


def require_ray() -> Any:
    """The ``ray`` module, or :class:`~rewardgym.errors.MissingDependencyError` naming the extra."""
    try:
        import ray
    except ImportError as exc:
        raise MissingDependencyError("Ray (for rewardgym.distributed)", INSTALL) from exc
    return ray


def init_ray(address: str | None = None, *, num_cpus: int | None = None, **kwargs: Any) -> Any:
    """Connect to a Ray cluster (``address``: ``"auto"`` or ``"host:port"``), or start a local one.

    Does nothing when Ray is already initialised in this process. Returns the ``ray`` module.

    Args:
        address: an existing cluster (``ray start --head`` prints it); None starts a local cluster.
        num_cpus: CPUs of a local cluster (None: all of this machine's).
        **kwargs: passed to ``ray.init``.
    """
    ray = require_ray()
    if not ray.is_initialized():
        kwargs.setdefault("include_dashboard", False)
        kwargs.setdefault("log_to_driver", False)
        # address="local": a new cluster of our own, even when another one runs on this machine (a bare
        # ray.init() would join the newest cluster started here, e.g. another process's).
        ray.init(address=address or "local", num_cpus=None if address else num_cpus, **kwargs)
    return ray


@functools.cache
def remote_class(cls: type) -> Any:
    """``ray.remote(cls)``, made once per process."""
    return require_ray().remote(cls)


def actor_lost(exc: BaseException) -> bool:
    """Whether ``exc`` (from ``ray.get``) means the actor itself is gone, not that its method raised."""
    ray = require_ray()
    return isinstance(exc, (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError))


def kill_quietly(actor: Any) -> None:
    """Kill an actor without restarting it; an actor that is already gone is fine."""
    ray = require_ray()
    with contextlib.suppress(Exception):  # already dead, or its node is gone: nothing left to stop
        ray.kill(actor, no_restart=True)


def unwrap_task_error(exc: BaseException) -> BaseException:
    """The exception a remote method raised (Ray wraps it); rewardgym errors come back as themselves."""
    ray = require_ray()
    if isinstance(exc, ray.exceptions.RayTaskError):
        cause = exc.cause if getattr(exc, "cause", None) is not None else None
        if isinstance(cause, RewardGymError):
            return cause
    return exc


def lost_error(what: str, exc: BaseException | None, timeout_s: float | None = None) -> WorkerLostError:
    """A :class:`WorkerLostError` describing why ``what`` was lost."""
    if exc is None:
        return WorkerLostError(f"{what}: no answer within {timeout_s:g} s; the actor was killed and replaced")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return WorkerLostError(f"{what}: the actor died ({type(exc).__name__}: {first[:300]}); it was replaced")
