"""The LLM protocol's shared behaviour (argument checks, prompts, cache, factory) via the scripted backend."""

from __future__ import annotations

import pytest

from rewardgym.errors import MissingDependencyError, RewardGymError
from rewardgym.llm import LLM, LLMError, ResponseCache, ScriptedLLM, as_llm, make_llm, normalize_prompt


def test_plain_string_is_one_user_message():
    assert normalize_prompt("hi") == [{"role": "user", "content": "hi"}]
    chat = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    assert normalize_prompt(chat) == chat


@pytest.mark.parametrize(
    "bad", [[], [{"role": "user"}], [{"role": "boss", "content": "x"}], 3, [{"content": "x"}]]
)
def test_malformed_prompts_are_rejected(bad):
    with pytest.raises(LLMError, match=r"prompt|chat message"):
        normalize_prompt(bad)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": 0}, "n must"),
        ({"max_new_tokens": 0}, "max_new_tokens"),
        ({"temperature": -1}, "temperature"),
        ({"seed": "1"}, "seed"),
    ],
)
def test_generate_argument_checks(kwargs, message):
    with pytest.raises(LLMError, match=message):
        ScriptedLLM(default="x").generate(["p"], **kwargs)


def test_single_prompt_not_in_a_list_is_rejected():
    with pytest.raises(LLMError, match="list of prompts"):
        ScriptedLLM(default="x").generate("p")


def test_scripted_precedence_and_recording():
    llm = ScriptedLLM(["q1", "q2"], rules={r"\bcat\b": "meow"}, model_name="s")
    assert llm.generate(["a cat", "dog", "dog", "dog"], n=1) == [["meow"], ["q1"], ["q2"], ["q1"]]
    assert llm.calls[0]["chats"][0] == [{"role": "user", "content": "a cat"}]
    fn_llm = ScriptedLLM(fn=lambda text, i: f"{text}-{i}")
    assert fn_llm.generate(["x"], n=3) == [["x-0", "x-1", "x-2"]]
    with pytest.raises(LLMError, match="no answer"):
        ScriptedLLM(rules={"a": "b"}).generate(["zzz"])
    with pytest.raises(LLMError, match="needs"):
        ScriptedLLM()


def test_cache_serves_deterministic_requests_only(tmp_path):
    llm = ScriptedLLM(fn=lambda text, i: f"{text}:{len(llm.calls)}", cache=tmp_path)
    first = llm.generate(["a"], temperature=0.0)
    assert llm.generate(["a"], temperature=0.0) == first  # greedy: cached
    assert len(llm.calls) == 1
    llm.generate(["a"], temperature=1.0, seed=5)
    llm.generate(["a"], temperature=1.0, seed=5)  # seeded sampling: cached
    assert len(llm.calls) == 2
    llm.generate(["a"], temperature=1.0)
    llm.generate(["a"], temperature=1.0)  # unseeded sampling: never cached
    assert len(llm.calls) == 4
    assert len(ResponseCache(tmp_path)) == 2


def test_cache_is_keyed_by_model(tmp_path):
    a = ScriptedLLM(default="A", model_name="a", cache=tmp_path)
    b = ScriptedLLM(default="B", model_name="b", cache=tmp_path)
    assert a.generate(["p"]) == [["A"]] and b.generate(["p"]) == [["B"]]


def test_corrupt_cache_entry_is_a_miss(tmp_path):
    cache = ResponseCache(tmp_path)
    llm = ScriptedLLM(default="fresh", cache=cache)
    key = cache.key(
        "scripted",
        "scripted",
        [{"role": "user", "content": "p"}],
        {"n": 1, "max_new_tokens": 256, "temperature": 0.0, "seed": None},
    )
    cache._path(key).parent.mkdir(parents=True)
    cache._path(key).write_text("{not json")
    assert llm.generate(["p"]) == [["fresh"]]
    assert cache.get(key) == ["fresh"]


def test_default_cache_dir_follows_env(monkeypatch, tmp_path):
    from rewardgym.llm import default_cache_dir

    monkeypatch.setenv("REWARDGYM_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    assert ResponseCache().root == tmp_path / "c" / "llm-responses"


def test_make_llm_and_as_llm():
    llm = make_llm("scripted", default="x")
    assert isinstance(llm, LLM)
    assert as_llm(llm) is llm
    assert as_llm({"backend": "scripted", "default": "y"}).generate(["p"]) == [["y"]]
    with pytest.raises(LLMError, match="unknown LLM backend 'gpt'"):
        make_llm("gpt")
    with pytest.raises(LLMError, match=r"bad arguments.*accepted"):
        make_llm("scripted", nonsense=1)
    with pytest.raises(LLMError, match="backend"):
        as_llm({"model": "x"})
    with pytest.raises(LLMError):
        as_llm(42)


def test_vllm_missing_names_the_extra():
    import importlib.util

    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vllm is installed here; this checks the message shown without it")
    with pytest.raises(MissingDependencyError, match=r'pip install "rewardgym\[vllm\]"') as info:
        make_llm("vllm", model="smollm2")
    assert isinstance(info.value, RewardGymError)
