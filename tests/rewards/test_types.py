"""Batch types: construction, row selection, concatenation, column-wise infos."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rewardgym.errors import RewardComputationError
from rewardgym.types import Episodes, Transitions


def make_batch(n: int = 4) -> Transitions:
    return Transitions.from_rows(
        obs=[np.full(3, i, dtype=np.float32) for i in range(n)],
        action=list(range(n)),
        next_obs=[np.full(3, i + 1, dtype=np.float32) for i in range(n)],
        env_reward=[float(i) for i in range(n)],
        terminated=[i == n - 1 for i in range(n)],
        infos=[{"d": i, "name": f"r{i}"} for i in range(n)],
    )


def test_from_rows_stacks_numeric_and_keeps_text() -> None:
    b = make_batch()
    assert len(b) == 4
    assert b.obs.shape == (4, 3) and b.action.tolist() == [0, 1, 2, 3]
    assert b.env_reward.dtype == torch.float32 and b.terminated.dtype == torch.bool
    assert b.infos["name"] == ["r0", "r1", "r2", "r3"]
    assert b.info("d").tolist() == [0.0, 1.0, 2.0, 3.0]


def test_select_and_concat_roundtrip() -> None:
    b = make_batch(5)
    parts = [b.select([i]) for i in range(5)]
    back = Transitions.concat(parts)
    assert torch.equal(back.obs, b.obs) and back.infos["name"] == b.infos["name"]
    sub = b.select([4, 0])
    assert (
        sub.action.tolist() == [4, 0] and sub.infos["name"] == ["r4", "r0"] and sub.terminated.tolist() == [True, False]
    )


@pytest.mark.parametrize(
    "rows",
    [
        [3, 1],
        np.array([3, 1]),
        torch.tensor([3, 1]),
        np.array([False, True, False, True, False]),
        torch.tensor([False, True, False, True, False]),
        slice(1, 4, 2),
    ],
    ids=["list", "ndarray", "tensor", "numpy-mask", "torch-mask", "slice"],
)
def test_select_accepts_indices_masks_and_slices(rows) -> None:
    b = make_batch(5)
    b.infos["grid"] = np.arange(5 * 2 * 2).reshape(5, 2, 2)  # a NumPy info column with extra dimensions
    want = [3, 1] if not (isinstance(rows, slice) or np.asarray(rows).dtype == bool) else [1, 3]
    sub = b.select(rows)
    assert sub.action.tolist() == want and sub.infos["name"] == [f"r{i}" for i in want]
    assert sub.infos["grid"].tolist() == b.infos["grid"][want].tolist() and sub.obs[:, 0].tolist() == want


def test_empty_selection_and_numpy_zero_copy() -> None:
    arr = np.arange(6, dtype=np.float32).reshape(3, 2)
    b = Transitions(
        obs=arr,
        action=np.zeros(3, dtype=np.int64),
        next_obs=arr,
        env_reward=np.zeros(3, np.float32),
        terminated=np.zeros(3, bool),
        truncated=np.zeros(3, bool),
        infos={},
    )
    assert b.obs.data_ptr() == torch.from_numpy(arr).data_ptr()
    assert len(b.select([])) == 0


def test_missing_info_column_is_a_clear_error() -> None:
    with pytest.raises(RewardComputationError, match=r"infos\['distance'\].*\['d', 'name'\]"):
        make_batch().info("distance")


def test_shape_mismatch_rejected() -> None:
    with pytest.raises(ValueError, match=r"shape \(B,\)"):
        Transitions(
            obs=[0, 1],
            action=[0, 1],
            next_obs=[0, 1],
            env_reward=torch.zeros(2),
            terminated=torch.zeros(3, dtype=torch.bool),
            truncated=torch.zeros(2, dtype=torch.bool),
        )


def test_episodes_rows_and_groups() -> None:
    e = Episodes.from_rows(
        prompts=["q1", "q1", "q2"],
        completions=["a", "b", "c"],
        infos=[{"ref": "a"}, {"ref": "a"}, {"ref": "c"}],
        group_ids=[0, 0, 1],
    )
    assert len(e) == 3 and e.group_ids.tolist() == [0, 0, 1]
    sub = e.select([2])
    assert sub.completions == ["c"] and sub.infos["ref"] == ["c"] and sub.group_ids.tolist() == [1]
    with pytest.raises(ValueError, match="same length"):
        Episodes(prompts=["a"], completions=["x", "y"])
