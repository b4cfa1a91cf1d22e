"""GAE and discounted returns: parity with a plain Python loop and the reference, on every device."""

from __future__ import annotations

import pytest
import torch

from rewardgym.cuda import _library, ops, reference
from rewardgym.cuda.ops import OpInputError
from tests.cuda.conftest import DEVICES, close


def python_gae(r, v, d, last, gamma, lam):
    """One element at a time, in Python floats: the textbook recursion with episode ends."""
    adv = [[0.0] * len(row) for row in r]
    for b in range(len(r)):
        running = 0.0
        for t in reversed(range(len(r[b]))):
            next_value = last[b] if t == len(r[b]) - 1 else v[b][t + 1]
            live = 0.0 if d[b][t] else 1.0
            delta = r[b][t] + gamma * next_value * live - v[b][t]
            running = delta + gamma * lam * live * running
            adv[b][t] = running
    ret = [[a + x for a, x in zip(ar, vr)] for ar, vr in zip(adv, v)]
    return torch.tensor(adv, dtype=torch.float64), torch.tensor(ret, dtype=torch.float64)


def rollout(seed: int, b: int, t: int, device: str, dtype: torch.dtype = torch.float32):
    g = torch.Generator().manual_seed(seed)
    # (T, B) tensors transposed: the ops receive non-contiguous inputs
    r = torch.randn(t, b, generator=g, dtype=dtype).T
    v = torch.randn(t, b, generator=g, dtype=dtype).T
    d = (torch.rand(t, b, generator=g) < 0.15).T
    last = torch.randn(b, generator=g, dtype=dtype)
    return [x.to(device) for x in (r, v, d, last)]


SHAPES = [(1, 1), (3, 1), (5, 31), (4, 32), (6, 33), (2, 100), (17, 257), (0, 5), (3, 0)]


