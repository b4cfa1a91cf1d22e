"""An OpenAI-compatible chat-completions client (``POST {base_url}/chat/completions``), stdlib only.

Works against ``vllm serve MODEL`` (``base_url="http://127.0.0.1:8000/v1"``) and any server speaking the
same protocol. Prompts are sent concurrently (``concurrency`` threads); each request has a timeout and is
retried with exponential back-off on connection errors, timeouts, HTTP 408/409/429 and 5xx. Other HTTP
errors fail at once with the server's message. If a server returns fewer than ``n`` choices, the missing
samples are requested again (with ``seed + k``) so the result always has ``n`` per prompt.

Example:
    >>> from rewardgym.llm import make_llm
    >>> llm = make_llm("openai", model="HuggingFaceTB/SmolLM2-135M-Instruct",
    ...                base_url="http://127.0.0.1:8000/v1")
    >>> llm.generate(["Say hi."], max_new_tokens=5)      # doctest: +SKIP
    [['Hi! How can I']]
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rewardgym.llm.base import BaseLLM, Chat, LLMError
from rewardgym.llm.cache import ResponseCache

__all__ = ["OpenAICompatLLM"]

_RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class OpenAICompatLLM(BaseLLM):
    """Chat-completions HTTP client.

    Args:
        model: the model name the server expects.
        base_url: API root including ``/v1``; default ``$OPENAI_BASE_URL`` or ``http://127.0.0.1:8000/v1``.
        api_key: bearer token; default ``$OPENAI_API_KEY`` (none sent when unset).
        timeout_s: per-request timeout.
        max_retries: retries after the first attempt for transient failures.
        backoff_s: first back-off delay; doubles on each retry.
        concurrency: requests in flight at once.
        extra_body: extra JSON fields for every request (e.g. ``{"top_p": 0.9}``).
        cache: see :class:`~rewardgym.llm.base.BaseLLM`.
    """

    backend = "openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        concurrency: int = 8,
        extra_body: dict[str, Any] | None = None,
        cache: bool | str | Path | ResponseCache | None = None,
    ) -> None:
        if not isinstance(model, str) or not model:
            raise LLMError("OpenAICompatLLM needs model=<the name the server serves>")
        super().__init__(model, cache=cache)
        url = base_url or os.environ.get("OPENAI_BASE_URL") or "http://127.0.0.1:8000/v1"
        if not url.startswith(("http://", "https://")):
            raise LLMError(f"base_url must start with http:// or https://, got {url!r}")
        self.base_url = url.rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        if timeout_s <= 0 or max_retries < 0 or concurrency < 1:
            raise LLMError("timeout_s must be > 0, max_retries >= 0 and concurrency >= 1")
        self.timeout_s = float(timeout_s)
        self.max_retries = int(max_retries)
        self.backoff_s = float(backoff_s)
        self.concurrency = int(concurrency)
        self.extra_body = dict(extra_body or {})

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        url = f"{self.base_url}/chat/completions"
        last = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            request = urllib.request.Request(url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    return json.loads(response.read().decode("utf-8"))
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode("utf-8", "replace")[:500]
                last = f"HTTP {exc.code}: {detail}"
                if exc.code not in _RETRY_STATUS:
                    raise LLMError(f"{url} rejected the request ({last})") from exc
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                last = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
            except json.JSONDecodeError as exc:
                raise LLMError(f"{url} answered with invalid JSON: {exc}") from exc
        raise LLMError(f"{url} failed after {self.max_retries + 1} attempts; last error: {last}")

    def _one(
        self, chat: Chat, n: int, max_new_tokens: int, temperature: float, seed: int | None
    ) -> list[str]:
        samples: list[str] = []
        for k in range(n):  # at most n requests even if the server ignores `n`
            body: dict[str, Any] = {
                **self.extra_body,
                "model": self.model_name,
                "messages": chat,
                "n": n - len(samples),
                "max_tokens": max_new_tokens,
                "temperature": float(temperature),
            }
            if seed is not None:
                body["seed"] = seed + k
            reply = self._post(body)
            try:
                choices = reply["choices"]
                samples.extend(str(c["message"]["content"] or "") for c in choices)
            except (KeyError, TypeError) as exc:
                raise LLMError(
                    f"malformed chat-completions reply (no choices[].message.content): {reply!r:.300}"
                ) from exc
            if len(samples) >= n:
                break
        if len(samples) < n:
            raise LLMError(f"the server returned {len(samples)} of {n} requested samples")
        return samples[:n]

    def _generate(
        self, chats: list[Chat], *, n: int, max_new_tokens: int, temperature: float, seed: int | None
    ) -> list[list[str]]:
        if len(chats) == 1 or self.concurrency == 1:
            return [self._one(c, n, max_new_tokens, temperature, seed) for c in chats]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(chats))) as pool:
            return list(pool.map(lambda c: self._one(c, n, max_new_tokens, temperature, seed), chats))
