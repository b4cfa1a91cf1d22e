"""Registry: registration, duplicates, unknown names with suggestions, kwargs errors, entry points."""

from __future__ import annotations

import types
from importlib import metadata

import pytest
import torch

import rewardgym
from rewardgym.errors import DuplicateRewardError, RewardSpecError, UnknownRewardError
from rewardgym.rewards import registry
from rewardgym.rewards.base import RewardFn


@pytest.fixture
def clean_registry(monkeypatch):
    """An isolated copy of the registry, restored after the test."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    return registry


class Scaled(RewardFn):
    """env reward times a factor."""

    def __init__(self, factor: float = 1.0) -> None:
        self.factor = factor

    def score(self, batch):
        return batch.env_reward * self.factor


def test_register_and_make(clean_registry) -> None:
    clean_registry.register_reward("test/scaled-v0")(Scaled)
    r = rewardgym.make_reward("test/scaled-v0", factor=3.0)
    assert r.name == "test/scaled-v0" and r.factor == 3.0
    assert rewardgym.list_rewards("test/") == {"test/scaled-v0": "env reward times a factor."}


def test_duplicate_name_raises(clean_registry) -> None:
    clean_registry.register_reward("test/dup-v0")(Scaled)
    with pytest.raises(DuplicateRewardError, match="already registered"):
        clean_registry.register_reward("test/dup-v0")(lambda: Scaled())
    clean_registry.register_reward("test/dup-v0", overwrite=True)(lambda: Scaled(2.0))


@pytest.mark.parametrize("bad", ["noversion", "fam/name", "fam/name-v", "/x-v0", "fam/na me-v0"])
def test_bad_names_rejected(bad: str) -> None:
    with pytest.raises(RewardSpecError, match="family/name-vN"):
        registry.register_reward(bad)


def test_unknown_name_suggests_close_matches(clean_registry) -> None:
    clean_registry.register_reward("test/goal-v0")(Scaled)
    with pytest.raises(UnknownRewardError, match=r"did you mean 'test/goal-v0'"):
        rewardgym.make_reward("test/gaol-v0")


def test_bad_kwargs_name_the_accepted_parameters(clean_registry) -> None:
    clean_registry.register_reward("test/kw-v0")(Scaled)
    with pytest.raises(RewardSpecError, match="accepted parameters: factor"):
        rewardgym.make_reward("test/kw-v0", factr=2.0)


def test_plain_function_factory_is_wrapped(clean_registry) -> None:
    @clean_registry.register_reward("test/plain-v0")
    def plain():
        """doubles the env reward"""
        return lambda batch: batch.env_reward * 2

    r = rewardgym.make_reward("test/plain-v0")
    b = rewardgym.Transitions.from_rows(obs=[0], action=[0], next_obs=[0], env_reward=[2.0])
    assert r(b).tolist() == [4.0]


def test_entry_point_group_registers_third_party_factories(clean_registry, monkeypatch) -> None:
    """Entry points are simulated with importlib.metadata.EntryPoint objects pointing at this module."""
    ep_factory = metadata.EntryPoint(
        name="thirdparty/scaled-v0", value=f"{__name__}:Scaled", group=registry.ENTRY_POINT_GROUP
    )
    ep_module = metadata.EntryPoint(name="thirdparty", value="rewardgym.rewards.base", group=registry.ENTRY_POINT_GROUP)

    def fake_entry_points(*, group):
        assert group == registry.ENTRY_POINT_GROUP
        return [ep_factory, ep_module]

    monkeypatch.setattr(metadata, "entry_points", fake_entry_points)
    monkeypatch.setattr(clean_registry, "_entry_points_loaded", False)
    r = rewardgym.make_reward("thirdparty/scaled-v0", factor=0.5)
    b = rewardgym.Transitions.from_rows(obs=[0], action=[0], next_obs=[0], env_reward=[4.0])
    assert r(b).tolist() == [2.0]
    assert isinstance(ep_module.load(), types.ModuleType)


def test_reward_failure_is_an_error_not_zero() -> None:
    boom = rewardgym.FunctionReward(lambda b: torch.tensor([1.0]) / 0 + [][0], name="boom")
    b = rewardgym.Transitions.from_rows(obs=[0], action=[0], next_obs=[0])
    with pytest.raises(rewardgym.RewardComputationError, match=r"'boom' failed.*IndexError"):
        boom(b)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda b: [0.0] * len(b), "returned list"),
        (lambda b: torch.zeros(len(b), 2), r"shape \(2, 2\); expected \(2,\)"),
        (lambda b: torch.full((len(b),), float("nan")), "NaN for rows"),
    ],
)
def test_output_contract_enforced(fn, match) -> None:
    b = rewardgym.Transitions.from_rows(obs=[0, 1], action=[0, 1], next_obs=[0, 1])
    with pytest.raises(rewardgym.RewardComputationError, match=match):
        rewardgym.FunctionReward(fn, name="bad")(b)


def test_wrong_batch_type_rejected() -> None:
    e = rewardgym.Episodes.from_rows(prompts=["q"], completions=["a"])
    with pytest.raises(rewardgym.RewardComputationError, match="scores Transitions batches, got Episodes"):
        Scaled()(e)
