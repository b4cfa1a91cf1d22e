"""Token-id BLEU: parity with the reference, NLTK's sentence/corpus BLEU and sacrebleu, on every device."""

from __future__ import annotations

import math
import warnings

import pytest
import sacrebleu
import torch
from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu, sentence_bleu

from rewardgym.cuda import _library, ops, reference
from rewardgym.cuda.ops import OpInputError
from tests.cuda.conftest import DEVICES, close

NLTK_NAME = {
    "none": "method0",
    "floor": "method1",
    "method2": "method2",
    "exp": "method3",
    "method4": "method4",
    "method5": "method5",
    "method6": "method6",
    "method7": "method7",
}
ALL_SMOOTHING = [*NLTK_NAME, "add-k"]


def random_case(seed: int, device: str, *, rows: int | None = None, vocab: int | None = None):
    """Ragged lengths (empty and length-1 rows included), small vocabularies (repeated n-grams), 1-3
    references
    (some absent), and non-contiguous cand / refs tensors."""
    g = torch.Generator().manual_seed(seed)

    def rint(lo: int, hi: int) -> int:
        return int(torch.randint(lo, hi + 1, (1,), generator=g))

    b, lc, lr, r = rows if rows is not None else rint(1, 24), rint(0, 18), rint(0, 18), rint(1, 3)
    v = vocab or rint(1, 6)
    cand = torch.randint(0, v, (b, 2 * lc), generator=g)[:, ::2]  # non-contiguous
    refs = torch.randint(0, v, (lr, r, b), generator=g).permute(2, 1, 0)  # non-contiguous
    cand_len = torch.randint(0, lc + 1, (b,), generator=g)
    cand_len[: min(b, 2)] = torch.tensor([0, min(1, lc)])[: min(b, 2)]
    ref_len = torch.randint(-1, lr + 1, (b, r), generator=g)
    ref_len[:, 0] = ref_len[:, 0].clamp(min=0)
    if b > 3 and seed % 3 == 0:
        ref_len[3] = -1  # a row with no reference at all
    return [t.to(device) for t in (cand, cand_len, refs, ref_len)]


def nltk_rows(cand, cand_len, refs, ref_len):
    out = []
    for b in range(cand.shape[0]):
        hyp = cand[b, : int(cand_len[b])].tolist()
        rs = [refs[b, j, : int(ref_len[b, j])].tolist() for j in range(refs.shape[1]) if ref_len[b, j] >= 0]
        out.append((hyp, rs))
    return out


def nltk_sentence(hyp, rs, smoothing: str, weights) -> float:
    if not rs:
        return math.nan
    fn = getattr(SmoothingFunction(), NLTK_NAME[smoothing])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return sentence_bleu(rs, hyp, weights=weights, smoothing_function=fn)
        except AssertionError:  # method6 without a trigram match
            return math.nan


@pytest.mark.parametrize("seed", range(12))
def test_counts_match_reference(device: str, backend: str, seed: int) -> None:
    cand, cand_len, refs, ref_len = random_case(seed, device)
    for max_n in (1, 4, 6):
        got = _library.bleu_matches(cand.contiguous(), cand_len, refs.contiguous(), ref_len, max_n)
        want = reference.bleu_matches(*(t.cpu() for t in (cand, cand_len, refs, ref_len)), max_n)
        assert torch.equal(got.cpu(), want), (max_n, got, want)


@pytest.mark.parametrize("smoothing", ALL_SMOOTHING)
@pytest.mark.parametrize("effective_order", [False, True])
def test_scores_match_reference(device: str, backend: str, smoothing: str, effective_order: bool) -> None:
    for seed in range(6):
        case = random_case(seed, device)
        kw = {"smoothing": smoothing, "effective_order": effective_order}
        close(ops.token_bleu(*case, **kw), reference.token_bleu(*(t.cpu() for t in case), **kw))
        want = reference.token_bleu_corpus(*(t.cpu() for t in case), **kw)
        close(ops.token_bleu_corpus(*case, **kw), torch.tensor(want))


