"""Parameterised task generation for the web apps (AndroidWorld / WebShop style).

A :class:`TaskFamily` per app samples goal parameters from the app's world ("buy 2 navy linen shirts in
size M under $40"), writes the natural-language goal, and grades an outcome attribute by attribute. The
:class:`TaskGenerator` turns a seed into a :class:`WebTask`: unlimited seeded variations, and a
train/test split decided by a stable hash of each task's *split key* (for the shop: the
category/colour/material combination), so no test task's key ever occurs in training.

Example:
    >>> gen = TaskGenerator("shop")
    >>> task = gen.sample(seed=3, split="test")
    >>> task.split, task.app
    ('test', 'shop')
    >>> gen.split_of(task) == "test" and gen.sample(seed=3, split="test") == task
    True
"""

from __future__ import annotations

import hashlib
import json
import random
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rewardgym.envs.web.apps.site import App
from rewardgym.errors import EnvConfigError

__all__ = ["APPS", "SPLITS", "TaskFamily", "TaskGenerator", "WebTask", "normalize", "task_family"]

APPS = ("shop", "booking", "mail")
SPLITS = ("train", "test")


def normalize(text: Any) -> str:
    """Lower-case, whitespace-collapsed, trailing punctuation stripped: how text fields are compared."""
    return " ".join(str(text or "").lower().split()).strip(" .!")


@dataclass(frozen=True)
class WebTask:
    """One task: the goal shown to the agent and the parameters it is graded against.

    Attributes:
        app: ``shop``, ``booking`` or ``mail``.
        kind: the task template (``buy``, ``book``, ``send``, ``reply``, ``archive``, ``lookup``).
        goal: the natural-language instruction.
        params: the sampled parameters (JSON-compatible).
        start_url: the page the episode starts on.
        split: ``train`` or ``test``.
        seed: the seed it was generated from.
    """

    app: str
    kind: str
    goal: str
    params: Mapping[str, Any] = field(compare=True, hash=False)
    start_url: str = "/"
    split: str = "train"
    seed: int = 0

    def to_json(self) -> str:
        """Canonical JSON (what envs put in ``info["web_task"]``)."""
        return json.dumps(
            {
                "app": self.app,
                "kind": self.kind,
                "goal": self.goal,
                "params": dict(self.params),
                "start_url": self.start_url,
                "split": self.split,
                "seed": self.seed,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | Mapping[str, Any]) -> WebTask:
        """Inverse of :meth:`to_json` (also accepts the decoded dict)."""
        d = json.loads(text) if isinstance(text, str) else dict(text)
        return cls(
            app=d["app"],
            kind=d["kind"],
            goal=d["goal"],
            params=d["params"],
            start_url=d["start_url"],
            split=d["split"],
            seed=int(d["seed"]),
        )


class TaskFamily(ABC):
    """The tasks of one app: sampling, goal text, split key, grading and a scripted expert."""

    app: str = ""

    def __init__(self, world: App) -> None:
        self.world = world

    @abstractmethod
    def sample(self, rng: random.Random) -> tuple[str, dict[str, Any]]:
        """Draw ``(kind, params)``."""

    @abstractmethod
    def split_key(self, kind: str, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """What must never be shared between train and test tasks."""

    @abstractmethod
    def goal(self, kind: str, params: Mapping[str, Any]) -> str:
        """The instruction for ``params``."""

    def start_url(self, kind: str, params: Mapping[str, Any]) -> str:
        """Where an episode starts (the app's home page by default)."""
        return f"/{self.app}/"

    @staticmethod
    @abstractmethod
    def checks(kind: str, params: Mapping[str, Any], outcome: Mapping[str, Any]) -> dict[str, bool]:
        """Grade an outcome (``server outcome + {"answer": ...}``) attribute by attribute.

        A pure function of JSON data, so rewards can recompute it from ``infos`` alone.
        """

    @abstractmethod
    def expert(self, task: WebTask) -> Any:
        """A scripted policy ``obs -> action`` that solves ``task`` from the text observation."""


def task_family(app: str, world: App) -> TaskFamily:
    """The :class:`TaskFamily` of ``app`` over ``world``."""
    from rewardgym.envs.web.tasks.booking import BookingTasks
    from rewardgym.envs.web.tasks.mail import MailTasks
    from rewardgym.envs.web.tasks.shop import ShopTasks

    families: dict[str, type[TaskFamily]] = {"shop": ShopTasks, "booking": BookingTasks, "mail": MailTasks}
    if app not in families:
        raise EnvConfigError(f"app must be one of {sorted(families)}, got {app!r}")
    return families[app](world)


def family_checks(app: str) -> Any:
    """The pure grading function of ``app`` (no world needed)."""
    from rewardgym.envs.web.tasks.booking import BookingTasks
    from rewardgym.envs.web.tasks.mail import MailTasks
    from rewardgym.envs.web.tasks.shop import ShopTasks

    return {"shop": ShopTasks, "booking": BookingTasks, "mail": MailTasks}[app].checks


class TaskGenerator:
    """Seeded tasks of one app with a hash-based train/test split.

    Args:
        app: ``shop``, ``booking`` or ``mail``.
        world_seed: the app world the tasks refer to (must match the env's).
        test_fraction: share of split keys reserved for the test split.
        world: an already built app world (avoids building it twice).
    """

    def __init__(
        self, app: str, world_seed: int = 0, *, test_fraction: float = 0.2, world: App | None = None
    ) -> None:
        from rewardgym.envs.web.apps.server import app_class

        if app not in APPS:
            raise EnvConfigError(f"app must be one of {list(APPS)}, got {app!r}")
        if not 0.0 < test_fraction < 1.0:
            raise EnvConfigError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
        self.app = app
        self.world = world if world is not None else app_class(app)(world_seed)
        self.family = task_family(app, self.world)
        self.test_fraction = float(test_fraction)

    def split_of_key(self, key: tuple[Any, ...]) -> str:
        """``train`` or ``test`` for a split key (stable across processes and Python versions)."""
        digest = hashlib.blake2b(repr((self.app, key)).encode(), digest_size=8).digest()
        return "test" if int.from_bytes(digest, "big") % 10_000 < self.test_fraction * 10_000 else "train"

    def split_of(self, task: WebTask) -> str:
        """The split a task's key falls in."""
        return self.split_of_key(self.family.split_key(task.kind, task.params))

    def sample(self, seed: int, split: str = "train") -> WebTask:
        """The task for ``seed`` in ``split`` (deterministic)."""
        if split not in SPLITS:
            raise EnvConfigError(f"split must be one of {list(SPLITS)}, got {split!r}")
        rng = random.Random(f"{self.app}/{split}/{int(seed)}")
        for _ in range(10_000):
            kind, params = self.family.sample(rng)
            if self.split_of_key(self.family.split_key(kind, params)) == split:
                return WebTask(
                    app=self.app,
                    kind=kind,
                    goal=self.family.goal(kind, params),
                    params=params,
                    start_url=self.family.start_url(kind, params),
                    split=split,
                    seed=int(seed),
                )
        raise EnvConfigError(
            f"could not sample a {split!r} task for {self.app!r}; is test_fraction too extreme?"
        )

    def tasks(self, n: int, split: str = "train", start_seed: int = 0) -> list[WebTask]:
        """``n`` tasks from consecutive seeds."""
        return [self.sample(start_seed + i, split) for i in range(n)]

    def expert(self, task: WebTask) -> Any:
        """The scripted expert policy for ``task``."""
        return self.family.expert(task)
