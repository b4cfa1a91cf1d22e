"""Rewards of the web envs, recomputed from the server state each step reports in ``infos``.

Every web env step puts ``infos["web_task"]`` (the task's JSON) and ``infos["web_outcome"]`` (what the
site recorded for the session: orders, bookings, sent and moved mail, plus the final answer). These
rewards grade that record with the app's checks, so they score any batch of web transitions or episodes
without the env or the server:

- ``web/outcome-v0``: share of the task's checks passed (partial credit), any app;
- ``web/success-v0``: 1 when every check passes;
- ``web/shop-order-v0``: the shop order's attributes (category, colour, material, size, price, quantity,
  name, address, shipping), NaN on rows of other apps;
- ``web/booking-form-v0``: the submitted booking form's fields, NaN on other apps;
- ``web/mail-v0``: the mail task's checks (answer, recipient, subject, body, moved message), NaN elsewhere.

On :class:`~rewardgym.types.Transitions` the reward is given on the step that ends the episode
(``terminal_only=True``, the default) and is 0 before; every :class:`~rewardgym.types.Episodes` row is final.
:meth:`WebEnv.episode() <rewardgym.envs.web.env.WebEnv.episode>` gives the ``Episodes`` row that these
rewards and LLM judges both score.

Example:
    >>> import rewardgym
    >>> batch = example_batch("shop")
    >>> scores = rewardgym.make_reward("web/outcome-v0")(batch)
    >>> float(scores.max()), bool((scores[~(batch.terminated | batch.truncated)] == 0).all())
    (1.0, True)
"""

from __future__ import annotations

import json
from typing import Any

import torch

from rewardgym.envs.web.tasks.generator import APPS, family_checks
from rewardgym.errors import RewardComputationError, RewardSpecError
from rewardgym.rewards.base import Reward
from rewardgym.rewards.registry import register_reward
from rewardgym.types import Episodes, Transitions

__all__ = ["WebOutcomeReward", "example_batch"]


def _column(batch: Transitions | Episodes, key: str) -> list[Any]:
    infos = batch.infos
    if key not in infos:
        raise RewardComputationError(
            f"web rewards need infos[{key!r}] (reported by the rewardgym/Web*-v0 envs); "
            "the batch's infos have "
            f"{sorted(infos)}"
        )
    col = infos[key]
    return list(col) if not isinstance(col, torch.Tensor) else col.tolist()


class WebOutcomeReward(Reward):
    """Grade web outcomes from ``infos`` with the app's checks.

    Args:
        app: only score rows of this app (others get NaN); None scores every app.
        binary: 1/0 success instead of the share of checks passed.
        terminal_only: on Transitions, score only rows where the episode ended (0 elsewhere).
    """

    batch_type = None

    def __init__(self, app: str | None = None, *, binary: bool = False, terminal_only: bool = True) -> None:
        if app is not None and app not in APPS:
            raise RewardSpecError(f"app must be one of {list(APPS)} or None, got {app!r}")
        self.app, self.binary, self.terminal_only = app, bool(binary), bool(terminal_only)
        self.may_return_nan = app is not None

    def score(self, batch: Transitions | Episodes) -> torch.Tensor:
        n = len(batch)
        if n == 0:
            return torch.zeros(0, dtype=torch.float32, device=batch.device)
        tasks, outcomes = _column(batch, "web_task"), _column(batch, "web_outcome")
        if isinstance(batch, Transitions) and self.terminal_only:
            final = (batch.terminated | batch.truncated).tolist()
        else:
            final = [True] * n
        out = []
        for task_json, outcome_json, done in zip(tasks, outcomes, final):
            task = json.loads(task_json)
            if self.app is not None and task["app"] != self.app:
                out.append(float("nan"))
                continue
            if not done:
                out.append(0.0)
                continue
            checks = family_checks(task["app"])(task["kind"], task["params"], json.loads(outcome_json))
            passed = [bool(v) for v in checks.values()]
            out.append(float(all(passed)) if self.binary else sum(passed) / max(1, len(passed)))
        return torch.tensor(out, dtype=torch.float32, device=batch.device)


def example_batch(app: str = "shop", *, seed: int = 0) -> Transitions:
    """A small Transitions batch from the ``http`` backend: one expert episode (reward 1), one episode
    where the expert of *another* task acts (partial credit), and a few random steps.

    Used as the registered rewards' ``example=`` batch.
    """
    from rewardgym.envs.web.env import WebEnv
    from rewardgym.envs.web.policies import RandomPolicy

    rows: dict[str, list[Any]] = {
        k: [] for k in ("obs", "action", "next_obs", "env_reward", "terminated", "truncated", "infos")
    }
    env = WebEnv(app, max_steps=25)
    try:
        for episode in range(3):
            obs, _ = env.reset(seed=seed + episode)
            if episode == 0:
                policy: Any = env.generator.expert(env.task)
            elif episode == 1:
                policy = env.generator.expert(env.generator.sample(seed + 1000, "train"))
            else:
                policy = RandomPolicy(seed)
            for _ in range(8 if episode == 2 else env.max_steps):
                action = policy(obs)
                nxt, reward, term, trunc, info = env.step(action)
                for k, v in zip(rows, (obs["page"], action, nxt["page"], reward, term, trunc, info)):
                    rows[k].append(v)
                obs = nxt
                if term or trunc:
                    break
    finally:
        env.close()
    return Transitions.from_rows(**rows)


def _example(app: str) -> Any:
    return lambda: example_batch(app)


@register_reward("web/outcome-v0", example=_example("shop"))
def outcome_reward(terminal_only: bool = True) -> WebOutcomeReward:
    """Share of the web task's checks that the site's final state passes (partial credit), any app."""
    return WebOutcomeReward(None, terminal_only=terminal_only)


@register_reward("web/success-v0", example=_example("mail"))
def success_reward(terminal_only: bool = True) -> WebOutcomeReward:
    """1 when the site's final state passes every check of the web task, else 0."""
    return WebOutcomeReward(None, binary=True, terminal_only=terminal_only)


@register_reward("web/shop-order-v0", example=_example("shop"))
def shop_order_reward(terminal_only: bool = True) -> WebOutcomeReward:
    """Partial credit per attribute of the placed shop order (NaN on other apps' rows)."""
    return WebOutcomeReward("shop", terminal_only=terminal_only)


@register_reward("web/booking-form-v0", example=_example("booking"))
def booking_form_reward(terminal_only: bool = True) -> WebOutcomeReward:
    """Share of the booking form's fields submitted with the requested values (NaN on other apps' rows)."""
    return WebOutcomeReward("booking", terminal_only=terminal_only)


@register_reward("web/mail-v0", example=_example("mail"))
def mail_reward(terminal_only: bool = True) -> WebOutcomeReward:
    """Checks of the mail task: answer, recipient, subject, body, moved message (NaN on other apps' rows)."""
    return WebOutcomeReward("mail", terminal_only=terminal_only)
