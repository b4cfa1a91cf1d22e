"""Cache locations and the opt-in on-disk LLM response cache.

Everything rewardgym caches lives under :func:`default_cache_dir`: ``$REWARDGYM_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/rewardgym``, else ``~/.cache/rewardgym``. Converted model weights go to ``models/`` and
cached LLM responses to ``llm-responses/``.

A response is keyed by the SHA-256 of the backend, model, chat messages and generation parameters, and
stored as one small JSON file written atomically, so concurrent processes can share a cache.

Example:
    >>> import tempfile
    >>> cache = ResponseCache(tempfile.mkdtemp())
    >>> key = cache.key("scripted", "m", [{"role": "user", "content": "hi"}], {"n": 1})
    >>> cache.get(key) is None
    True
    >>> cache.put(key, ["hello"]); cache.get(key)
    ['hello']
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["ResponseCache", "default_cache_dir"]


def default_cache_dir() -> Path:
    """The cache root: ``$REWARDGYM_CACHE_DIR``, ``$XDG_CACHE_HOME/rewardgym`` or ``~/.cache/rewardgym``."""
    if os.environ.get("REWARDGYM_CACHE_DIR"):
        return Path(os.environ["REWARDGYM_CACHE_DIR"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "rewardgym"
    return Path("~/.cache/rewardgym").expanduser()


class ResponseCache:
    """A directory of cached completions, one JSON file per request.

    Args:
        root: directory to use; defaults to ``default_cache_dir() / "llm-responses"``.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_cache_dir() / "llm-responses"

    @staticmethod
    def key(backend: str, model: str, chat: Sequence[Mapping[str, str]], params: Mapping[str, Any]) -> str:
        """The SHA-256 hex key of one request."""
        blob = json.dumps(
            {"backend": backend, "model": model, "chat": [dict(m) for m in chat], "params": dict(params)},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> list[str] | None:
        """The cached samples for ``key``, or None (a missing or unreadable entry is a miss)."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        samples = data.get("samples") if isinstance(data, dict) else None
        if not isinstance(samples, list) or not all(isinstance(s, str) for s in samples):
            return None
        return samples

    def put(self, key: str, samples: Sequence[str]) -> None:
        """Store ``samples`` under ``key`` (atomic rename, so readers never see half a file)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"samples": list(samples)}, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*/*.json")) if self.root.exists() else 0
