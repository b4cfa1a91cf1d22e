"""Negotiation scenarios: item pools, private values, allocation values and Pareto efficiency.

Pure Python (no PettingZoo): the negotiation rewards use it to re-verify outcomes.

A scenario is a pool of item counts and, for each of two agents, a private non-negative integer value per
item such that the whole pool is worth ``total_value`` to each agent (as in "Deal or No Deal", Lewis et
al. 2017). An allocation maps each item to what one agent takes; the other agent gets the rest.

Example:
    >>> pool = {"books": 2, "hats": 1}
    >>> va, vb = {"books": 3, "hats": 4}, {"books": 0, "hats": 10}
    >>> allocation_value({"books": 2, "hats": 0}, va)
    6
    >>> is_pareto_optimal(pool, va, vb, {"books": 2, "hats": 0})   # a takes the books, b the hat
    True
    >>> is_pareto_optimal(pool, va, vb, {"books": 1, "hats": 1})
    False
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DEFAULT_ITEMS",
    "Scenario",
    "all_allocations",
    "allocation_value",
    "complement",
    "is_pareto_optimal",
    "sample_scenario",
]

DEFAULT_ITEMS: tuple[str, ...] = ("books", "hats", "balls")


@dataclass(frozen=True)
class Scenario:
    """A negotiation problem.

    Attributes:
        pool: item -> count on the table.
        values: agent -> item -> private value of one unit.
        total_value: what the whole pool is worth to each agent.
    """

    pool: dict[str, int]
    values: dict[str, dict[str, int]]
    total_value: int


def allocation_value(allocation: Mapping[str, int], values: Mapping[str, int]) -> int:
    """Value of the items in ``allocation`` under ``values``."""
    return int(sum(int(n) * int(values.get(item, 0)) for item, n in allocation.items()))


def complement(pool: Mapping[str, int], allocation: Mapping[str, int]) -> dict[str, int]:
    """What the other agent gets when one agent takes ``allocation``."""
    return {item: int(n) - int(allocation.get(item, 0)) for item, n in pool.items()}


def all_allocations(pool: Mapping[str, int]) -> Iterator[dict[str, int]]:
    """Every way one agent can take a part of ``pool`` (``prod(count + 1)`` of them)."""
    items = list(pool)
    for counts in itertools.product(*(range(int(pool[i]) + 1) for i in items)):
        yield dict(zip(items, counts))


def is_pareto_optimal(
    pool: Mapping[str, int],
    values_a: Mapping[str, int],
    values_b: Mapping[str, int],
    allocation_a: Mapping[str, int],
) -> bool:
    """Whether no other split makes one agent better off without making the other worse off.

    Args:
        pool: the items on the table.
        values_a: agent a's values; values_b: agent b's values.
        allocation_a: what agent a takes (agent b gets the rest).
    """
    ua = allocation_value(allocation_a, values_a)
    ub = allocation_value(complement(pool, allocation_a), values_b)
    for alt in all_allocations(pool):
        va = allocation_value(alt, values_a)
        vb = allocation_value(complement(pool, alt), values_b)
        if va >= ua and vb >= ub and (va > ua or vb > ub):
            return False
    return True


@functools.lru_cache(maxsize=256)
def _value_vectors(counts: tuple[int, ...], total: int, min_positive: int) -> tuple[tuple[int, ...], ...]:
    ranges = [range(total // c + 1) for c in counts]
    return tuple(
        v
        for v in itertools.product(*ranges)
        if sum(c * x for c, x in zip(counts, v)) == total and sum(x > 0 for x in v) >= min_positive
    )


def sample_scenario(
    rng: np.random.Generator,
    agents: Sequence[str],
    *,
    items: Sequence[str] = DEFAULT_ITEMS,
    total_value: int = 10,
    max_count: int = 4,
    min_items: int = 5,
    max_items: int = 7,
) -> Scenario:
    """Sample a pool and two value functions (uniformly among the valid ones).

    Valid: 1..``max_count`` of each item, ``min_items``..``max_items`` items in all (clipped to what the
    counts allow), the pool worth ``total_value`` to each agent, each agent valuing at least two item types,
    every item wanted by someone, and the two agents' values different (there is something to trade).
    """
    if len(agents) != 2:
        raise ValueError(f"a negotiation has exactly two agents, got {list(agents)}")
    n = len(items)
    lo, hi = min(min_items, n * max_count), min(max_items, n * max_count)
    lo = max(lo, n)
    for _ in range(1000):
        counts = tuple(int(c) for c in rng.integers(1, max_count + 1, size=n))
        if not lo <= sum(counts) <= hi:
            continue
        vectors = _value_vectors(counts, total_value, min(2, n))
        if len(vectors) < 2:
            continue
        a = vectors[int(rng.integers(len(vectors)))]
        b = vectors[int(rng.integers(len(vectors)))]
        if a == b or any(x == 0 and y == 0 for x, y in zip(a, b)):
            continue
        return Scenario(
            pool=dict(zip(items, counts)),
            values={agents[0]: dict(zip(items, a)), agents[1]: dict(zip(items, b))},
            total_value=total_value,
        )
    raise ValueError(
        f"could not sample a valid negotiation for items={list(items)}, total_value={total_value}, "
        f"max_count={max_count}; try a larger total_value or max_count"
    )
