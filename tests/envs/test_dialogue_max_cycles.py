"""PettingZoo's ``max_cycles`` convention: the dialogue envs accept it as ``max_turns`` and pass ``max_cycles_test``."""

from __future__ import annotations

import pytest

pytest.importorskip("pettingzoo", reason="pip install 'rewardgym[multiagent]'")

from pettingzoo.test import max_cycles_test

from rewardgym.envs import dialogue
from rewardgym.envs.dialogue import negotiation, referential, support
from rewardgym.errors import EnvConfigError

MODULES = [negotiation, referential, support]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_pettingzoo_max_cycles_test(module) -> None:
    max_cycles_test(module)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_max_cycles_is_max_turns(module) -> None:
    assert module.parallel_env(max_cycles=3).max_turns == 3
    assert module.env(max_cycles=5).unwrapped.max_turns == 5
    assert module.parallel_env(max_cycles=6, max_turns=6).max_turns == 6
    with pytest.raises(EnvConfigError, match="max_cycles"):
        module.parallel_env(max_cycles=3, max_turns=4)


def test_registry_make_takes_max_cycles() -> None:
    env = dialogue.make("negotiation-v0", max_cycles=2)
    env.reset(seed=0)
    for _ in range(2):
        _, _, term, trunc, _ = env.step({a: "hello" for a in env.agents})
    assert all(trunc.values()) and not any(term.values())
