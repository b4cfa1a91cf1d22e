"""The reward registry: ``register_reward`` / ``make_reward`` / ``list_rewards``.

Names follow Gymnasium's id grammar, ``family/name-vN`` (bump N when scoring semantics change).
Registering a name twice raises :class:`~rewardgym.errors.DuplicateRewardError`; an unknown name raises
:class:`~rewardgym.errors.UnknownRewardError` with close-match suggestions.

Third-party packages add rewards through the ``rewardgym.rewards`` entry-point group, loaded on first
look-up; a plugin that fails to load is skipped with a :class:`RewardPluginWarning` naming it. An entry
point either names a module (importing it registers its rewards) or a factory
(registered under the entry point's name)::

    [project.entry-points."rewardgym.rewards"]
    mypkg = "mypkg.rewards"                          # module that calls @register_reward
    "mypkg/latency-v0" = "mypkg.rewards:make_latency"  # a factory

Example:
    >>> from rewardgym.rewards.base import RewardFn
    >>> @register_reward("doc/alive-v0", overwrite=True)
    ... class Alive(RewardFn):
    ...     '''+1 for every step that did not terminate.'''
    ...     def score(self, batch):
    ...         return (~batch.terminated).float()
    >>> make_reward("doc/alive-v0").name
    'doc/alive-v0'
    >>> list_rewards("doc/")["doc/alive-v0"]
    '+1 for every step that did not terminate.'
"""

from __future__ import annotations

import difflib
import inspect
import re
import types
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rewardgym.errors import DuplicateRewardError, RewardSpecError, UnknownRewardError
from rewardgym.rewards.base import Reward, as_reward

__all__ = [
    "ENTRY_POINT_GROUP",
    "RewardPluginWarning",
    "RewardSpec",
    "list_rewards",
    "make_reward",
    "register_reward",
    "reward_registry",
    "reward_spec",
]

ENTRY_POINT_GROUP = "rewardgym.rewards"


class RewardPluginWarning(UserWarning):
    """A third-party reward plugin (``rewardgym.rewards`` entry point) failed to load and was skipped."""

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)+-v\d+$")

RewardFactory = Callable[..., Any]


@dataclass(frozen=True)
class RewardSpec:
    """A registry entry.

    Attributes:
        name: ``family/name-vN``.
        factory: callable returning a :class:`~rewardgym.rewards.base.Reward` (or a plain batch function).
        doc: one-line description (first docstring line of the factory).
        example: how to get a sample batch for the shipped checkers: an env id (a random-policy rollout is
            scored) or a zero-argument callable returning a batch. None = the checker reports it.
        example_kwargs: kwargs passed to the factory when checking.
    """

    name: str
    factory: RewardFactory
    doc: str
    example: str | Callable[[], Any] | None = None
    example_kwargs: Mapping[str, Any] | None = None


_REGISTRY: dict[str, RewardSpec] = {}
_entry_points_loaded = False


def _first_doc_line(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def register_reward(
    name: str,
    *,
    overwrite: bool = False,
    example: str | Callable[[], Any] | None = None,
    example_kwargs: Mapping[str, Any] | None = None,
    doc: str | None = None,
) -> Callable[[RewardFactory], RewardFactory]:
    """Register a reward factory under ``name`` (decorator).

    Args:
        name: ``family/name-vN``.
        overwrite: replace an existing registration instead of raising.
        example: env id or zero-argument callable giving a sample batch, used by ``check_all_rewards``.
        example_kwargs: factory kwargs for the check.
        doc: one-line description; defaults to the factory's first docstring line.

    Raises:
        DuplicateRewardError: ``name`` is taken and ``overwrite`` is False.
        RewardSpecError: ``name`` does not follow ``family/name-vN``.
    """
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise RewardSpecError(f"reward name {name!r} is invalid; expected 'family/name-vN', e.g. 'maze/goal-v0'")

    def decorator(factory: RewardFactory) -> RewardFactory:
        if not callable(factory):
            raise RewardSpecError(f"register_reward({name!r}) decorates a callable factory, got {factory!r}")
        if name in _REGISTRY and not overwrite and _REGISTRY[name].factory is not factory:
            raise DuplicateRewardError(
                f"reward {name!r} is already registered (by {_describe(_REGISTRY[name].factory)}); "
                "pick another name, bump its version, or pass overwrite=True"
            )
        _REGISTRY[name] = RewardSpec(
            name=name,
            factory=factory,
            doc=doc if doc is not None else _first_doc_line(factory),
            example=example,
            example_kwargs=dict(example_kwargs or {}),
        )
        return factory

    return decorator


def _describe(factory: Any) -> str:
    return f"{getattr(factory, '__module__', '?')}.{getattr(factory, '__qualname__', repr(factory))}"


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
            if isinstance(obj, types.ModuleType):
                continue  # importing the module registered its rewards
            if ep.name not in _REGISTRY:
                register_reward(ep.name)(obj)
        except Exception as exc:  # a broken plugin must not take the rest of the registry down
            dist = getattr(getattr(ep, "dist", None), "name", None) or "an installed package"
            warnings.warn(
                f"reward plugin {ep.name!r} = {ep.value!r} (from {dist}, entry-point group {ENTRY_POINT_GROUP!r}) "
                f"failed to load and was skipped: {type(exc).__name__}: {exc}",
                RewardPluginWarning,
                stacklevel=2,
            )


def reward_spec(name: str) -> RewardSpec:
    """The registry entry for ``name``; raises :class:`UnknownRewardError` with suggestions."""
    if name not in _REGISTRY:
        _load_entry_points()
    if name not in _REGISTRY:
        if not isinstance(name, str):
            raise UnknownRewardError(f"reward names are strings like 'maze/goal-v0', got {type(name).__name__}")
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownRewardError(
            f"no reward named {name!r}{hint} (`rewardgym list` shows all {len(_REGISTRY)} registered rewards)"
        )
    return _REGISTRY[name]


def make_reward(name: str, /, **kwargs: Any) -> Reward:
    """Build the reward registered as ``name`` with factory kwargs.

    Raises:
        UnknownRewardError: no such name (with close matches).
        RewardSpecError: the factory rejected ``kwargs`` (names the accepted parameters).
    """
    spec = reward_spec(name)
    try:
        sig = inspect.signature(spec.factory)
        sig.bind(**kwargs)
    except TypeError as exc:
        params = ", ".join(p for p in sig.parameters if p != "self") or "none"
        raise RewardSpecError(f"bad arguments for reward {name!r}: {exc}; accepted parameters: {params}") from exc
    except ValueError:
        pass  # builtins without a signature: let the call decide
    reward = as_reward(spec.factory(**kwargs))
    reward.name = name
    setattr(reward, "spec_kwargs", dict(kwargs))  # noqa: B010 - read by rewardgym.rewards.serialize
    return reward


def list_rewards(prefix: str = "") -> dict[str, str]:
    """``{name: one-line doc}`` for every registered reward whose name starts with ``prefix``."""
    _load_entry_points()
    return {n: s.doc for n, s in sorted(_REGISTRY.items()) if n.startswith(prefix)}


def reward_registry() -> Mapping[str, RewardSpec]:
    """A read-only view of the registry."""
    _load_entry_points()
    return types.MappingProxyType(_REGISTRY)
