"""Composition: WeightedSum, Gate, Normalize, Clip, Shaping — values, NaN handling, breakdowns, errors."""

from __future__ import annotations

import math

import pytest
import torch

from rewardgym import (
    Clip,
    FunctionReward,
    Gate,
    Normalize,
    PotentialFn,
    RewardSpecError,
    Shaping,
    Transitions,
    WeightedSum,
)
from rewardgym.errors import RewardComputationError
from rewardgym.testing import check_reward_fn


def batch(env_reward, terminated=None, group_ids=None) -> Transitions:
    n = len(env_reward)
    return Transitions.from_rows(
        obs=list(range(n)),
        action=[0] * n,
        next_obs=[i + 1 for i in range(n)],
        env_reward=env_reward,
        terminated=terminated,
        group_ids=group_ids,
    )


env = FunctionReward(lambda b: b.env_reward, name="env", may_return_nan=True)
const = FunctionReward(lambda b: torch.full((len(b),), 0.5), name="half")


def test_weighted_sum_weights_and_metric_only_terms() -> None:
    ws = WeightedSum({"env": env, "half": const, "log": const}, weights={"env": 2.0, "log": 0.0})
    b = batch([1.0, -1.0])
    assert ws(b).tolist() == [2.5, -1.5]
    bd = ws.breakdown(b)
    assert set(bd) == {"env", "half", "log", "total"} and bd["log"].tolist() == [0.5, 0.5]


def test_weighted_sum_nan_skip_and_propagate() -> None:
    b = batch([float("nan"), 1.0])
    assert ws_vals(WeightedSum({"env": env, "half": const}), b) == [0.5, 1.5]
    only_nan = WeightedSum({"env": env})(b).tolist()
    assert math.isnan(only_nan[0]) and only_nan[1] == 1.0
    prop = WeightedSum({"env": env, "half": const}, nan="propagate")(b).tolist()
    assert math.isnan(prop[0]) and prop[1] == 1.5


def test_undocumented_nan_in_a_term_is_caught_and_named() -> None:
    """A NaN-free sum checks its total once instead of every term; a NaN term must still fail, by name."""
    leaky = FunctionReward(lambda b: b.env_reward * 1.0, name="leaky")  # does not document NaN
    b = batch([1.0, float("nan"), 2.0])
    with pytest.raises(RewardComputationError, match=r"NaN for rows \[1\].*NaN in terms \['leaky'\]"):
        WeightedSum({"leaky": leaky, "half": const})(b)
    nested = WeightedSum({"dense": WeightedSum({"leaky": leaky, "half": const}), "bonus": const})
    with pytest.raises(RewardComputationError, match=r"dense/leaky"):
        nested(b)
    with pytest.raises(RewardComputationError, match="'leaky' returned NaN"):  # a metric-only term: checked alone
        WeightedSum({"leaky": leaky, "half": const}, weights={"leaky": 0.0})(b)
    with pytest.raises(RewardComputationError, match="'leaky' returned NaN"):  # next to a NaN-capable term
        WeightedSum({"leaky": leaky, "env": env})(b)
    with pytest.raises(RewardComputationError, match="'leaky' returned NaN"):  # under a Clip
        WeightedSum({"clipped": Clip(leaky, low=0.0), "half": const})(b)


def test_infinities_are_rejected_naming_the_term_and_not_mistaken_for_nan() -> None:
    inf = FunctionReward(lambda b: b.env_reward * 1.0, name="inf")
    total = WeightedSum({"inf": inf, "half": const})
    with pytest.raises(RewardComputationError, match=r"returned ±inf for rows \[0, 1\]; ±inf in terms \['inf'\]"):
        total(batch([float("inf"), float("-inf"), 1.0]))
    with pytest.raises(RewardComputationError, match="'inf' returned ±inf for rows"):
        inf(batch([1.0, float("inf")]))
    metric = WeightedSum({"inf": inf, "half": const}, weights={"inf": 0.0})  # a logged metric is checked too
    with pytest.raises(RewardComputationError, match="'inf' returned ±inf"):
        metric(batch([float("-inf"), 1.0]))
    maybe = FunctionReward(lambda b: b.env_reward * 1.0, name="maybe", may_return_nan=True)
    assert math.isnan(maybe(batch([float("nan"), 1.0]))[0])
    with pytest.raises(RewardComputationError, match="'maybe' returned ±inf"):
        maybe(batch([float("nan"), float("inf")]))


def test_outputs_other_than_float32_are_rejected() -> None:
    for dtype in (torch.float64, torch.int64, torch.bool):
        r = FunctionReward(lambda b, d=dtype: torch.ones(len(b), dtype=d), name="typed")
        with pytest.raises(RewardComputationError, match=f"dtype {dtype}; rewards return float32"):
            r(batch([1.0, 2.0]))


def test_weighted_sum_never_returns_a_term_tensor_as_its_total() -> None:
    breakdown = WeightedSum({"half": const}).breakdown(batch([1.0, 2.0]))
    assert breakdown["total"].tolist() == breakdown["half"].tolist() == [0.5, 0.5]
    assert breakdown["total"].data_ptr() != breakdown["half"].data_ptr()  # callers may modify the total


def ws_vals(r, b):
    return [round(x, 6) for x in r(b).tolist()]


def test_weighted_sum_errors() -> None:
    with pytest.raises(RewardSpecError, match="unknown terms"):
        WeightedSum({"env": env}, weights={"evn": 1.0})
    with pytest.raises(RewardSpecError, match="at least one"):
        WeightedSum({})
    with pytest.raises(RewardSpecError, match="unique"):
        WeightedSum([const, const])