@pytest.mark.parametrize("smoothing", list(NLTK_NAME))
@pytest.mark.parametrize("weights", [None, (0.5, 0.5), (0.1, 0.2, 0.3, 0.4), (0.2,) * 5])
def test_sentence_bleu_equals_nltk(device: str, smoothing: str, weights) -> None:
    if smoothing == "method6" and weights is not None and len(weights) < 3:
        pytest.skip("NLTK's method6 needs at least three orders")
    nltk_weights = weights or (0.25,) * 4
    for seed in range(5):
        case = random_case(seed, device, vocab=4 + seed % 3)
        got = ops.token_bleu(*case, weights=weights, smoothing=smoothing)
        want = torch.tensor([nltk_sentence(h, rs, smoothing, nltk_weights) for h, rs in nltk_rows(*case)])
        close(got, want)


def test_nltk_documentation_example() -> None:
    words = [
        "It",
        "is",
        "a",
        "guide",
        "to",
        "action",
        "which",
        "ensures",
        "that",
        "the",
        "military",
        "always",
        "obeys",
        "the",
        "commands",
        "of",
        "the",
        "party",
        "that",
        "will",
        "forever",
        "heed",
        "Party",
        "guiding",
        "principle",
        "guarantees",
        "forces",
        "being",
        "under",
        "command",
        "practical",
        "for",
        "army",
        "directions",
    ]
    ids = {w: i for i, w in enumerate(dict.fromkeys(words))}
    hyp = "It is a guide to action which ensures that the military always obeys the commands of the party"
    refs = [
        "It is a guide to action that ensures that the military will forever heed Party commands",
        "It is the guiding principle which guarantees the military forces always being under the command of "
        "the Party",
        "It is the practical guide for the army always to heed the directions of the party",
    ]
    to_ids = [[ids[w] for w in s.split()] for s in [hyp, *refs]]
    width = max(len(x) for x in to_ids)
    padded = torch.tensor([x + [0] * (width - len(x)) for x in to_ids])
    score = ops.token_bleu(
        padded[:1],
        torch.tensor([len(to_ids[0])]),
        padded[None, 1:],
        torch.tensor([[len(x) for x in to_ids[1:]]]),
    )
    assert abs(float(score[0]) - sentence_bleu([s.split() for s in refs], hyp.split())) < 1e-6
    assert round(float(score[0]), 4) == 0.5046


@pytest.mark.parametrize(
    ("method", "value"),
    [("none", None), ("floor", None), ("floor", 0.3), ("add-k", None), ("add-k", 2.0), ("exp", None)],
)
@pytest.mark.parametrize("effective_order", [True, False])
def test_sentence_bleu_equals_sacrebleu(device: str, method: str, value, effective_order: bool) -> None:
    for seed in range(5):
        case = random_case(seed, device, vocab=5)
        got = ops.token_bleu(*case, smoothing=method, smooth_value=value, effective_order=effective_order)
        for b, (hyp, rs) in enumerate(nltk_rows(*case)):
            if not rs or (not effective_order and method != "add-k" and len(hyp) < 4):
                continue  # sacrebleu cannot score without references; without effective order it stops early
            want = (
                sacrebleu.sentence_bleu(
                    " ".join(f"w{t}" for t in hyp),
                    [" ".join(f"w{t}" for t in r) for r in rs],
                    smooth_method=method,
                    smooth_value=value,
                    tokenize="none",
                    use_effective_order=effective_order,
                ).score
                / 100
            )
            assert abs(float(got[b]) - want) < 1e-6, (seed, b, float(got[b]), want)


