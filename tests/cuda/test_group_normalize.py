"""Group normalisation (GRPO advantages): parity with a per-group Python loop and the reference."""

from __future__ import annotations

import math

import pytest
import torch

import rewardgym
from rewardgym.cuda import _library, ops, reference
from rewardgym.cuda.ops import OpInputError
from rewardgym.rewards.base import FunctionReward
from rewardgym.rewards.compose import Normalize
from rewardgym.types import Episodes
from tests.cuda.conftest import DEVICES, close


def python_group_loop(scores: list[float], ids: list[int], mode: str, eps: float) -> torch.Tensor:
    """Statistics of each group's non-NaN scores, in Python floats."""
    members: dict[int, list[float]] = {}
    for x, g in zip(scores, ids):
        if not math.isnan(x):
            members.setdefault(g, []).append(x)
    out = []
    for x, g in zip(scores, ids):
        vals = members.get(g)
        if math.isnan(x) or not vals:
            out.append(math.nan)
            continue
        mean = sum(vals) / len(vals)
        y = x - mean
        if mode == "mean_std":
            y /= math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals)) + eps
        out.append(y)
    return torch.tensor(out, dtype=torch.float64)


def ragged_groups(seed: int, n: int, device: str):
    g = torch.Generator().manual_seed(seed)
    pool = torch.cat(
        [torch.tensor([-(2**62), 2**62 + 5, -1, 0]), torch.randint(-(2**40), 2**40, (12,), generator=g)]
    )
    ids = pool[torch.randint(0, len(pool), (2 * n,), generator=g)][::2]  # ragged, unsorted, non-contiguous
    scores = (torch.randn(2 * n, generator=g) * 3 + 100)[::2]
    scores[torch.rand(n, generator=g) < 0.2] = float("nan")
    if n > 3:
        ids[:2], scores[:2] = 777, float("nan")  # a group of NaNs only
        ids[2] = 12345  # a group of one
    return scores.to(device), ids.to(device)


@pytest.mark.parametrize("n", [0, 1, 2, 7, 64, 1000])
@pytest.mark.parametrize("mode", ["mean_std", "mean"])
def test_equals_per_group_python_loop(device: str, backend: str, n: int, mode: str) -> None:
    for seed in range(3):
        scores, ids = ragged_groups(seed + n, n, device)
        got = ops.group_normalize(scores, ids, mode=mode, eps=1e-6)
        assert got.dtype == torch.float32 and got.device.type == device and got.shape == (n,)
        want = python_group_loop(scores.tolist(), ids.tolist(), mode, 1e-6)
        close(got, want.float())
        close(got, reference.group_normalize(scores.cpu(), ids.cpu(), mode, 1e-6))
        assert torch.equal(torch.isnan(got).cpu(), torch.isnan(want))


def test_nan_scores_are_not_counted(device: str) -> None:
    x = torch.tensor([1.0, float("nan"), 3.0, 5.0], device=device)
    out = ops.group_normalize(x, torch.tensor([4, 4, 4, 9], device=device), mode="mean")
    assert (
        out.cpu().tolist()[0] == -1.0 and math.isnan(out[1].item()) and out.cpu().tolist()[2:] == [1.0, 0.0]
    )


def test_normalize_group_mode_uses_the_op() -> None:
    batch = Episodes.from_rows(
        prompts=["p"] * 6,
        completions=["a", "b", "c", "d", "e", "f"],
        infos=[{"s": s} for s in (1.0, 2.0, 4.0, 8.0, float("nan"), 3.0)],
        group_ids=[5, 5, 2, 2, 2, 9],
    )
    inner = FunctionReward(lambda b: b.info("s"), name="s", may_return_nan=True)
    for scale in (True, False):
        got = Normalize(inner, mode="group", scale=scale)(batch)
        want = reference.group_normalize(
            batch.info("s"), batch.group_ids, "mean_std" if scale else "mean", 1e-8
        )
        close(got, want)
    assert rewardgym.rewards.compose.Normalize is Normalize


@pytest.mark.parametrize("dev", DEVICES)
def test_opcheck(dev: str) -> None:
    scores, ids = ragged_groups(0, 50, dev)
    scores = torch.nan_to_num(scores, nan=1.5)  # opcheck compares outputs without equal_nan
    torch.library.opcheck(_library.group_normalize, (scores.contiguous(), ids.contiguous(), True, 1e-6))
    torch.library.opcheck(_library.group_normalize, (scores.contiguous(), ids.contiguous(), False, 0.0))


def test_bad_input_raises_op_input_error() -> None:
    x, ids = torch.zeros(4), torch.zeros(4, dtype=torch.long)
    with pytest.raises(OpInputError, match="mode"):
        ops.group_normalize(x, ids, mode="std")
    with pytest.raises(OpInputError, match="group_ids must have shape"):
        ops.group_normalize(x, ids[:3])
    with pytest.raises(OpInputError, match="integers"):
        ops.group_normalize(x, ids.float())
    with pytest.raises(OpInputError, match="float"):
        ops.group_normalize(ids, ids)
    with pytest.raises(OpInputError, match="eps"):
        ops.group_normalize(x, ids, eps=-1.0)
