"""Sequence log-probs: parity with ``log_softmax(...).gather(...)`` with masking, gradients, opcheck."""

from __future__ import annotations

import pytest
import torch

from rewardgym.cuda import _library, ops, reference
from rewardgym.cuda.ops import OpInputError
from tests.cuda.conftest import DEVICES, close


def naive(
    logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The full float64 log-softmax, gathered and masked."""
    logp = torch.log_softmax(logits.double(), dim=-1).gather(-1, targets.clamp(min=0)[..., None]).squeeze(-1)
    per_token = torch.where(mask, logp, torch.zeros_like(logp))
    return per_token.sum(-1), per_token


def batch(seed: int, b: int, t: int, v: int, device: str, dtype: torch.dtype = torch.float32):
    g = torch.Generator().manual_seed(seed)
    logits = (torch.randn(b, t + 1, v, generator=g) * 4).to(dtype)
    targets = torch.randint(0, v, (b, t + 1), generator=g)
    mask = torch.rand(b, t + 1, generator=g) < 0.8
    targets[~mask] = -100  # ignored where masked, like an ignore_index
    if b and t:
        logits[0, 1, : v // 2] = float("-inf")  # a row with many impossible tokens
        targets[0, 1], mask[0, 1] = v - 1, True
    # next-token slices: non-contiguous in T, contiguous along V (not copied by the op)
    return [x.to(device) for x in (logits[:, :-1], targets[:, 1:], mask[:, 1:])]


SHAPES = [(1, 1, 1), (2, 3, 5), (3, 17, 100), (2, 64, 1000), (1, 9, 40000), (0, 4, 10), (2, 0, 10)]


@pytest.mark.parametrize(("b", "t", "v"), SHAPES)
@pytest.mark.parametrize("chunk_size", [1, 7, 4096])
def test_equals_log_softmax_gather(
    device: str, backend: str, b: int, t: int, v: int, chunk_size: int
) -> None:
    if chunk_size == 1 and v > 100:
        pytest.skip("one column at a time is only worth it on small vocabularies")
    logits, targets, mask = batch(b + t + v, b, t, v, device)
    seq, tok = ops.sequence_logprob(logits, targets, mask, return_per_token=True, chunk_size=chunk_size)
    assert seq.shape == (b,) and tok.shape == (b, t) and seq.dtype == tok.dtype == torch.float32
    want_seq, want_tok = naive(logits.cpu(), targets.cpu(), mask.cpu())
    close(seq, want_seq.float())
    close(tok, want_tok.float())
    ref_seq, ref_tok = reference.sequence_logprob(logits.cpu(), targets.cpu(), mask.cpu())
    close(seq, ref_seq)
    close(tok, ref_tok)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_other_dtypes_and_no_mask(device: str, backend: str, dtype: torch.dtype) -> None:
    logits, targets, _ = batch(5, 3, 20, 3000, device, dtype)
    targets = targets.clamp(min=0)
    got = ops.sequence_logprob(logits, targets)
    close(
        got, naive(logits.cpu(), targets.cpu(), torch.ones_like(targets, dtype=torch.bool).cpu())[0].float()
    )


def test_gradient_matches_naive(device: str) -> None:
    logits, targets, mask = batch(3, 2, 6, 50, device, torch.float64)
    x = logits.detach().clone().requires_grad_(True)
    y = logits.detach().clone().requires_grad_(True)
    seq, tok = ops.sequence_logprob(
        x, targets, mask.float(), return_per_token=True
    )  # 0/1 float mask accepted
    (seq.sum() + (tok * torch.arange(6, device=device)).sum()).backward()
    s2, t2 = naive(y, targets, mask)
    (s2.sum() + (t2 * torch.arange(6, device=device)).sum()).backward()
    close(x.grad, y.grad, 1e-5)
    assert torch.all(x.grad[~mask] == 0)


def test_gradcheck() -> None:
    """Finite differences on the float64 op itself (the public function returns float32)."""
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 6, generator=g, dtype=torch.float64, requires_grad=True)
    targets = torch.randint(0, 6, (2, 3), generator=g)
    mask = torch.tensor([[True, False, True], [True, True, False]])
    assert torch.autograd.gradcheck(lambda z: _library.token_logprob(z, targets, mask, 4), (logits,))


@pytest.mark.parametrize("dev", DEVICES)
def test_opcheck(dev: str) -> None:
    logits, targets, mask = batch(2, 2, 5, 33, dev)
    logits = logits.contiguous().clone().requires_grad_(True)
    torch.library.opcheck(_library.token_logprob, (logits, targets.contiguous(), mask.contiguous(), 8))


def test_bad_input_raises_op_input_error() -> None:
    logits, targets = torch.zeros(2, 3, 5), torch.zeros(2, 3, dtype=torch.long)
    with pytest.raises(OpInputError, match=r"targets must be in \[0, 4\]"):
        ops.sequence_logprob(logits, targets + 5)
    with pytest.raises(OpInputError, match="logits must be a float"):
        ops.sequence_logprob(logits[0], targets)
    with pytest.raises(OpInputError, match="mask must be"):
        ops.sequence_logprob(logits, targets, torch.ones(2, 2))
    with pytest.raises(OpInputError, match="chunk_size"):
        ops.sequence_logprob(logits, targets, chunk_size=0)
    # out-of-range targets are fine where masked out
    assert ops.sequence_logprob(logits, targets - 100, torch.zeros(2, 3)).tolist() == [0.0, 0.0]
