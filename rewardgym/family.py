"""The family contract: each ``rewardgym/envs/<family>`` package declares what it adds, as data, in one place.

A :class:`Family` lists a family's envs (:class:`EnvEntry`: Gymnasium or PettingZoo, with their entry points,
kwargs, synthesis task text and ``info`` contract), its reward modules, its ``rewardgym`` sub-commands
(:class:`Command`) and its ``rewardgym reproduce`` experiments. Everything else reads these declarations:
env registration, the reward registry, the CLI, reward synthesis, ``reproduce`` and the checkers. Nothing
outside a family's folder lists families by hand:

- built-in families are the sub-packages of :mod:`rewardgym.envs`; each has a ``family`` module defining
  ``FAMILY`` (a missing or broken one is a :class:`~rewardgym.errors.FamilyError`);
- third-party families come through the ``rewardgym.families`` entry-point group (the value names a
  :class:`Family` object or a module defining ``FAMILY``); a broken one is skipped with a
  :class:`FamilyWarning` naming it::

    [project.entry-points."rewardgym.families"]
    tiny = "tinyfamily:FAMILY"

Importing this module imports nothing heavy: entry points are strings, loaded when used.

Example:
    >>> fams = families()
    >>> sorted(fams)
    ['code', 'dialogue', 'maze', 'robotics', 'web']
    >>> family_of("rewardgym/Maze-v0").name, env_entry("rewardgym/Maze-v0").info_field("distance").dtype
    ('maze', 'int64')
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal

from rewardgym.errors import FamilyError

__all__ = [
    "ENTRY_POINT_GROUP",
    "Command",
    "EnvEntry",
    "Family",
    "FamilyWarning",
    "InfoField",
    "all_envs",
    "env_entry",
    "families",
    "family_of",
    "load_object",
]

ENTRY_POINT_GROUP = "rewardgym.families"
_DTYPES = ("bool", "int64", "float32", "float64", "str")


class FamilyWarning(UserWarning):
    """A third-party family (``rewardgym.families`` entry point) could not be loaded and was skipped."""


@dataclass(frozen=True)
class InfoField:
    """One key of an env's ``info`` dict: the contract rewards, checkers and reward synthesis rely on.

    Attributes:
        name: the ``info`` key.
        dtype: ``"bool"``, ``"int64"``, ``"float32"``, ``"float64"`` or ``"str"`` (Python scalars count as
            their NumPy dtype: ``int`` is ``int64``, ``float`` is ``float64``).
        shape: array shape; ``()`` for a scalar.
        meaning: what the value says, in words (shown to the reward designer).
    """

    name: str
    dtype: str
    shape: tuple[int, ...] = ()
    meaning: str = ""

    def __post_init__(self) -> None:
        if self.dtype not in _DTYPES:
            raise FamilyError(f"info field {self.name!r}: dtype {self.dtype!r} is not one of {_DTYPES}")

    def mismatch(self, value: Any) -> str | None:
        """Why ``value`` breaks this field's contract, or None when it conforms."""
        if self.dtype == "str":
            return None if isinstance(value, str) else f"expected str, got {type(value).__name__}"
        import numpy as np

        arr = np.asarray(value)
        if arr.dtype.kind in "OUS":
            return f"expected {self.dtype}, got {type(value).__name__}"
        if str(arr.dtype) != self.dtype:
            return f"expected dtype {self.dtype}, got {arr.dtype}"
        if tuple(arr.shape) != tuple(self.shape):
            return f"expected shape {tuple(self.shape)}, got {tuple(arr.shape)}"
        return None

    def describe(self) -> str:
        """One line: ``info['name']`` (dtype, shape): meaning."""
        shape = "scalar" if not self.shape else f"shape {tuple(self.shape)}"
        return f"info[{self.name!r}] ({self.dtype}, {shape}): {self.meaning}"


