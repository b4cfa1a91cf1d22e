"""Task generator of the web envs: seeded, varied, with disjoint train/test splits."""

from __future__ import annotations

import pytest

from rewardgym.envs.web.tasks.generator import APPS, TaskGenerator, WebTask
from rewardgym.errors import EnvConfigError


@pytest.fixture(scope="module", params=APPS)
def gen(request) -> TaskGenerator:
    return TaskGenerator(request.param)


def test_same_seed_same_task_and_different_seeds_vary(gen: TaskGenerator) -> None:
    assert gen.sample(5, "train") == gen.sample(5, "train")
    goals = {t.goal for t in gen.tasks(300, "train")}
    # mail tasks about a message are bounded by the mailbox (120 messages per world_seed); the others are not
    assert len(goals) >= (240 if gen.app == "mail" else 295)


def test_world_seed_changes_the_content() -> None:
    a, b = TaskGenerator("mail", 0), TaskGenerator("mail", 1)
    assert {m["subject"] for m in a.world.messages} != {m["subject"] for m in b.world.messages}
    assert a.sample(0).goal != b.sample(0).goal


def test_train_and_test_split_keys_never_overlap(gen: TaskGenerator) -> None:
    train = gen.tasks(400, "train")
    test = gen.tasks(400, "test")
    train_keys = {gen.family.split_key(t.kind, t.params) for t in train}
    test_keys = {gen.family.split_key(t.kind, t.params) for t in test}
    assert train_keys and test_keys
    assert not train_keys & test_keys
    assert {t.goal for t in train}.isdisjoint({t.goal for t in test})
    assert all(gen.split_of(t) == "train" for t in train) and all(gen.split_of(t) == "test" for t in test)


def test_test_fraction_sets_the_share_of_keys(gen: TaskGenerator) -> None:
    keys = {gen.family.split_key(*gen.family.sample(__import__("random").Random(i))) for i in range(2000)}
    share = sum(gen.split_of_key(k) == "test" for k in keys) / len(keys)
    assert 0.1 < share < 0.3


def test_task_json_round_trip(gen: TaskGenerator) -> None:
    task = gen.sample(11, "test")
    again = WebTask.from_json(task.to_json())
    assert again == task and again.goal == task.goal


def test_goal_mentions_the_sampled_parameters() -> None:
    task = TaskGenerator("shop").sample(2, "train")
    p = task.params
    for word in (p["color"], p["material"], str(p["size"]), f"${p['max_price']}", p["name"], p["address"]):
        assert word in task.goal
    booking = TaskGenerator("booking").sample(2, "train")
    for key in ("hotel_name", "city", "checkin", "checkout", "email", "phone"):
        assert str(booking.params[key]) in booking.goal


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(EnvConfigError, match="app must be one of"):
        TaskGenerator("bank")
    with pytest.raises(EnvConfigError, match="split must be one of"):
        TaskGenerator("shop").sample(0, "validation")
    with pytest.raises(EnvConfigError, match="test_fraction"):
        TaskGenerator("shop", test_fraction=1.5)
