"""The web/* rewards: registry contract, partial credit per attribute, NaN on other apps, clear failures."""

from __future__ import annotations

import json

import pytest
import torch

import rewardgym
from rewardgym.envs.web.rewards import WebOutcomeReward, example_batch
from rewardgym.envs.web.tasks.generator import TaskGenerator
from rewardgym.errors import RewardComputationError, RewardSpecError
from rewardgym.testing import check_reward_fn
from rewardgym.types import Episodes, Transitions

NAMES = ["web/outcome-v0", "web/success-v0", "web/shop-order-v0", "web/booking-form-v0", "web/mail-v0"]


@pytest.fixture(scope="module")
def batches() -> dict[str, Transitions]:
    return {app: example_batch(app) for app in ("shop", "booking", "mail")}


def test_registered_with_examples() -> None:
    listed = rewardgym.list_rewards("web/")
    assert set(NAMES) <= set(listed)
    for name in NAMES:
        assert rewardgym.reward_registry()[name].example is not None


@pytest.mark.parametrize("name", NAMES)
def test_check_reward_fn_on_every_app(name: str, batches: dict[str, Transitions]) -> None:
    reward = rewardgym.make_reward(name)
    for batch in batches.values():
        check_reward_fn(reward, batch)


def test_example_batches_have_full_partial_and_zero_rewards(batches: dict[str, Transitions]) -> None:
    batch = batches["shop"]
    final = batch.terminated | batch.truncated
    scores = rewardgym.make_reward("web/outcome-v0")(batch)
    assert torch.equal(scores, batch.env_reward), "the env's reward is the registered reward"
    assert scores[final].max() == 1.0 and (scores[~final] == 0).all()
    assert 0.0 < scores[final].min() < 1.0, "another task's expert earns partial credit"


def _episode(task, outcome: dict) -> Episodes:
    return Episodes.from_rows(
        prompts=[task.goal],
        completions=[""],
        infos=[{"web_task": task.to_json(), "web_outcome": json.dumps(outcome)}],
    )


def test_shop_partial_credit_per_attribute() -> None:
    task = TaskGenerator("shop").sample(4)
    p = task.params
    item = {
        "id": "P1",
        "name": "x",
        "category": p["category"],
        "color": p["color"],
        "material": p["material"],
        "price": p["max_price"] - 1,
        "size": p["size"],
        "qty": p["qty"],
    }
    order = {
        "number": 1,
        "items": [item],
        "name": p["name"],
        "address": p["address"],
        "shipping": p["shipping"],
    }
    shop = rewardgym.make_reward("web/shop-order-v0")
    assert shop(_episode(task, {"orders": [order]})).item() == 1.0
    wrong = dict(item, color="purple", price=p["max_price"] + 5)
    assert shop(_episode(task, {"orders": [dict(order, items=[wrong])]})).item() == pytest.approx(8 / 10)
    two = dict(order, items=[item, wrong])  # buying extra items costs the "one item" check
    assert shop(_episode(task, {"orders": [two]})).item() == pytest.approx(9 / 10)
    assert shop(_episode(task, {"orders": []})).item() == 0.0
    assert rewardgym.make_reward("web/success-v0")(_episode(task, {"orders": [two]})).item() == 0.0


def test_booking_form_fields() -> None:
    task = TaskGenerator("booking").sample(7)
    booking = {
        k: task.params[k]
        for k in (
            "hotel",
            "room",
            "checkin",
            "checkout",
            "guests",
            "bed",
            "breakfast",
            "first_name",
            "last_name",
            "email",
            "phone",
            "requests",
        )
    }
    form = rewardgym.make_reward("web/booking-form-v0")
    assert form(_episode(task, {"bookings": [booking]})).item() == 1.0
    typo = dict(booking, email="someone@else.example", breakfast=not booking["breakfast"])
    assert form(_episode(task, {"bookings": [typo]})).item() == pytest.approx(10 / 12)
    shouting = dict(
        booking, first_name=booking["first_name"].upper() + " "
    )  # text compares case-insensitively
    assert form(_episode(task, {"bookings": [shouting]})).item() == 1.0


def test_mail_checks() -> None:
    gen = TaskGenerator("mail")
    tasks = {t.kind: t for t in gen.tasks(60)}
    mail = rewardgym.make_reward("web/mail-v0")
    look = tasks["lookup"]
    assert mail(_episode(look, {"answer": f" {look.params['answer']}. "})).item() == 1.0
    assert mail(_episode(look, {"answer": "no idea"})).item() == 0.0
    arch = tasks["archive"]
    target = {"id": arch.params["message_id"], "subject": "s", "folder": "archive"}
    other = {"id": arch.params["message_id"] % 100 + 1, "subject": "t", "folder": "archive"}
    assert mail(_episode(arch, {"moved": [target], "sent": []})).item() == 1.0
    assert mail(_episode(arch, {"moved": [target, other], "sent": []})).item() == 0.5
    assert mail(_episode(arch, {"moved": [], "sent": []})).item() == 0.0, "doing nothing earns nothing"
    rep = tasks["reply"]
    sent = {
        "to": rep.params["to"],
        "subject": f"Re: {rep.params['subject']}",
        "body": rep.params["body"],
        "reply_to": rep.params["message_id"],
    }
    assert mail(_episode(rep, {"sent": [sent], "moved": []})).item() == 1.0
    assert mail(_episode(rep, {"sent": [dict(sent, reply_to=None)], "moved": []})).item() == 0.75


def test_nan_for_rows_of_other_apps_and_mixed_batches(batches: dict[str, Transitions]) -> None:
    mixed = Transitions.concat([batches["shop"], batches["mail"]])
    n_shop = len(batches["shop"])
    shop = rewardgym.make_reward("web/shop-order-v0")(mixed)
    assert not shop[:n_shop].isnan().any() and shop[n_shop:].isnan().all()
    assert not rewardgym.make_reward("web/outcome-v0")(mixed).isnan().any()


def test_terminal_only_false_scores_every_step(batches: dict[str, Transitions]) -> None:
    batch = batches["booking"]
    dense = rewardgym.make_reward("web/outcome-v0", terminal_only=False)(batch)
    final = batch.terminated | batch.truncated
    assert dense[final].tolist() == rewardgym.make_reward("web/outcome-v0")(batch)[final].tolist()
    assert (dense[~final] == 0).all(), "no booking exists before the final step"


def test_failures_are_loud() -> None:
    batch = Transitions.from_rows(
        obs=["a"], action=["b"], next_obs=["c"], terminated=[True], infos=[{"x": 1}]
    )
    with pytest.raises(RewardComputationError, match="web_task"):
        rewardgym.make_reward("web/outcome-v0")(batch)
    broken = Transitions.from_rows(
        obs=["a"],
        action=["b"],
        next_obs=["c"],
        terminated=[True],
        infos=[{"web_task": "{not json", "web_outcome": "{}"}],
    )
    with pytest.raises(RewardComputationError, match="web/outcome-v0"):
        rewardgym.make_reward("web/outcome-v0")(broken)
    with pytest.raises(RewardSpecError, match="app must be one of"):
        WebOutcomeReward("bank")
