"""Lazy, cached builds of the compiled scoring kernels (``torch.utils.cpp_extension.load``).

Two extensions: ``cpu`` (``csrc/cpu_ops.cpp``, built the first time a CPU tensor reaches an op that uses it;
about 1-2 min once, then loaded from the cache) and ``cuda`` (``csrc/*.cu`` + bindings, built the first time a
CUDA tensor arrives). When a build is impossible (no compiler, no nvcc, a CPU-only torch) the ops fall back to
the vectorised torch paths (same results) and ONE ``RuntimeWarning`` per extension says why.

The cache lives in ``$REWARDGYM_EXTENSIONS_DIR`` (default: ``$TORCH_EXTENSIONS_DIR/rewardgym``, else
``~/.cache/rewardgym/extensions``), one directory per build key: the interpreter prefix (``sys.prefix``: each
virtual environment has its own builds), the Python version, the torch version and build (CUDA version, git
hash), the compiler flags and a hash of every file in ``csrc/``. Different venvs or torch builds therefore never
load each other's binaries, and an edited source is rebuilt.

Builds are serialised across processes by an ``flock`` on ``<build dir>.lock``, which the kernel releases when
its holder dies: a build killed half-way (Ctrl-C, ``timeout``, a cancelled CI job) cannot block later
processes. torch's own lock file (``<build dir>/lock``) is only ever created by the holder of that ``flock``, so
a ``lock`` found by a new holder was left by a killed build and is removed before building. A process that waits
longer than ``$REWARDGYM_BUILD_WAIT_S`` (default 600 s) for another live process's build uses the torch path
instead, with one warning. The first build prints one line (``building rewardgym kernels (once, ~1-2 min)...``)
on stderr.

``REWARDGYM_DISABLE_EXTENSIONS=1`` (or :func:`extensions_disabled`) skips the compiled paths altogether.

Example:
    >>> with extensions_disabled():
    ...     cpu_extension() is None
    True
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

__all__ = [
    "CSRC",
    "build_directory",
    "cpu_extension",
    "cuda_extension",
    "extension_status",
    "extensions_disabled",
]

CSRC = Path(__file__).resolve().parent / "csrc"
_FLAGS = {"cpu": ["-O3"], "cuda": ["-O3"]}
_CUDA_FLAGS = ["-O3", "--expt-relaxed-constexpr"]
_lock = threading.Lock()
_modules: dict[str, ModuleType | None] = {}
_errors: dict[str, str] = {}
_disabled_depth = 0


class BuildWaitTimeout(RuntimeError):
    """Another live process held the build lock for longer than ``$REWARDGYM_BUILD_WAIT_S``."""


def _env_disabled() -> bool:
    return os.environ.get("REWARDGYM_DISABLE_EXTENSIONS", "").lower() in ("1", "true", "yes")


def disabled() -> bool:
    """Whether the compiled paths are switched off (environment variable or :func:`extensions_disabled`)."""
    return bool(_disabled_depth) or _env_disabled()


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


def _cache_root() -> Path:
    if os.environ.get("REWARDGYM_EXTENSIONS_DIR"):
        return Path(os.environ["REWARDGYM_EXTENSIONS_DIR"])
    if os.environ.get("TORCH_EXTENSIONS_DIR"):
        return Path(os.environ["TORCH_EXTENSIONS_DIR"]) / "rewardgym"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rewardgym" / "extensions"


def _sources(kind: str) -> list[Path]:
    if kind == "cpu":
        return sorted(CSRC.glob("cpu_*.cpp"))
    return [CSRC / "cuda_bindings.cpp", *sorted(CSRC.glob("*.cu"))]


def _inputs(kind: str) -> list[Path]:
    """Every file a build of ``kind`` reads: its sources and the headers."""
    headers = [p for p in CSRC.iterdir() if p.suffix in (".h", ".cuh")]
    return sorted({*_sources(kind), *headers})


def build_key(kind: str) -> str:
    """16 hex digits identifying a build: venv, Python, torch version and build, flags, its csrc files."""
    import torch

    h = hashlib.sha256()
    parts = [
        kind,
        sys.prefix,
        sys.version,
        torch.__version__,
        str(torch.version.cuda),
        str(getattr(torch.version, "git_version", "")),
        repr(_FLAGS[kind]),
        repr(_CUDA_FLAGS),
    ]
    for part in parts:
        h.update(part.encode() + b"\0")
    for path in _inputs(kind):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def build_directory(kind: str) -> Path:
    """The cache directory of the ``kind`` ("cpu" or "cuda") extension for this interpreter, torch and source."""
    return _cache_root() / f"{kind}-{build_key(kind)}"


def _module_name(kind: str, directory: Path) -> str:
    return f"rewardgym_{kind}_ops_{directory.name.split('-')[-1]}"


@contextlib.contextmanager
def _build_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``<directory>.lock`` (released by the kernel if this process dies)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): torch's own file lock only
        yield
        return
    wait_s = float(os.environ.get("REWARDGYM_BUILD_WAIT_S", "600"))
    path = directory.with_name(directory.name + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline, told = time.monotonic() + wait_s, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BuildWaitTimeout(
                        f"another process has been building the kernels in {directory} for over {wait_s:g} s "
                        "(REWARDGYM_BUILD_WAIT_S)"
                    ) from None
                if not told:
                    print(
                        f"rewardgym: waiting for another process to finish building the kernels ({directory})",
                        file=sys.stderr,
                        flush=True,
                    )
                    told = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _build(kind: str) -> ModuleType:
    import torch
    from torch.utils.cpp_extension import load

    if kind == "cuda" and torch.version.cuda is None:
        raise RuntimeError("this torch build has no CUDA support")
    directory = build_directory(kind)
    directory.mkdir(parents=True, exist_ok=True)
    name = _module_name(kind, directory)
    with _build_lock(directory):
        stale = directory / "lock"  # torch's FileBaton; only a holder of our flock creates it
        if stale.exists():
            stale.unlink()
        if not (directory / f"{name}.so").exists():
            print(
                f"rewardgym: building rewardgym kernels ({kind}; once, ~1-2 min)...", file=sys.stderr, flush=True
            )
        sources = [str(s) for s in _sources(kind)]
        if kind == "cpu":
            return load(
                name=name,
                sources=sources,
                extra_cflags=_FLAGS[kind],
                extra_include_paths=[str(CSRC)],
                build_directory=str(directory),
                verbose=False,
            )
        return load(
            name=name,
            sources=sources,
            extra_cflags=_FLAGS[kind],
            extra_cuda_cflags=_CUDA_FLAGS,
            extra_include_paths=[str(CSRC)],
            build_directory=str(directory),
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