def test_nested_breakdown_names() -> None:
    inner = WeightedSum({"env": env, "half": const})
    outer = WeightedSum({"dense": inner, "bonus": const})
    assert {"dense", "dense/env", "dense/half", "bonus", "total"} == set(outer.breakdown(batch([1.0, 2.0])))


def test_gate_counts_inner_only_where_outcome_passes() -> None:
    outcome = FunctionReward(lambda b: b.terminated.float(), name="outcome")
    dense = FunctionReward(lambda b: torch.full((len(b),), 0.3), name="dense")
    g = Gate(outcome, dense, threshold=0.5, otherwise=-1.0)
    b = batch([0, 0, 0], terminated=[True, False, True])
    assert ws_vals(g, b) == [0.3, -1.0, 0.3]
    assert g.breakdown(b)["gate_passed"].tolist() == [1.0, 0.0, 1.0]


def test_gate_nan_gate_does_not_pass() -> None:
    g = Gate(env, const)
    assert ws_vals(g, batch([float("nan"), 1.0])) == [0.0, 0.5]


def test_clip() -> None:
    assert Clip(env, -1.0, 1.0)(batch([-5.0, 0.25, 7.0])).tolist() == [-1.0, 0.25, 1.0]
    with pytest.raises(RewardSpecError, match="low <= high"):
        Clip(env, 1.0, -1.0)


def test_normalize_batch_excludes_nan() -> None:
    out = Normalize(env, mode="batch")(batch([1.0, float("nan"), 3.0])).tolist()
    assert out[0] == pytest.approx(-1.0, abs=1e-6) and math.isnan(out[1]) and out[2] == pytest.approx(1.0, abs=1e-6)


def test_normalize_group_matches_per_group_loop() -> None:
    torch.manual_seed(0)
    scores = torch.randn(40)
    scores[3] = float("nan")
    gid = torch.randint(0, 6, (40,))
    out = Normalize(env, mode="group")(batch(scores.tolist(), group_ids=gid.tolist()))
    for g in gid.unique():
        sel = (gid == g) & ~torch.isnan(scores)
        x = scores[sel].double()
        ref = (x - x.mean()) / (x.std(unbiased=False) + 1e-8)
        assert torch.allclose(out[sel].double(), ref, atol=1e-5)
    assert math.isnan(out[3].item())
    with pytest.raises(RewardComputationError, match="group_ids"):
        Normalize(env, mode="group")(batch([1.0, 2.0]))


def test_normalize_running_accumulates_and_can_freeze() -> None:
    n = Normalize(env, mode="running")
    n(batch([0.0, 2.0]))
    n(batch([4.0, 6.0]))
    assert n.mean == pytest.approx(3.0) and n.m2 / n.count == pytest.approx(5.0)
    n.update = False
    out = n(batch([3.0]))
    assert out.tolist() == [pytest.approx(0.0, abs=1e-6)] and n.count == 4


def test_normalize_errors() -> None:
    with pytest.raises(RewardSpecError, match="'batch', 'group' or 'running'"):
        Normalize(env, mode="global")
    with pytest.raises(RewardSpecError, match="nothing"):
        Normalize(env, center=False, scale=False)


class Position(PotentialFn):
    def potentials(self, b):
        return b.obs.float(), b.next_obs.float()


def test_shaping_formula_and_terminal_potential_zero() -> None:
    s = Shaping(Position(), gamma=0.9)
    b = batch([0.0, 0.0], terminated=[False, True])  # obs 0->1 and 1->2
    assert ws_vals(s, b) == [0.9 * 1 - 0, 0 - 1]
    with pytest.raises(RewardSpecError, match=r"gamma must be in \[0, 1\]"):
        Shaping(Position(), gamma=1.5)


def test_composites_pass_the_reward_checker() -> None:
    b = batch([0.0, 1.0, 2.0, 0.5], terminated=[False, True, False, False])
    for r in (
        WeightedSum({"env": env, "half": const}),
        Gate(env, const),
        Clip(env, 0.0, 1.0),
        Shaping(Position()),
    ):
        check_reward_fn(r, b)


def test_mixed_sum_scores_each_part_on_its_batch_and_other_composites_reject_it() -> None:
    from rewardgym import EpisodeRewardFn, Episodes, RewardFn, Transitions

    class A(RewardFn):
        def score(self, b):
            return b.env_reward

    class B(EpisodeRewardFn):
        def score(self, b):
            return torch.full((len(b),), 5.0)

    mixed = WeightedSum({"step": A(), "outcome": B()}, weights={"outcome": 2.0})
    assert mixed.mixed and mixed.batch_type is None
    steps = Transitions.from_rows(obs=[0, 0], action=[0, 0], next_obs=[0, 0], env_reward=[1.0, -1.0])
    breakdown = mixed.breakdown(steps)
    assert sorted(breakdown) == ["step", "total"] and breakdown["total"].tolist() == [1.0, -1.0]
    episodes = Episodes.from_rows(prompts=["p"], completions=["c"])
    assert sorted(mixed.breakdown(episodes)) == ["outcome", "total"] and mixed(episodes).tolist() == [10.0]
    with pytest.raises(RewardSpecError, match="per-step and episode"):
        Gate(B(), A())
    with pytest.raises(RewardSpecError, match="mixed sum"):
        Normalize(mixed)
