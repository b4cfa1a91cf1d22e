"""Negotiation: move parsing, scenarios, Pareto efficiency, deal flow and scripted orderings."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rewardgym.envs.dialogue.deals import (
    Scenario,
    all_allocations,
    allocation_value,
    complement,
    is_pareto_optimal,
    sample_scenario,
)
from rewardgym.envs.dialogue.protocol import format_proposal, parse_move

POOL = {"books": 3, "hats": 1, "balls": 2}


@pytest.mark.parametrize(
    ("text", "kind", "proposal"),
    [
        ('PROPOSE {"books": 2, "hats": 1, "balls": 0}', "propose", {"books": 2, "hats": 1, "balls": 0}),
        ("Let me think. PROPOSE {'books': 1, 'balls': 2,}", "propose", {"books": 1, "hats": 0, "balls": 2}),
        ("PROPOSE {books: 3}", "propose", {"books": 3, "hats": 0, "balls": 0}),
        ("PROPOSE books=1, hat=1", "propose", {"books": 1, "hats": 1, "balls": 0}),
        ("PROPOSE 2 books and 1 ball", "propose", {"books": 2, "hats": 0, "balls": 1}),
        ('PROPOSE {"Book": "2", "bals": 1}', "propose", {"books": 2, "hats": 0, "balls": 1}),
        ('REJECT. PROPOSE {"hats": 1}', "propose", {"books": 0, "hats": 1, "balls": 0}),
        ("ok i propose books: 1 hats: 0 balls: 0", "propose", {"books": 1, "hats": 0, "balls": 0}),
        ("ACCEPT", "accept", None),
        ("Sounds good, I accept.", "accept", None),
        ('ACCEPT. Also PROPOSE {"books": 1}', "accept", None),
        ("REJECT", "reject", None),
        ("no, I reject this", "reject", None),
        ("I can't accept that.", "talk", None),
        ("I don't want to accept", "talk", None),
        ("I propose we split things evenly.", "talk", None),
        ("What do you value most?", "talk", None),
    ],
)
def test_parse_move(text, kind, proposal):
    move = parse_move(text, POOL)
    assert move.error is None
    assert move.kind == kind
    assert move.proposal == proposal


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("PROPOSE", "no item counts"),
        ('PROPOSE {"cars": 1}', "unknown item 'cars'"),
        ('PROPOSE {"books": 4}', "0 to 3 books"),
        ('PROPOSE {"books": -1}', "0 to 3 books"),
        ('PROPOSE {"books": 1.5}', "whole number"),
        ('PROPOSE {"books": 1, "book": 2}', "two different counts"),
    ],
)
def test_parse_move_errors_explain_what_was_expected(text, error):
    move = parse_move(text, POOL)
    assert move.kind == "propose" and move.proposal is None
    assert error in move.error


def test_format_proposal_round_trips():
    for alloc in all_allocations(POOL):
        assert parse_move(format_proposal(alloc), POOL).proposal == alloc


def _pareto_brute(pool, va, vb, alloc):
    ua, ub = allocation_value(alloc, va), allocation_value(complement(pool, alloc), vb)
    pairs = [
        (allocation_value(a, va), allocation_value(complement(pool, a), vb)) for a in all_allocations(pool)
    ]
    return not any(x >= ua and y >= ub and (x, y) != (ua, ub) for x, y in pairs)


def test_scenarios_are_valid_and_pareto_matches_definition():
    rng = np.random.default_rng(0)
    for _ in range(30):
        s = sample_scenario(rng, ["a", "b"])
        assert all(1 <= n <= 4 for n in s.pool.values()) and 5 <= sum(s.pool.values()) <= 7
        for agent in ("a", "b"):
            assert allocation_value(s.pool, s.values[agent]) == s.total_value
            assert sum(v > 0 for v in s.values[agent].values()) >= 2
        assert s.values["a"] != s.values["b"]
        assert all(s.values["a"][i] + s.values["b"][i] > 0 for i in s.pool)
        allocs = list(all_allocations(s.pool))
        assert len(allocs) == int(np.prod([n + 1 for n in s.pool.values()]))
        for alloc in allocs[:: max(1, len(allocs) // 12)]:
            assert is_pareto_optimal(s.pool, s.values["a"], s.values["b"], alloc) == _pareto_brute(
                s.pool, s.values["a"], s.values["b"], alloc
            )


SCENARIO = Scenario(
    pool={"books": 2, "hats": 1, "balls": 1},
    values={"agent_0": {"books": 3, "hats": 4, "balls": 0}, "agent_1": {"books": 0, "hats": 2, "balls": 8}},
    total_value=10,
)


def _env(**kw):
    from rewardgym.envs import dialogue

    env = dialogue.make("negotiation-v0", **kw)
    env.reset(seed=0, options={"scenario": SCENARIO, "first": "agent_0"})
    return env


def test_deal_pays_each_agent_its_value_share_and_reports_outcome():
    env = _env()
    env.step({"agent_0": 'PROPOSE {"books": 2, "hats": 1, "balls": 0}'})
    obs, rewards, term, _, infos = env.step({"agent_1": "Deal. ACCEPT"})
    assert rewards == {"agent_0": 1.0, "agent_1": 0.8}
    assert all(term.values()) and env.agents == []
    outcome = json.loads(infos["agent_1"]["outcome"])
    assert outcome["agreed"] and outcome["allocation"]["agent_1"] == {"books": 0, "hats": 0, "balls": 1}
    assert env.metrics()["agreement"] == 1.0 and env.metrics()["pareto_optimal"] == 1.0
    assert "a deal was made" in obs["agent_0"]


def test_non_pareto_deal_is_reported():
    env = _env(normalize=False)
    env.step(
        {"agent_0": 'PROPOSE {"books": 0, "hats": 0, "balls": 1}'}
    )  # agent_0 takes what it does not want
    _, rewards, *_ = env.step({"agent_1": "ACCEPT"})
    assert rewards == {"agent_0": 0.0, "agent_1": 2.0}
    assert env.metrics()["pareto_optimal"] == 0.0


def test_private_values_stay_private_and_offers_are_shown_to_the_receiver():
    env = _env()
    obs, _, _, _, infos = env.step({"agent_0": 'PROPOSE {"books": 2, "hats": 1, "balls": 0}'})
    assert "books=0, hats=2, balls=8" in obs["agent_1"] and "books=3" not in obs["agent_1"]
    assert "you would get 0 books, 0 hats, 1 balls (worth 8 to you)" in obs["agent_1"]
    assert json.loads(infos["agent_1"]["offer"]) == {"books": 0, "hats": 0, "balls": 1}
    assert infos["agent_0"]["offer"] == ""


def test_accept_without_offer_is_malformed_with_feedback():
    env = _env()
    obs, rewards, term, _, infos = env.step({"agent_0": "ACCEPT"})
    assert infos["agent_0"]["malformed"] and "no proposal from agent_1" in infos["agent_0"]["feedback"]
    assert not any(term.values()) and rewards == {"agent_0": 0.0, "agent_1": 0.0}
    assert "Feedback: there is no proposal" in obs["agent_0"]


def test_own_offer_cannot_be_accepted_and_reject_clears_it():
    env = _env()
    env.step({"agent_0": 'PROPOSE {"books": 1}'})
    env.step({"agent_1": "REJECT"})
    assert env.offer is None
    _, _, _, _, infos = env.step({"agent_0": "ACCEPT"})
    assert infos["agent_0"]["malformed"]


def test_no_deal_at_turn_limit_gives_no_deal_reward():
    env = _env(max_turns=2, no_deal_reward=-0.5)
    env.step({"agent_0": "hello"})
    _, rewards, term, trunc, infos = env.step({"agent_1": "hi"})
    assert all(trunc.values()) and not any(term.values())
    assert rewards == {"agent_0": -0.5, "agent_1": -0.5}
    assert json.loads(infos["agent_0"]["outcome"])["agreed"] is False
    assert np.isnan(env.metrics()["pareto_optimal"]) and env.metrics()["agreement"] == 0.0


def _agreement_rate(lineup, episodes=30):
    from rewardgym.envs.dialogue.rollout import selfplay

    records = selfplay("negotiation-v0", lineup, episodes=episodes, seed=0)
    return float(np.mean([r.metrics["agreement"] for r in records]))


def test_fair_negotiators_reach_more_agreements_than_greedy_ones():
    fair_selfplay = _agreement_rate(["fair", "fair"])
    greedy_selfplay = _agreement_rate(["greedy", "greedy"])
    assert fair_selfplay > greedy_selfplay + 0.5
    # Against the same opponent too, in either seat.
    assert _agreement_rate(["fair", "fair"]) > _agreement_rate(["greedy", "fair"])
    assert _agreement_rate(["fair", "greedy"]) > _agreement_rate(["greedy", "greedy"])


def test_scripted_rollouts_never_send_malformed_moves():
    from rewardgym.envs.dialogue.rollout import selfplay, to_transitions

    batch = to_transitions(selfplay("negotiation-v0", ["fair", "greedy"], episodes=10, seed=3))
    assert not batch.info("malformed").any()
