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


def _std(vals: list[float], unbiased: bool) -> float:
    if len(vals) < 2:
        return 0.0
    mean = sum(vals) / len(vals)
    return math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1 if unbiased else len(vals)))


def python_group_loop(
    scores: list[float], ids: list[int], mode: str, eps: float, *, scale: str | None = None, unbiased: bool = False
) -> torch.Tensor:
    """Statistics of each group's non-NaN scores, in Python floats (scale: "group" / "batch" / "none")."""
    scale = scale or ("group" if mode == "mean_std" else "none")
    members: dict[int, list[float]] = {}
    for x, g in zip(scores, ids):
        if not math.isnan(x):
            members.setdefault(g, []).append(x)
    batch_std = _std([x for x in scores if not math.isnan(x)], unbiased)
    out = []
    for x, g in zip(scores, ids):
        vals = members.get(g)
        if math.isnan(x) or not vals:
            out.append(math.nan)
            continue
        y = x - sum(vals) / len(vals)
        if scale == "group":
            y /= _std(vals, unbiased) + eps
        elif scale == "batch":
            y /= batch_std + eps
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


@pytest.mark.parametrize("n", [0, 1, 2, 7, 64, 1000])
@pytest.mark.parametrize("scale", ["group", "batch", "none"])
@pytest.mark.parametrize("unbiased", [False, True])
def test_scale_rewards_and_bessel_options_equal_python_loop(
    device: str, backend: str, n: int, scale: str, unbiased: bool
) -> None:
    for seed in range(2):
        scores, ids = ragged_groups(seed + 3 * n, n, device)
        got = ops.group_normalize(scores, ids, eps=1e-4, scale_rewards=scale, unbiased=unbiased)
        want = python_group_loop(scores.tolist(), ids.tolist(), "", 1e-4, scale=scale, unbiased=unbiased)
        close(got, want.float())
        ref = reference.group_normalize(scores.cpu(), ids.cpu(), eps=1e-4, scale_rewards=scale, unbiased=unbiased)
        close(got, ref)


def trl_advantages(rewards: torch.Tensor, num_generations: int, scale_rewards: str) -> torch.Tensor:
    """TRL ``GRPOTrainer``'s lines (sum_then_normalize): nanmean, Bessel nanstd, eps 1e-4 (a copy, no TRL import)."""

    def nanstd(t: torch.Tensor, dim: int | None = None) -> torch.Tensor:
        mean = torch.nanmean(t, dim=dim, keepdim=True)
        variance = torch.nanmean((t - mean) ** 2, dim=dim, keepdim=True)
        count = torch.sum(~torch.isnan(t), dim=dim, keepdim=True)
        variance *= torch.where(count > 1, count / (count - 1), torch.full_like(count, float("nan"), dtype=t.dtype))
        std = torch.sqrt(variance)
        return std.squeeze() if dim is None else std.squeeze(dim)

    mean = torch.nanmean(rewards.view(-1, num_generations), dim=1).repeat_interleave(num_generations, dim=0)
    if scale_rewards == "batch":
        std = nanstd(rewards).expand_as(rewards)
    else:
        std = nanstd(rewards.view(-1, num_generations), dim=1).repeat_interleave(num_generations, dim=0)
    advantages = rewards - mean
    if scale_rewards != "none":
        advantages = advantages / (std + 1e-4)
    return advantages


@pytest.mark.parametrize(("groups", "size"), [(1, 2), (5, 3), (64, 16), (3, 64)])
@pytest.mark.parametrize("scale", ["group", "batch", "none"])
def test_trl_convention_equals_trl_grpo_advantages(device: str, backend: str, groups: int, size: int, scale: str):
    g = torch.Generator().manual_seed(groups * size)
    rewards = (torch.randn(groups * size, generator=g) * 2 + 1).to(device)
    rewards[:: max(size + 1, 3)] = float("nan")  # TRL's unscorable rows
    if size > 2:
        rewards[: size - 1] = float("nan")  # a group with one valid score: TRL's std is NaN there, ours 0
    got = ops.group_normalize(rewards, group_size=size, scale_rewards=scale, convention="trl")
    want = trl_advantages(rewards.cpu(), size, scale)
    valid = ~torch.isnan(rewards.cpu())
    per_group = valid.view(groups, size).sum(dim=1).repeat_interleave(size)
    lone = valid & ((per_group < 2) if scale == "group" else (valid.sum() < 2) & (scale == "batch"))
    assert torch.isnan(want[lone]).all() and (got.cpu()[lone] == 0).all()
    close(got.cpu()[~lone], want[~lone])
    ids = torch.arange(groups * size, device=device) // size
    close(got, ops.group_normalize(rewards, ids, scale_rewards=scale, unbiased=True, eps=1e-4))


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
    for scale_mode, unbiased, eps in ((1, False, 1e-6), (0, False, 0.0), (2, True, 1e-4), (1, True, 1e-4)):
        torch.library.opcheck(
            _library.group_normalize, (scores.contiguous(), ids.contiguous(), scale_mode, unbiased, eps)
        )


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
    with pytest.raises(OpInputError, match="scale_rewards must be 'group', 'batch' or 'none'"):
        ops.group_normalize(x, ids, scale_rewards="global")
    with pytest.raises(OpInputError, match="either mode or scale_rewards"):
        ops.group_normalize(x, ids, mode="mean", scale_rewards="batch")
    with pytest.raises(OpInputError, match="convention"):
        ops.group_normalize(x, ids, convention="verl")
    with pytest.raises(OpInputError, match="group_size must be a positive int dividing the 4 scores"):
        ops.group_normalize(x, group_size=3)
    with pytest.raises(OpInputError, match=r"group_ids .* or group_size"):
        ops.group_normalize(x)
    with pytest.raises(OpInputError, match="not both"):
        ops.group_normalize(x, ids, group_size=2)
