"""The OpenAI-compatible HTTP backend against a local stub server speaking chat-completions."""

from __future__ import annotations

import pytest

from rewardgym.llm import LLMError, make_llm
from tests.llm.openai_stub import start_stub


@pytest.fixture
def stub():
    server, state, url = start_stub()
    yield state, url
    server.shutdown()
    server.server_close()


def test_sends_chat_completions_and_returns_n_per_prompt(stub):
    state, url = stub
    llm = make_llm("openai", model="smol", base_url=url, api_key="k", concurrency=2)
    out = llm.generate(
        ["a", [{"role": "system", "content": "s"}, {"role": "user", "content": "b"}]],
        n=2,
        max_new_tokens=7,
        temperature=0.5,
        seed=3,
    )
    assert out == [
        ["echo:a|i=0|seed=3|t=0.5|max=7", "echo:a|i=1|seed=3|t=0.5|max=7"],
        ["echo:b|i=0|seed=3|t=0.5|max=7", "echo:b|i=1|seed=3|t=0.5|max=7"],
    ]
    by_last = {r["messages"][-1]["content"]: r for r in state.requests}
    assert by_last["a"]["messages"] == [{"role": "user", "content": "a"}]
    assert by_last["b"]["messages"][0] == {"role": "system", "content": "s"}
    assert by_last["b"]["model"] == "smol" and by_last["b"]["n"] == 2
    assert all(h.get("Authorization") == "Bearer k" for h in state.headers)


def test_retries_transient_errors(stub):
    state, url = stub
    state.fail_next = [503, 429]
    llm = make_llm("openai", model="m", base_url=url, max_retries=2, backoff_s=0.01)
    assert llm.generate(["x"]) == [["echo:x|i=0|seed=None|t=0.0|max=256"]]
    assert len(state.requests) == 3


def test_gives_up_after_max_retries(stub):
    state, url = stub
    state.fail_next = [500, 500, 500]
    llm = make_llm("openai", model="m", base_url=url, max_retries=1, backoff_s=0.01)
    with pytest.raises(LLMError, match=r"after 2 attempts.*HTTP 500"):
        llm.generate(["x"])
    assert len(state.requests) == 2


def test_client_errors_fail_without_retry(stub):
    state, url = stub
    state.fail_next = [400]
    llm = make_llm("openai", model="m", base_url=url, max_retries=3, backoff_s=0.01)
    with pytest.raises(LLMError, match=r"HTTP 400.*stub failure 400"):
        llm.generate(["x"])
    assert len(state.requests) == 1


def test_timeout_is_retried(stub):
    state, url = stub
    state.delay_next = [1.0]
    llm = make_llm("openai", model="m", base_url=url, timeout_s=0.2, max_retries=1, backoff_s=0.01)
    assert llm.generate(["x"])[0][0].startswith("echo:x")
    assert len(state.requests) == 2


def test_server_ignoring_n_is_topped_up(stub):
    state, url = stub
    state.max_choices = 1
    llm = make_llm("openai", model="m", base_url=url)
    out = llm.generate(["x"], n=3, temperature=1.0, seed=10)
    assert len(out[0]) == 3
    assert [r["seed"] for r in state.requests] == [10, 11, 12]
    assert [r["n"] for r in state.requests] == [3, 2, 1]


def test_cache_avoids_repeat_requests(stub, tmp_path):
    state, url = stub
    llm = make_llm("openai", model="m", base_url=url, cache=tmp_path)
    first = llm.generate(["x", "y"], max_new_tokens=4)
    assert llm.generate(["y", "x"], max_new_tokens=4) == first[::-1]
    assert len(state.requests) == 2
    llm.generate(["x"], max_new_tokens=5)  # other parameters: a new key
    assert len(state.requests) == 3


def test_unreachable_server_is_an_llm_error():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    llm = make_llm("openai", model="m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
    with pytest.raises(LLMError, match="failed after 1 attempts"):
        llm.generate(["x"])


def test_bad_arguments():
    with pytest.raises(LLMError, match="base_url"):
        make_llm("openai", model="m", base_url="ftp://x")
    with pytest.raises(LLMError, match="model"):
        make_llm("openai", model="")
