"""Multi-agent dialogue environments (PettingZoo) with verifiable, judge and novelty rewards.

Three envs, each a module exposing ``parallel_env(**kw)`` (a PettingZoo ``ParallelEnv``) and
``env(**kw)`` (its AEC form via ``parallel_to_aec``), with :class:`gymnasium.spaces.Text` observations
and actions, seeded by ``reset(seed=...)``, message-length and turn limits, and malformed messages
answered with feedback in the next observation:

- ``negotiation-v0`` (:mod:`~rewardgym.envs.dialogue.negotiation`): split a pool of items with private
  values via ``PROPOSE {...}`` / ``ACCEPT`` / ``REJECT`` inside free text; reward = agreed value.
- ``support-v0`` (:mod:`~rewardgym.envs.dialogue.support`): comfort a simulated user whose hidden
  emotion score follows the supporter's detected tactics (RLVER-style); MINT-style tactic novelty.
- ``referential-v0`` (:mod:`~rewardgym.envs.dialogue.referential`): a speaker describes a target, a
  listener picks it; reward = 1 for the right pick.

PettingZoo envs are not in Gymnasium's registry; :func:`make` is their registry. Rewards live under
``dialogue/`` in the reward registry (:mod:`~rewardgym.envs.dialogue.rewards`); agents (scripted
policies or any :mod:`rewardgym.llm` backend) in :mod:`~rewardgym.envs.dialogue.agents`; self-play in
:mod:`~rewardgym.envs.dialogue.rollout` and ``rewardgym selfplay``. PettingZoo is the ``multiagent``
extra: ``pip install "rewardgym[multiagent]"``.

Example:
    >>> from rewardgym.envs import dialogue
    >>> spec = {"sum": {"dialogue/emotion-v0": 1.0, "dialogue/tactic-novelty-v0": 0.5}}
    >>> env = dialogue.make("support-v0", reward=spec)
    >>> obs, infos = env.reset(seed=0)
    >>> obs, rewards, term, trunc, infos = env.step({"supporter_0": "That sounds hard. What happened?"})
    >>> sorted(infos["supporter_0"]["reward_terms"])
    ['dialogue/emotion-v0', 'dialogue/tactic-novelty-v0', 'total']
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from typing import Any

from rewardgym.envs.dialogue.family import FAMILY as _FAMILY
from rewardgym.errors import EnvConfigError

__all__ = ["DIALOGUE_ENVS", "list_envs", "make"]

DIALOGUE_ENVS: dict[str, str] = {
    entry.id: entry.entry_point.partition(":")[0] for entry in _FAMILY.envs if entry.api == "pettingzoo"
}
"""Dialogue env name -> module exposing ``parallel_env(**kw)`` and ``env(**kw)`` (from :data:`FAMILY`)."""


def list_envs() -> dict[str, str]:
    """``{name: one-line description}`` of every dialogue env."""
    return {entry.id: entry.doc for entry in _FAMILY.envs if entry.api == "pettingzoo"}


def _module(name: str) -> Any:
    if name not in DIALOGUE_ENVS:
        close = difflib.get_close_matches(str(name), list(DIALOGUE_ENVS), n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise EnvConfigError(f"no dialogue env named {name!r}{hint} (known: {', '.join(DIALOGUE_ENVS)})")
    return importlib.import_module(DIALOGUE_ENVS[name])


def make(name: str, *, aec: bool = False, reward: Any = None, combine: str = "replace", **kwargs: Any) -> Any:
    """Build a dialogue env by name.

    Args:
        name: ``"negotiation-v0"``, ``"support-v0"`` or ``"referential-v0"``.
        aec: return the AEC form (``parallel_to_aec``) instead of the Parallel one.
        reward: optional reward (registered name, :class:`~rewardgym.rewards.base.Reward`, spec dict, or
            ``{agent: reward}``); shorthand for ``rewardgym.wrap(env, reward, combine=combine)``.
        combine: ``"replace"`` the env reward with ``reward``, or ``"add"`` it.
        **kwargs: the env's constructor arguments (``max_cycles``, PettingZoo's name, is ``max_turns``).

    Raises:
        EnvConfigError: unknown name or arguments the env does not take.
        MissingDependencyError: PettingZoo is not installed.
    """
    module = _module(name)
    from rewardgym.envs.dialogue.base import cycles_as_turns

    kwargs = cycles_as_turns(kwargs)
    target = next(
        (
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj) and getattr(obj, "env_id", None) == name
        ),
        None,
    )
    if target is not None:
        params = inspect.signature(target).parameters
        unknown = sorted(set(kwargs) - set(params))
        if unknown:
            raise EnvConfigError(f"{name} does not take {unknown}; its arguments are {list(params)}")
    par = module.parallel_env(**kwargs)
    if reward is not None:
        from rewardgym.rewards.wrappers import wrap

        par = wrap(par, reward, combine=combine)
    if aec:
        from pettingzoo.utils.conversions import parallel_to_aec

        return parallel_to_aec(par)
    return par
