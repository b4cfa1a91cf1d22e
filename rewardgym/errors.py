"""Every user-facing failure in rewardgym is a :class:`RewardGymError`.

The hierarchy lets callers catch broadly (``except RewardGymError``) or narrowly:

- :class:`UnknownRewardError` / :class:`DuplicateRewardError`: registry look-ups and registrations.
- :class:`RewardSpecError`: a malformed dict/YAML reward spec.
- :class:`RewardComputationError`: a reward function failed on a batch (never silently 0).
- :class:`InvalidActionError`: an action outside the env's action space.
- :class:`EpisodeStateError`: ``step()`` with no episode running (before ``reset()``, or after it ended).
- :class:`EnvConfigError`: bad constructor kwargs for an env.
- :class:`SandboxError`: the sandbox could not run a program (not: the program failed).
- :class:`MissingDependencyError`: an optional extra is not installed; names the install command.
- :class:`WorkerLostError`: a remote worker of :mod:`rewardgym.distributed` died or timed out.
- :class:`FamilyError`: a family declaration (``rewardgym.family.Family``) is missing, broken or conflicting.

Errors also subclass the matching builtin (``KeyError``, ``ValueError``...) so generic handlers still work.
"""

from __future__ import annotations

__all__ = [
    "DuplicateRewardError",
    "EnvConfigError",
    "EpisodeStateError",
    "FamilyError",
    "InvalidActionError",
    "MissingDependencyError",
    "RewardComputationError",
    "RewardGymError",
    "RewardSpecError",
    "SandboxError",
    "UnknownRewardError",
    "WorkerLostError",
]


class RewardGymError(Exception):
    """Base class of every error rewardgym raises on purpose."""


class UnknownRewardError(RewardGymError, KeyError):
    """A reward name that is not registered. The message lists close matches."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable.
        return str(self.args[0]) if self.args else ""


class DuplicateRewardError(RewardGymError, ValueError):
    """A reward name registered twice without ``overwrite=True``."""


class RewardSpecError(RewardGymError, ValueError):
    """A reward spec (dict / YAML / string) that cannot be built."""


class RewardComputationError(RewardGymError, RuntimeError):
    """A reward function failed on a batch, or returned something other than a (B,) float32 tensor."""


class InvalidActionError(RewardGymError, ValueError):
    """An action outside the environment's action space."""


class EpisodeStateError(InvalidActionError):
    """``step()`` was called with no episode running: before the first ``reset()``, or after the episode
    ended (terminated or truncated). Call ``reset()`` to start the next one."""


class EnvConfigError(RewardGymError, ValueError):
    """Invalid environment constructor arguments."""


class FamilyError(RewardGymError, LookupError):
    """A family declaration is missing or broken, two families clash, or an env id no family declares."""


class SandboxError(RewardGymError, RuntimeError):
    """The sandbox itself failed (backend unavailable, setup error) — not the program it ran."""


class MissingDependencyError(RewardGymError, ImportError):
    """An optional dependency is missing. The message says which extra installs it."""

    def __init__(self, what: str, install: str) -> None:
        super().__init__(f"{what} is not installed; install it with: {install}")
        self.what = what
        self.install = install


def require(module: str, extra: str, what: str | None = None):
    """Import an optional dependency or raise :class:`MissingDependencyError` naming the extra.

    Example:
        >>> np = require("numpy", "core")
        >>> np.__name__
        'numpy'
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(what or module, f'pip install "rewardgym[{extra}]"') from exc


class WorkerLostError(RewardGymError, RuntimeError):
    """A remote worker (a Ray actor) died or stopped answering; the message names its rows and the cause."""