@pytest.mark.parametrize("smoothing", ["none", "floor", "method2", "exp", "method4"])
def test_corpus_bleu_equals_nltk(device: str, smoothing: str) -> None:
    fn = getattr(SmoothingFunction(), NLTK_NAME[smoothing])
    for seed, weights in zip(range(6), [None, (0.5, 0.5), (0.1, 0.2, 0.3, 0.4), None, (1.0,), (0.2,) * 5]):
        case = random_case(seed, device, vocab=6)
        rows = [(h, rs) for h, rs in nltk_rows(*case) if rs]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = corpus_bleu(
                [rs for _, rs in rows],
                [h for h, _ in rows],
                weights=weights or (0.25,) * 4,
                smoothing_function=fn,
            )
        got = ops.token_bleu_corpus(*case, weights=weights, smoothing=smoothing)
        assert abs(float(got) - want) < 1e-6, (seed, float(got), want)


def test_long_rows_and_many_references(device: str, backend: str) -> None:
    """Rows long enough that the CUDA kernel keeps its hash table in global memory, 5 references each."""
    g = torch.Generator().manual_seed(7)
    cand = torch.randint(0, 40, (3, 9000), generator=g)
    refs = torch.cat(
        [cand[:, None].expand(3, 2, 9000), torch.randint(0, 40, (3, 3, 9000), generator=g)], dim=1
    )
    refs = refs.clone()
    refs[:, 0, ::17] = 41
    cand_len, ref_len = torch.tensor([9000, 4500, 1]), torch.tensor([[9000, -1, 8000, 20, 0]] * 3)
    case = [t.to(device) for t in (cand, cand_len, refs, ref_len)]
    got = _library.bleu_matches(*case, 5)
    assert torch.equal(got.cpu(), reference.bleu_matches(cand, cand_len, refs, ref_len, 5))


def test_empty_batch_and_rows_without_references(device: str) -> None:
    empty = ops.token_bleu(
        torch.zeros(0, 5, dtype=torch.long, device=device),
        None,
        torch.zeros(0, 2, 5, dtype=torch.long, device=device),
    )
    assert empty.shape == (0,) and empty.dtype == torch.float32
    cand = torch.tensor([[1, 2, 3], [1, 2, 3]], device=device)
    refs = torch.tensor([[[1, 2, 3]], [[1, 2, 3]]], device=device)
    out = ops.token_bleu(cand, None, refs, torch.tensor([[3], [-1]], device=device), max_n=2)
    assert out[0].item() == pytest.approx(1.0) and math.isnan(out[1].item())
    single = ops.token_bleu(cand[:1], None, refs[:1, 0], max_n=3)  # (B, Lr) refs = one reference each
    assert single.item() == pytest.approx(1.0)


@pytest.mark.parametrize("dev", DEVICES)
def test_opcheck(dev: str) -> None:
    cand, cand_len, refs, ref_len = random_case(3, dev, rows=6)
    torch.library.opcheck(_library.bleu_matches, (cand.contiguous(), cand_len, refs.contiguous(), ref_len, 4))


