"""The transformers backend on the real SmolLM2-135M-Instruct model (few tokens, to stay fast)."""

from __future__ import annotations

import pytest

from tests.conftest import need


@pytest.fixture(scope="module")
def smol():
    need("smollm2")
    from rewardgym.llm import make_llm

    return make_llm("transformers", model="smollm2", batch_size=8)


def test_converted_checkpoint_is_cached():
    need("smollm2")
    from rewardgym.llm.models import resolve_model, smollm2_path

    path = smollm2_path()
    assert (path / "model.safetensors").is_file() and (path / "tokenizer.json").is_file()
    assert resolve_model("smollm2") == str(path)
    assert "quantization_config" not in (path / "config.json").read_text()


def test_greedy_is_deterministic_and_answers(smol):
    prompts = ["What is 2+2? Answer with a number.", [{"role": "user", "content": "Say the word: banana"}]]
    out = smol.generate(prompts, n=2, max_new_tokens=12, temperature=0.0)
    assert len(out) == 2 and all(len(s) == 2 for s in out)
    assert out[0][0] == out[0][1]  # greedy samples agree
    assert "4" in out[0][0]
    assert "banana" in out[1][0].lower()
    assert smol.generate(prompts, n=1, max_new_tokens=12) == [[out[0][0]], [out[1][0]]]


def test_seeded_sampling_is_reproducible(smol):
    kw = {"n": 4, "max_new_tokens": 8, "temperature": 1.0}
    a = smol.generate(["Name an animal."], seed=1, **kw)
    assert a == smol.generate(["Name an animal."], seed=1, **kw)
    assert len(set(a[0])) > 1  # four samples are not all identical
    assert a != smol.generate(["Name an animal."], seed=2, **kw)


def test_max_new_tokens_bounds_length(smol):
    text = smol.generate(["Write a long story about the sea."], max_new_tokens=5)[0][0]
    assert 0 < len(smol.tokenizer(text, add_special_tokens=False)["input_ids"]) <= 6


def test_unknown_local_model_is_an_llm_error(tmp_path):
    need("smollm2")
    from rewardgym.llm import LLMError, make_llm

    with pytest.raises(LLMError, match="cannot load model"):
        make_llm("transformers", model=str(tmp_path / "missing"))