@pytest.mark.parametrize(("b", "t"), SHAPES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gae_equals_python_loop(device: str, backend: str, b: int, t: int, dtype: torch.dtype) -> None:
    r, v, d, last = rollout(b * 100 + t, b, t, device, dtype)
    gamma, lam = 0.97, 0.9
    adv, ret = ops.gae(r, v, d, last, gamma=gamma, lam=lam)
    assert adv.dtype == dtype and adv.device.type == device and adv.shape == (b, t)
    if b and t:
        want_adv, want_ret = python_gae(r.tolist(), v.tolist(), d.tolist(), last.tolist(), gamma, lam)
    else:
        want_adv = want_ret = torch.zeros(b, t, dtype=torch.float64)
    close(adv, want_adv.to(dtype))
    close(ret, want_ret.to(dtype))
    ref_adv, ref_ret = reference.gae(*(x.cpu() for x in (r, v, d, last)), gamma, lam)
    close(adv, ref_adv)
    close(ret, ref_ret)


@pytest.mark.parametrize(("b", "t"), SHAPES)
def test_discounted_returns_equal_python_loop(device: str, backend: str, b: int, t: int) -> None:
    r, _, d, last = rollout(b + 7 * t, b, t, device)
    for boot in (None, last):
        got = ops.discounted_returns(r, d.float(), gamma=0.9, last_values=boot)  # float dones are accepted
        zeros = [[0.0] * t for _ in range(b)]
        bootstrap = [0.0] * b if boot is None else boot.tolist()
        want = (
            python_gae(r.tolist(), zeros, d.tolist(), bootstrap, 0.9, 1.0)[0]
            if b and t
            else torch.zeros(b, t)
        )
        close(got, want.float())
        close(got, reference.discounted_returns(r.cpu(), d.cpu(), 0.9, None if boot is None else boot.cpu()))


@pytest.mark.parametrize(("b", "t"), [*SHAPES, (4096, 32), (130, 300)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_time_major_layout_equals_reference(device: str, backend: str, b: int, t: int, dtype: torch.dtype) -> None:
    """(T, B) tensors as CleanRL stores them: same numbers as the (B, T) reference, results stay (T, B)."""
    r, v, d, last = rollout(b * 7 + t, b, t, device, dtype)
    r_tb, v_tb, d_tb = (x.T.contiguous() for x in (r, v, d))  # contiguous (T, B), like a rollout buffer
    for boot in (last, None):
        adv, ret = ops.gae(r_tb, v_tb, d_tb, boot, gamma=0.97, lam=0.9, time_major=True)
        assert adv.shape == (t, b) and adv.dtype == dtype and adv.device.type == device
        assert adv.is_contiguous() and ret.is_contiguous()
        ref_boot = torch.zeros(b, dtype=dtype) if boot is None else boot.cpu()
        want_adv, want_ret = reference.gae(r_tb.cpu(), v_tb.cpu(), d_tb.cpu(), ref_boot, 0.97, 0.9, time_major=True)
        close(adv, want_adv)
        close(ret, want_ret)
        bt_adv, _ = reference.gae(r.cpu(), v.cpu(), d.cpu(), ref_boot, 0.97, 0.9)
        close(adv.T, bt_adv)
    got = ops.discounted_returns(r_tb, d_tb, gamma=0.9, last_values=last, time_major=True)
    close(got.T, reference.discounted_returns(r.cpu(), d.cpu(), 0.9, last.cpu()))


def test_time_major_checks_last_values_against_the_batch_axis() -> None:
    r, d = torch.zeros(5, 3), torch.zeros(5, 3, dtype=torch.bool)  # T=5, B=3
    with pytest.raises(OpInputError, match=r"last_values must be \(B,\) = \(3,\)"):
        ops.gae(r, r, d, torch.zeros(5), time_major=True)
    assert ops.gae(r, r, d, torch.zeros(3), time_major=True)[0].shape == (5, 3)


def test_episode_end_stops_bootstrapping(device: str) -> None:
    r = torch.tensor([[1.0, 2.0, 3.0]], device=device)
    v = torch.tensor([[10.0, 20.0, 30.0]], device=device)
    d = torch.tensor([[False, True, False]], device=device)
    adv, _ = ops.gae(r, v, d, torch.tensor([100.0], device=device), gamma=0.5, lam=1.0)
    # t=2 bootstraps from last_values; t=1 ended its episode (no 0.5 * V[2]); t=0 sees t=1's advantage
    assert adv.cpu().tolist() == [
        [1.0 + 0.5 * 20.0 - 10.0 + 0.5 * (2.0 - 20.0), 2.0 - 20.0, 3.0 + 50.0 - 30.0]
    ]


@pytest.mark.parametrize("dev", DEVICES)
def test_opcheck(dev: str) -> None:
    r, v, d, last = (x.contiguous() for x in rollout(1, 4, 40, dev))
    torch.library.opcheck(_library.gae, (r, v, d, last, 0.99, 0.95, False))
    torch.library.opcheck(_library.gae, (r, None, d, None, 0.9, 1.0, False))
    tb = [x.T.contiguous() for x in (r, v, d)]
    torch.library.opcheck(_library.gae, (tb[0], tb[1], tb[2], last, 0.99, 0.95, True))


def test_bad_input_raises_op_input_error() -> None:
    r, v, d = torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.bool)
    with pytest.raises(OpInputError, match="gamma"):
        ops.gae(r, v, d, gamma=1.5)
    with pytest.raises(OpInputError, match="lam"):
        ops.gae(r, v, d, lam=-0.1)
    with pytest.raises(OpInputError, match=r"values must have shape \(2, 3\)"):
        ops.gae(r, v[:, :2], d)
    with pytest.raises(OpInputError, match="dones must have shape"):
        ops.gae(r, v, d[:1])
    with pytest.raises(OpInputError, match="last_values must be"):
        ops.gae(r, v, d, torch.zeros(3))
    with pytest.raises(OpInputError, match="floating point"):
        ops.discounted_returns(torch.zeros(2, 3, dtype=torch.long), d)