def test_bad_input_raises_op_input_error() -> None:
    cand, refs = torch.zeros(2, 4, dtype=torch.long), torch.zeros(2, 1, 4, dtype=torch.long)
    bad = [
        ({"cand": cand.float()}, "integers"),
        ({"cand": cand[0]}, "(B, Lc)"),
        ({"refs": refs[:1]}, "refs must be"),
        ({"cand_len": torch.tensor([5, 1])}, "cand_len must be in"),
        ({"ref_len": torch.tensor([[2], [-2]])}, "ref_len must be in"),
        ({"smoothing": "laplace"}, "smoothing must be one of"),
        ({"smoothing": "method6", "max_n": 2}, "method6"),
        ({"weights": (0.5, 0.5), "max_n": 4}, "max_n=4 but 2 weights"),
        ({"weights": (-1.0,)}, "weights must be >= 0"),
    ]
    for change, message in bad:
        kw = {"cand": cand, "cand_len": None, "refs": refs, **change}
        with pytest.raises(OpInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
            ops.token_bleu(**kw)


@pytest.mark.parametrize("smoothing", ALL_SMOOTHING)
@pytest.mark.parametrize("effective_order", [False, True])
@pytest.mark.parametrize("weights", [None, (0.5, 0.5), (0.2,) * 5])
def test_one_call_path_matches_reference(
    device: str, backend: str, smoothing: str, effective_order: bool, weights
) -> None:
    """Contiguous int64 CPU inputs take the single compiled call (lengths, smoothing and all): same numbers."""
    if smoothing == "method6" and weights is not None and len(weights) < 3:
        pytest.skip("method6 needs at least three orders")
    for seed in range(8):
        case = [t.contiguous() for t in random_case(seed, device)]
        kw = {"smoothing": smoothing, "effective_order": effective_order, "weights": weights}
        if weights is not None:
            kw["max_n"] = len(weights)
        close(ops.token_bleu(*case, **kw), reference.token_bleu(*(t.cpu() for t in case), **kw))
        single = ops.token_bleu(case[0][:1], case[1][:1], case[2][:1], case[3][:1], **kw)  # B = 1
        close(single, reference.token_bleu(*(t[:1].cpu() for t in case), **kw))


@pytest.mark.parametrize("seed", range(6))
def test_pad_token_id_gives_the_lengths(device: str, backend: str, seed: int) -> None:
    """Right-padded rows with ``pad_token_id``: the same scores as explicit lengths."""
    cand, cand_len, refs, ref_len = (t.contiguous() for t in random_case(seed, device, vocab=5))
    pad = 99
    cand = torch.where(torch.arange(cand.shape[1], device=device) < cand_len[:, None], cand, pad)
    ref_len = ref_len.clamp(min=0)
    refs = torch.where(torch.arange(refs.shape[2], device=device) < ref_len[..., None], refs, pad)
    want = ops.token_bleu(cand, cand_len, refs, ref_len, smoothing="floor")
    close(ops.token_bleu(cand, None, refs, None, smoothing="floor", pad_token_id=pad), want)
    close(ops.token_bleu(cand, cand_len, refs, None, smoothing="floor", pad_token_id=pad), want)  # mixed
    close(
        ops.token_bleu_corpus(cand, None, refs, None, pad_token_id=pad),
        ops.token_bleu_corpus(cand, cand_len, refs, ref_len),
    )
    close(want, reference.token_bleu(*(t.cpu() for t in (cand, cand_len, refs, ref_len)), smoothing="floor"))


@pytest.mark.parametrize("smoothing", ["none", "floor", "exp", "method4", "method7"])
def test_bleu_score_accumulates_batches_like_one_corpus(device: str, backend: str, smoothing: str) -> None:
    metric = ops.BLEUScore(smoothing=smoothing)
    assert math.isnan(float(metric.compute()))
    batches = [random_case(seed, device, rows=5) for seed in range(4)]
    for case in batches:
        metric.update(*case)
    width_c = max(c[0].shape[1] for c in batches)
    width_r = max(c[2].shape[2] for c in batches)
    refs_n = max(c[2].shape[1] for c in batches)

    def pad_to(t: torch.Tensor, shape: tuple[int, ...], fill: int) -> torch.Tensor:
        out = torch.full(shape, fill, dtype=t.dtype, device=t.device)
        out[tuple(slice(0, s) for s in t.shape)] = t
        return out

    cand = torch.cat([pad_to(c[0], (5, width_c), 0) for c in batches])
    cand_len = torch.cat([c[1] for c in batches])
    refs = torch.cat([pad_to(c[2], (5, refs_n, width_r), 0) for c in batches])
    ref_len = torch.cat([pad_to(c[3], (5, refs_n), -1) for c in batches])
    whole = ops.token_bleu_corpus(cand, cand_len, refs, ref_len, smoothing=smoothing)
    close(metric.compute(), whole)
    close(metric.compute(), torch.tensor(reference.token_bleu_corpus(cand.cpu(), cand_len.cpu(), refs.cpu(),
                                                                     ref_len.cpu(), smoothing=smoothing)))
    metric.reset()
    metric.update(*batches[0])
    close(metric.compute(), ops.token_bleu_corpus(*batches[0], smoothing=smoothing))
