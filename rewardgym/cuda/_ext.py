"""Lazy, cached builds of the compiled scoring kernels (``torch.utils.cpp_extension.load``).

Two extensions: ``cpu`` (``csrc/cpu_ops.cpp``, built the first time a CPU tensor reaches an op that uses it;
about 45 s once, then loaded from torch's extension cache) and ``cuda`` (``csrc/*.cu`` + bindings, built the
first time a CUDA tensor arrives). When a build is impossible (no compiler, no nvcc, a CPU-only torch) the ops
fall back to the vectorised torch paths and ONE ``RuntimeWarning`` per extension says why.

``REWARDGYM_DISABLE_EXTENSIONS=1`` (or :func:`extensions_disabled`) skips the compiled paths altogether.

Example:
    >>> with extensions_disabled():
    ...     cpu_extension() is None
    True
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

__all__ = ["CSRC", "cpu_extension", "cuda_extension", "extension_status", "extensions_disabled"]

CSRC = Path(__file__).resolve().parent / "csrc"
_lock = threading.Lock()
_modules: dict[str, ModuleType | None] = {}
_errors: dict[str, str] = {}
_disabled_depth = 0


def _env_disabled() -> bool:
    return os.environ.get("REWARDGYM_DISABLE_EXTENSIONS", "").lower() in ("1", "true", "yes")


@contextlib.contextmanager
def extensions_disabled() -> Iterator[None]:
    """Within the block, every op uses its vectorised torch path (for tests and comparisons)."""
    global _disabled_depth
    with _lock:
        _disabled_depth += 1
    try:
        yield
    finally:
        with _lock:
            _disabled_depth -= 1


def _build(kind: str) -> ModuleType:
    import torch
    from torch.utils.cpp_extension import load

    flags = ["-O3"]
    if kind == "cpu":
        return load(
            name="rewardgym_cpu_ops",
            sources=[str(CSRC / "cpu_ops.cpp")],
            extra_cflags=flags,
            extra_include_paths=[str(CSRC)],
            verbose=False,
        )
    if torch.version.cuda is None:
        raise RuntimeError("this torch build has no CUDA support")
    sources = [CSRC / "cuda_bindings.cpp", *sorted(CSRC.glob("*.cu"))]
    return load(
        name="rewardgym_cuda_ops",
        sources=[str(s) for s in sources],
        extra_cflags=flags,
        extra_cuda_cflags=[*flags, "--expt-relaxed-constexpr"],
        extra_include_paths=[str(CSRC)],
        with_cuda=True,
        verbose=False,
    )


def _get(kind: str) -> ModuleType | None:
    if _disabled_depth or _env_disabled():
        return None
    if kind in _modules:
        return _modules[kind]
    with _lock:
        if kind not in _modules:
            try:
                _modules[kind] = _build(kind)
            except Exception as exc:  # any build failure means: use the torch path, say so once
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                _errors[kind] = f"{type(exc).__name__}: {reason}"
                _modules[kind] = None
                warnings.warn(
                    f"rewardgym.cuda: could not build the {kind} extension ({_errors[kind]}); "
                    "falling back to the vectorised torch implementation (same results, slower)",
                    RuntimeWarning,
                    stacklevel=4,
                )
    return _modules[kind]


def cpu_extension() -> ModuleType | None:
    """The compiled CPU kernels, built on first use; None when unavailable (a warning was issued once)."""
    return _get("cpu")


def cuda_extension() -> ModuleType | None:
    """The compiled CUDA kernels, built on first use; None when unavailable (a warning was issued once)."""
    return _get("cuda")


def extension_status() -> dict[str, str]:
    """``{"cpu": ..., "cuda": ...}``: "loaded", "not built yet", "disabled" or the build error."""
    out = {}
    for kind in ("cpu", "cuda"):
        if _disabled_depth or _env_disabled():
            out[kind] = "disabled"
        elif kind not in _modules:
            out[kind] = "not built yet"
        else:
            out[kind] = "loaded" if _modules[kind] is not None else f"unavailable ({_errors.get(kind, '?')})"
    return out