@dataclass(frozen=True)
class EnvEntry:
    """One environment of a family.

    Attributes:
        id: the Gymnasium id (``"rewardgym/Maze-v0"``) or, for PettingZoo envs, the name ``make`` takes.
        entry_point: ``"module:attr"`` building the env (a class, or PettingZoo's ``parallel_env``).
        doc: one line for ``rewardgym list``.
        api: ``"gymnasium"`` (registered with Gymnasium) or ``"pettingzoo"`` (a ``ParallelEnv``).
        vector_entry_point: ``"module:Class"`` of a natively batched version, if any.
        kwargs: default constructor kwargs.
        max_episode_steps: Gymnasium's ``TimeLimit`` (None: the env ends episodes itself).
        observation: what an observation holds, in words (shown to the reward designer).
        action: what an action means, in words.
        task: the task sentence reward synthesis gives the LLM (None: the user must say it).
        success_key: the ``info`` flag that means the task was solved.
        info: the ``info`` contract: keys every ``step`` (and ``reset``) reports.
        check_kwargs: kwargs the shipped checkers make the env with (e.g. a daemon-free sandbox).
    """

    id: str
    entry_point: str
    doc: str = ""
    api: Literal["gymnasium", "pettingzoo"] = "gymnasium"
    vector_entry_point: str | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    max_episode_steps: int | None = None
    observation: str = ""
    action: str = ""
    task: str | None = None
    success_key: str | None = "success"
    info: tuple[InfoField, ...] = ()
    check_kwargs: Mapping[str, Any] = field(default_factory=dict)

    def info_field(self, name: str) -> InfoField:
        """The declared field ``name``; raises :class:`FamilyError` when the contract has none."""
        for f in self.info:
            if f.name == name:
                return f
        raise FamilyError(f"{self.id} declares no info field {name!r}; it declares {[f.name for f in self.info]}")

    def check_info(self, info: Mapping[str, Any]) -> list[str]:
        """Every way ``info`` breaks the declared contract (empty when it conforms)."""
        problems = []
        for f in self.info:
            if f.name not in info:
                problems.append(f"info[{f.name!r}] missing")
            elif (why := f.mismatch(info[f.name])) is not None:
                problems.append(f"info[{f.name!r}]: {why}")
        return problems

    def make(self, **kwargs: Any) -> Any:
        """Build the env (``gymnasium.make`` for Gymnasium envs, the entry point for PettingZoo ones)."""
        if self.api == "gymnasium":
            import gymnasium as gym

            return gym.make(self.id, **kwargs)
        return load_object(self.entry_point)(**{**dict(self.kwargs), **kwargs})


@dataclass(frozen=True)
class Command:
    """A ``rewardgym`` sub-command a family adds.

    Attributes:
        name: the sub-command (``rewardgym <name> ...``).
        module: module with ``register_commands(subparsers)``, imported only when the command runs or its
            own ``--help`` is asked for.
        help: one line for ``rewardgym --help`` (read without importing ``module``).
    """

    name: str
    module: str
    help: str


@dataclass(frozen=True)
class Family:
    """Everything one family adds to rewardgym, as data.

    Attributes:
        name: short name (the package name for built-in families).
        doc: one line describing the family.
        envs: its environments.
        rewards: modules whose import registers its rewards (``@register_reward``).
        commands: its ``rewardgym`` sub-commands.
        experiments: ``"module:function"`` names, each returning a
            :class:`~rewardgym.reproduce.experiments.Experiment` for ``rewardgym reproduce``.
    """

    name: str
    doc: str = ""
    envs: tuple[EnvEntry, ...] = ()
    rewards: tuple[str, ...] = ()
    commands: tuple[Command, ...] = ()
    experiments: tuple[str, ...] = ()


def load_object(ref: str) -> Any:
    """Import ``"module:attr"`` (or a module for ``"module"``)."""
    module, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


_FAMILIES: dict[str, Family] | None = None


def _as_family(obj: Any, where: str) -> Family:
    if isinstance(obj, ModuleType):
        obj = getattr(obj, "FAMILY", None)
    if not isinstance(obj, Family):
        raise FamilyError(f"{where} must define FAMILY = rewardgym.family.Family(...), got {type(obj).__name__}")
    return obj


