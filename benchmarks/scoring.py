"""Benchmark the batched scoring ops against their usual peers, measured in the same run.

Peers: NLTK ``sentence_bleu`` over token-id lists (BLEU), a NumPy reverse-time loop (GAE), a Python per-group
dict loop in the style of verl's GRPO advantage code (group normalisation), and the naive
``log_softmax(...).gather(...)`` (sequence log-probs). Every line prints both timings and the ratio, and
checks that the two results agree.

Usage::

    python benchmarks/scoring.py                 # CPU, full sizes
    python benchmarks/scoring.py --quick         # CPU, fewer repeats and smaller log-prob sizes
    python benchmarks/scoring.py --device cuda   # GPU kernels (CUDA events), peers as above
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from rewardgym.cuda import ops
from rewardgym.cuda._ext import extension_status, extensions_disabled


def timed(fn: Callable[[], Any], repeat: int, device: str) -> tuple[float, Any]:
    """Median wall time in ms over ``repeat`` calls after one warm-up call, and the last result."""
    out = fn()
    times = []
    for _ in range(repeat):
        if device == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize()
            start.record()
            out = fn()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            out = fn()
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), out


def fallback_line(name: str, fn: Callable[[], Any], ours_ms: float, repeat: int) -> None:
    """On a GPU: the compiled kernel against the vectorised-torch fallback on the same device."""
    with extensions_disabled():
        torch_ms, _ = timed(fn, repeat, "cuda")
    report(name, ours_ms, "torch fallback, same GPU", torch_ms, "")


def report(name: str, ours_ms: float, peer: str, peer_ms: float, agree: str) -> None:
    print(
        f"{name:<38} ours {ours_ms:10.3f} ms | {peer:<28} {peer_ms:10.2f} ms | "
        f"{peer_ms / ours_ms:8.1f}x | {agree}"
    )


# ------------------------------------------------------------------------------------------------ BLEU
def bleu_case(batch: int, length: int, device: str, repeat: int, peer_repeat: int) -> None:
    import warnings

    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    g = torch.Generator().manual_seed(0)
    cand = torch.randint(0, 1000, (batch, length), generator=g)
    refs = cand.clone()
    flip = torch.rand(batch, length, generator=g) < 0.25
    refs[flip] = torch.randint(0, 1000, (int(flip.sum()),), generator=g)
    cand_len = torch.randint(length // 2, length + 1, (batch,), generator=g)
    ref_len = torch.randint(length // 2, length + 1, (batch,), generator=g)
    hyps = [cand[b, : cand_len[b]].tolist() for b in range(batch)]
    references = [[refs[b, : ref_len[b]].tolist()] for b in range(batch)]
    smooth = SmoothingFunction().method1

    def nltk_loop() -> list[float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [sentence_bleu(r, h, smoothing_function=smooth) for r, h in zip(references, hyps)]

    args = [t.to(device) for t in (cand, cand_len, refs[:, None], ref_len[:, None])]
    ours_ms, ours = timed(lambda: ops.token_bleu(*args, smoothing="floor"), repeat, device)
    peer_ms, peer = timed(nltk_loop, peer_repeat, "cpu")
    diff = float((ours.cpu().double() - torch.tensor(peer)).abs().max())
    report(
        f"token_bleu B={batch} L={length}",
        ours_ms,
        "NLTK sentence_bleu loop",
        peer_ms,
        f"max |diff| {diff:.1e}",
    )
    if device == "cuda":
        fallback_line(
            f"token_bleu B={batch} L={length}",
            lambda: ops.token_bleu(*args, smoothing="floor"),
            ours_ms,
            repeat,
        )


# ------------------------------------------------------------------------------------------------- GAE
def gae_numpy(r: np.ndarray, v: np.ndarray, d: np.ndarray, last: np.ndarray, gamma: float, lam: float):
    """The usual reverse-time loop, vectorised over the batch."""
    adv = np.zeros_like(r)
    running = np.zeros(r.shape[0], dtype=r.dtype)
    for t in reversed(range(r.shape[1])):
        next_value = last if t == r.shape[1] - 1 else v[:, t + 1]
        live = 1.0 - d[:, t]
        delta = r[:, t] + gamma * next_value * live - v[:, t]
        running = delta + gamma * lam * live * running
        adv[:, t] = running
    return adv, adv + v


def gae_case(batch: int, steps: int, device: str, repeat: int) -> None:
    g = torch.Generator().manual_seed(0)
    r, v = torch.randn(batch, steps, generator=g), torch.randn(batch, steps, generator=g)
    d, last = torch.rand(batch, steps, generator=g) < 0.01, torch.randn(batch, generator=g)
    rn, vn, dn, ln = r.numpy(), v.numpy(), d.numpy().astype(np.float32), last.numpy()
    peer_ms, peer = timed(lambda: gae_numpy(rn, vn, dn, ln, 0.99, 0.95), repeat, "cpu")
    args = [t.to(device) for t in (r, v, d, last)]
    ours_ms, ours = timed(lambda: ops.gae(*args, gamma=0.99, lam=0.95), repeat, device)
    diff = float(np.abs(ours[0].cpu().numpy() - peer[0]).max())
    report(f"gae B={batch} T={steps}", ours_ms, "NumPy reverse-time loop", peer_ms, f"max |diff| {diff:.1e}")
    if device == "cuda":
        fallback_line(
            f"gae B={batch} T={steps}", lambda: ops.gae(*args, gamma=0.99, lam=0.95), ours_ms, repeat
        )


# ------------------------------------------------------------------------------------------------ group norm
def group_loop(scores: torch.Tensor, ids: torch.Tensor, eps: float) -> torch.Tensor:
    """Per-group Python loop over a dict of lists (the pattern of verl's GRPO outcome advantage)."""
    by_id: dict[int, list[torch.Tensor]] = defaultdict(list)
    for i in range(len(scores)):
        by_id[int(ids[i])].append(scores[i])
    mean, std = {}, {}
    for key, vals in by_id.items():
        stacked = torch.stack(vals)
        mean[key] = stacked.mean()
        std[key] = stacked.std(unbiased=False) if len(vals) > 1 else torch.tensor(0.0)
    out = scores.clone()
    for i in range(len(scores)):
        key = int(ids[i])
        out[i] = (scores[i] - mean[key]) / (std[key] + eps)
    return out


def group_case(groups: int, size: int, device: str, repeat: int, peer_repeat: int) -> None:
    g = torch.Generator().manual_seed(0)
    n = groups * size
    ids = torch.randint(0, 2**40, (groups,), generator=g).repeat_interleave(size)[
        torch.randperm(n, generator=g)
    ]
    scores = torch.randn(n, generator=g)
    peer_ms, peer = timed(lambda: group_loop(scores, ids, 1e-6), peer_repeat, "cpu")
    s, i = scores.to(device), ids.to(device)
    ours_ms, ours = timed(lambda: ops.group_normalize(s, i), repeat, device)
    diff = float((ours.cpu() - peer).abs().max())
    report(
        f"group_normalize {groups}x{size} ({n})",
        ours_ms,
        "Python per-group dict loop",
        peer_ms,
        f"max |diff| {diff:.1e}",
    )
    if device == "cuda":
        fallback_line(
            f"group_normalize {groups}x{size} ({n})", lambda: ops.group_normalize(s, i), ours_ms, repeat
        )


# ------------------------------------------------------------------------------------------- sequence logprob
def logprob_case(batch: int, steps: int, vocab: int, device: str, dtype: torch.dtype, repeat: int) -> None:
    g = torch.Generator().manual_seed(0)
    logits = (torch.randn(batch, steps, vocab, generator=g) * 3).to(device=device, dtype=dtype)
    targets = torch.randint(0, vocab, (batch, steps), generator=g).to(device)
    mask = (torch.rand(batch, steps, generator=g) < 0.9).to(device)

    def naive() -> torch.Tensor:
        logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, targets[..., None]).squeeze(-1)
        return (logp * mask).sum(-1)

    peak = {}
    for name, fn in (("ours", lambda: ops.sequence_logprob(logits, targets, mask)), ("naive", naive)):
        if device == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
            fn()
            torch.cuda.synchronize()
            peak[name] = (torch.cuda.max_memory_allocated() - base) / 2**20
    ours_ms, ours = timed(lambda: ops.sequence_logprob(logits, targets, mask), repeat, device)
    peer_ms, peer = timed(naive, repeat, device)
    rel = float(((ours - peer).abs() / peer.abs().clamp(min=1)).max())
    mem = f"; extra MiB ours {peak['ours']:.0f} vs {peak['naive']:.0f}" if peak else ""
    report(
        f"sequence_logprob {batch}x{steps}x{vocab} {str(dtype)[6:]}",
        ours_ms,
        "log_softmax + gather",
        peer_ms,
        f"max rel diff {rel:.1e}{mem}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller log-prob shapes")
    parser.add_argument("--ops", default="bleu,gae,group,logprob", help="comma-separated subset to run")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda needs a CUDA device and a CUDA build of torch")
    dev, quick = args.device, args.quick
    selected = set(args.ops.split(","))
    repeat = 3 if quick else 10
    name = torch.cuda.get_device_name() if dev == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"rewardgym scoring ops on {name}; torch {torch.__version__}")
    ops.group_normalize(
        torch.zeros(2, device=dev), torch.zeros(2, dtype=torch.int64, device=dev)
    )  # build / load
    print(f"extensions: {extension_status()}")
    if "bleu" in selected:
        for length in (256, 1024):
            bleu_case(256, length, dev, repeat, 1 if quick else 3)
    if "gae" in selected:
        gae_case(256, 1024, dev, repeat)
        if dev == "cuda":
            gae_case(4096, 32, dev, repeat)
    if "group" in selected:
        group_case(4096, 16, dev, repeat, 1 if quick else 3)
    if "logprob" in selected:
        if dev == "cuda":
            logprob_case(8, 1024, 32000, dev, torch.bfloat16, repeat)
            logprob_case(4, 1024, 151936, dev, torch.bfloat16, repeat)
            logprob_case(8, 1024, 32000, dev, torch.float32, repeat)
        else:
            logprob_case(2 if quick else 4, 128 if quick else 256, 32000, dev, torch.float32, repeat)


if __name__ == "__main__":
    main()
