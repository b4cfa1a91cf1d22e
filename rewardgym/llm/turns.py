"""Token-exact multi-turn conversations for policy training: which tokens the policy wrote (and is trained on).

A :class:`Conversation` keeps one token sequence for a whole episode: the rendered chat template of the
first messages, then, turn by turn, the policy's sampled token ids (loss mask 1) and the environment's reply
rendered by the same chat template (loss mask 0). The policy's tokens are never decoded and re-encoded, so
the ids a trainer scores are exactly the ids that were sampled.

The environment text between two policy turns is the difference between the chat template rendered with
and without the new message, so any prefix-stable template (ChatML, SmolLM2's, Llama's...) works; a
template that rewrites earlier turns raises :class:`TurnsError`.

Example:
    >>> from rewardgym.llm.turns import Conversation
    >>> class CharTok:  # a test double: one id per character, a two-line template
    ...     eos_token = "$"
    ...     def apply_chat_template(self, msgs, tokenize=False, add_generation_prompt=False):
    ...         text = "".join(f"<{m['role'][0]}>{m['content']}$" for m in msgs)
    ...         return text + ("<a>" if add_generation_prompt else "")
    ...     def encode(self, text, add_special_tokens=False):
    ...         return [ord(c) for c in text]
    ...     def decode(self, ids, skip_special_tokens=False):
    ...         text = "".join(map(chr, ids))
    ...         return text.replace("$", "") if skip_special_tokens else text
    >>> conv = Conversation(CharTok(), [{"role": "user", "content": "hi"}])
    >>> conv.add_policy_turn([ord(c) for c in "yo$"])
    'yo'
    >>> conv.add_env_turn("ok")
    >>> "".join(map(chr, conv.ids)), "".join("1" if m else "0" for m in conv.mask)
    ('<u>hi$<a>yo$<u>ok$<a>', '000000000111000000000')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rewardgym.llm.base import LLMError, normalize_prompt

__all__ = ["Conversation", "TurnsError"]


class TurnsError(LLMError):
    """The chat template is not prefix-stable, so environment text cannot be appended token-exactly."""


class Conversation:
    """One episode's token ids and loss mask, built turn by turn.

    Args:
        tokenizer: a ``transformers`` tokenizer (``apply_chat_template``, ``encode``, ``decode``,
            ``eos_token``).
        messages: the opening chat messages (a string is one user message).

    Attributes:
        ids: every token of the episode so far (what the policy sees next).
        mask: 1 where the policy sampled the token, 0 for template and environment text.
        messages: the chat so far (policy turns as decoded text).
    """

    def __init__(self, tokenizer: Any, messages: str | Sequence[Mapping[str, str]]) -> None:
        self.tokenizer = tokenizer
        self.messages: list[dict[str, str]] = normalize_prompt(messages)
        self._text = self._render(self.messages)  # the text the ids stand for, up to the last env turn
        self.ids: list[int] = self._encode(self._text)
        self.mask: list[int] = [0] * len(self.ids)
        self._last_content: str | None = None
        self._last_eos = False

    # ---------------------------------------------------------------- helpers
    def _render(self, messages: list[dict[str, str]]) -> str:
        return str(self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))

    def _encode(self, text: str) -> list[int]:
        out = self.tokenizer.encode(text, add_special_tokens=False)
        return [int(i) for i in getattr(out, "ids", out)]

    @property
    def n_policy_tokens(self) -> int:
        """How many tokens the policy wrote."""
        return int(sum(self.mask))

    # ---------------------------------------------------------------- turns
    def add_policy_turn(self, completion_ids: Sequence[int]) -> str:
        """Append the policy's sampled ids (mask 1); returns their text without special tokens.

        Raises:
            TurnsError: two policy turns in a row (add an environment turn in between).
        """
        if self._last_content is not None:
            raise TurnsError("two policy turns in a row: add_env_turn() must come between them")
        ids = [int(i) for i in completion_ids]
        content = str(self.tokenizer.decode(ids, skip_special_tokens=True))
        eos = getattr(self.tokenizer, "eos_token", None)
        self._last_eos = bool(ids) and eos is not None and self.tokenizer.decode(ids[-1:]) == eos
        self.ids.extend(ids)
        self.mask.extend([1] * len(ids))
        self.messages.append({"role": "assistant", "content": content})
        self._last_content = content
        return content

    def add_env_turn(self, content: str, role: str = "user") -> None:
        """Append the environment's reply (mask 0), rendered by the chat template, then the next turn's header.

        Raises:
            TurnsError: no policy turn before it, or the template rewrote earlier text.
        """
        if self._last_content is None:
            raise TurnsError("add_env_turn() needs a policy turn before it")
        before = self._text + self._last_content
        messages = [*self.messages, {"role": role, "content": str(content)}]
        full = self._render(messages)
        if not full.startswith(before):
            raise TurnsError(
                "the chat template is not prefix-stable (it rewrites earlier turns when a message is added); "
                "token-exact multi-turn training needs a template such as ChatML"
            )
        tail = full[len(before) :]
        eos = getattr(self.tokenizer, "eos_token", None)
        if self._last_eos and eos and tail.startswith(eos):
            tail = tail[len(eos) :]  # the policy already wrote the end-of-turn token itself
        new = self._encode(tail)
        self.ids.extend(new)
        self.mask.extend([0] * len(new))
        self.messages = messages
        self._text = full
        self._last_content = None