def _builtin() -> list[Family]:
    import rewardgym.envs as envs_pkg

    out = []
    for info in sorted(pkgutil.iter_modules(envs_pkg.__path__), key=lambda m: m.name):
        if not info.ispkg or info.name.startswith("_"):
            continue
        module = f"rewardgym.envs.{info.name}.family"
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                raise FamilyError(f"rewardgym.envs.{info.name} is a family folder without {module}") from None
            raise
        out.append(_as_family(mod, module))
    return out


def _third_party() -> list[Family]:
    from importlib.metadata import entry_points

    out = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            out.append(_as_family(ep.load(), f"entry point {ep.name} = {ep.value}"))
        except Exception as exc:  # a broken plugin must not take the whole tool down
            warnings.warn(
                f"skipping rewardgym family {ep.name!r} ({ep.value}): {type(exc).__name__}: {exc}",
                FamilyWarning,
                stacklevel=3,
            )
    return out


def families(*, reload: bool = False) -> Mapping[str, Family]:
    """Every family by name: the built-in ones, then third-party ones (cached after the first call).

    Args:
        reload: discover them again (e.g. after installing a family package in a running process).

    Raises:
        FamilyError: a built-in family folder is missing its declaration, or two families claim one name
            or one env id.
    """
    global _FAMILIES
    if _FAMILIES is None or reload:
        found: dict[str, Family] = {}
        ids: dict[str, str] = {}
        for fam in _builtin() + _third_party():
            if fam.name in found:
                raise FamilyError(f"two families are named {fam.name!r}")
            for env in fam.envs:
                if env.id in ids:
                    raise FamilyError(f"env {env.id!r} is declared by families {ids[env.id]!r} and {fam.name!r}")
                ids[env.id] = fam.name
            found[fam.name] = fam
        _FAMILIES = found
    return _FAMILIES


def all_envs(api: str | None = None) -> dict[str, EnvEntry]:
    """``{env id: entry}`` over every family (only ``api="gymnasium"`` / ``"pettingzoo"`` ones if given)."""
    return {e.id: e for f in families().values() for e in f.envs if api is None or e.api == api}


def family_of(env_id: str) -> Family:
    """The family declaring ``env_id``; raises :class:`FamilyError` with close matches when none does."""
    for fam in families().values():
        if any(e.id == env_id for e in fam.envs):
            return fam
    raise FamilyError(f"no family declares env {env_id!r}{suggest(env_id, all_envs())}")


def env_entry(env_id: str) -> EnvEntry:
    """The :class:`EnvEntry` of ``env_id``; raises :class:`FamilyError` with close matches when unknown."""
    entry = all_envs().get(env_id)
    if entry is None:
        raise FamilyError(f"no family declares env {env_id!r}{suggest(env_id, all_envs())}")
    return entry


def suggest(word: str, choices: Any) -> str:
    """``"; did you mean 'x'?"`` for close matches of ``word`` among ``choices`` (empty when none)."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=3, cutoff=0.5)
    return f"; did you mean {', '.join(map(repr, close))}?" if close else ""


def register_envs() -> None:
    """Register every family's Gymnasium envs (idempotent; string entry points, nothing imported)."""
    import gymnasium as gym

    for entry in all_envs("gymnasium").values():
        if entry.id in gym.registry:
            continue
        gym.register(
            id=entry.id,
            entry_point=entry.entry_point,
            vector_entry_point=entry.vector_entry_point,
            max_episode_steps=entry.max_episode_steps,
            kwargs=dict(entry.kwargs),
        )


_REWARDS_LOADED = False


def load_rewards() -> None:
    """Import every family's reward modules (idempotent); a third-party failure warns, a built-in one raises."""
    global _REWARDS_LOADED
    if _REWARDS_LOADED:
        return
    _REWARDS_LOADED = True
    for fam in families().values():
        for module in fam.rewards:
            if module.startswith("rewardgym."):
                importlib.import_module(module)
                continue
            try:
                importlib.import_module(module)
            except Exception as exc:
                warnings.warn(f"skipping rewards of family {fam.name!r} ({module}): {exc}", FamilyWarning, stacklevel=2)
