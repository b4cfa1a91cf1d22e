"""``text/bleu-v0``: the registered reward built on the token-BLEU op."""

from __future__ import annotations

import math
import warnings

import pytest
import sacrebleu
import torch
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

import rewardgym
from rewardgym.errors import RewardComputationError, RewardSpecError
from rewardgym.rewards.builtin import CORE_REWARD_MODULES
from rewardgym.rewards.verifiable.bleu import example_episodes, regex_tokenize
from rewardgym.testing import check_all_rewards
from rewardgym.types import Episodes
from tests.conftest import need

COMPLETIONS = ["The cat sat on the mat.", "a cat on a mat", "", "dogs, dogs and dogs!", "the the the the"]
REFERENCES = [
    ["The cat sat on the mat.", "There is a cat on the mat."],
    ["The cat is on the mat."],
    ["Nothing here."],
    ["Dogs and cats, dogs and birds!", "dogs dogs"],
    ["the cat"],
]


def episodes() -> Episodes:
    return Episodes(
        prompts=[""] * len(COMPLETIONS), completions=COMPLETIONS, infos={"references": REFERENCES}
    )


def test_registered_and_passes_the_shipped_checker() -> None:
    assert "rewardgym.rewards.verifiable.bleu" in CORE_REWARD_MODULES
    assert "text/bleu-v0" in rewardgym.list_rewards("text/")
    assert check_all_rewards(["text/bleu-v0"]) == {"text/bleu-v0": "ok"}
    assert len(example_episodes()) >= 2


def test_default_equals_sacrebleu_sentence_bleu() -> None:
    got = rewardgym.make_reward("text/bleu-v0")(episodes())
    assert got.dtype == torch.float32 and got.shape == (len(COMPLETIONS),)
    for i, (hyp, refs) in enumerate(zip(COMPLETIONS, REFERENCES)):
        want = (
            sacrebleu.sentence_bleu(
                " ".join(regex_tokenize(hyp)), [" ".join(regex_tokenize(r)) for r in refs], tokenize="none"
            ).score
            / 100
        )
        assert abs(float(got[i]) - want) < 1e-6, (i, float(got[i]), want)


@pytest.mark.parametrize("method", ["method0", "method1", "method3", "method4", "method7"])
def test_nltk_smoothing_equals_nltk(method: str) -> None:
    reward = rewardgym.make_reward("text/bleu-v0", smoothing=method, effective_order=False, lowercase=True)
    got = reward(episodes())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, (hyp, refs) in enumerate(zip(COMPLETIONS, REFERENCES)):
            want = sentence_bleu(
                [regex_tokenize(r, True) for r in refs],
                regex_tokenize(hyp, True),
                smoothing_function=getattr(SmoothingFunction(), method),
            )
            assert abs(float(got[i]) - want) < 1e-6, (method, i)


def test_transformers_tokenizer() -> None:
    """A real (tiny, locally trained) tokenizer: scores follow its ids, not the regex tokens."""
    need("llm")
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.train_from_iterator(
        COMPLETIONS + [r for rs in REFERENCES for r in rs],
        trainers.WordLevelTrainer(special_tokens=["[UNK]"]),
    )
    hf = PreTrainedTokenizerFast(tokenizer_object=raw)
    for tokenizer in (hf, raw, lambda text: raw.encode(text).ids):
        got = rewardgym.make_reward(
            "text/bleu-v0", tokenizer=tokenizer, smoothing="floor", effective_order=False
        )(episodes())
        for i, (hyp, refs) in enumerate(zip(COMPLETIONS, REFERENCES)):
            want = sentence_bleu(
                [raw.encode(r).ids for r in refs],
                raw.encode(hyp).ids,
                smoothing_function=SmoothingFunction().method1,
            )
            assert abs(float(got[i]) - want) < 1e-6


def test_missing_references_give_nan_and_missing_column_raises() -> None:
    batch = Episodes(
        prompts=["", "", ""], completions=["a b", "a b", "a b"], infos={"references": [[], "a b", None]}
    )
    out = rewardgym.make_reward("text/bleu-v0")(batch)
    assert math.isnan(out[0]) and out[1] == pytest.approx(1.0) and math.isnan(out[2])
    with pytest.raises(RewardComputationError, match=r"infos\['references'\]"):
        rewardgym.make_reward("text/bleu-v0")(
            Episodes(prompts=[""], completions=["a"], infos={"refs": [["a"]]})
        )
    with pytest.raises(RewardComputationError, match="string or a list of strings"):
        rewardgym.make_reward("text/bleu-v0")(
            Episodes(prompts=[""], completions=["a"], infos={"references": [[3]]})
        )


def test_bad_kwargs_raise_spec_errors() -> None:
    with pytest.raises(RewardSpecError, match="smoothing"):
        rewardgym.make_reward("text/bleu-v0", smoothing="laplace")
    with pytest.raises(RewardSpecError, match="weights"):
        rewardgym.make_reward("text/bleu-v0", max_n=2, weights=[1.0])
    with pytest.raises(RewardSpecError, match="tokenizer"):
        rewardgym.make_reward("text/bleu-v0", tokenizer=42)
