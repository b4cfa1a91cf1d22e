"""Compile every CUDA source in ``rewardgym/cuda/csrc`` with ``nvcc`` (compile-only; no GPU needed).

``python -m rewardgym.cuda.compile_check`` compiles each ``csrc/*.cu`` (in parallel) to an object file in a
temporary directory against torch's include directories (``torch.utils.cpp_extension.include_paths()``), for
sm_80 and sm_90, as C++17 (``--source gae.cu`` compiles only the named files, ``--arch 80`` one
architecture). It exits non-zero naming every file that does not compile, and also when ``nvcc``
is missing while ``CI=true`` (on a user's machine a missing ``nvcc`` is reported, with exit code 0).

Example:
    >>> from rewardgym.cuda.compile_check import cuda_sources
    >>> sorted(p.name for p in cuda_sources())[:1]
    ['bleu.cu']
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CSRC", "CompileResult", "compile_all", "compile_source", "cuda_sources", "main", "nvcc_command"]

CSRC = Path(__file__).resolve().parent / "csrc"
ARCHS: tuple[str, ...] = ("80", "90")


@dataclass(frozen=True)
class CompileResult:
    """Outcome of compiling one source file.

    Attributes:
        source: the ``.cu`` file.
        ok: whether nvcc exited with 0.
        output: nvcc's stderr and stdout (warnings or errors).
    """

    source: Path
    ok: bool
    output: str


def cuda_sources(directory: Path = CSRC) -> list[Path]:
    """Every ``*.cu`` file in ``directory``, sorted."""
    return sorted(directory.glob("*.cu"))


def nvcc_command(nvcc: str, source: Path, output: Path, archs: Sequence[str] = ARCHS) -> list[str]:
    """The compile-only nvcc command line for ``source`` (flags mirror torch's extension builds)."""
    from torch.utils.cpp_extension import include_paths

    includes = [*include_paths(), sysconfig.get_paths()["include"], str(source.parent)]
    gencode = [f"-gencode=arch=compute_{a},code=sm_{a}" for a in archs]
    # CPU wheels of torch ship c10/cuda headers but not the CMake-generated c10/cuda/impl/cuda_cmake_macros.h
    # (which only defines a Windows export macro); c10 has a switch for building without it.
    generated = Path(include_paths()[0]) / "c10" / "cuda" / "impl" / "cuda_cmake_macros.h"
    extra = [] if generated.exists() else ["-DC10_CUDA_NO_CMAKE_CONFIGURE_FILE"]
    return [
        nvcc,
        "-c",
        str(source),
        "-o",
        str(output),
        "-std=c++17",
        "-O3",
        "--expt-relaxed-constexpr",
        "-Xcompiler",
        "-fPIC",
        # torch's own headers use C++20 bit-field initialisers; our sources are C++17.
        "-diag-suppress=3306",
        "-Xcompiler",
        "-Wno-c++20-extensions",
        "-D__CUDA_NO_HALF_OPERATORS__",
        "-D__CUDA_NO_HALF_CONVERSIONS__",
        "-D__CUDA_NO_BFLOAT16_CONVERSIONS__",
        "-D__CUDA_NO_HALF2_OPERATORS__",
        *extra,
        *gencode,
        *(f"-I{p}" for p in includes),
    ]


def compile_source(nvcc: str, source: Path, workdir: Path, archs: Sequence[str] = ARCHS) -> CompileResult:
    """Compile one ``.cu`` file to an object in ``workdir``."""
    cmd = nvcc_command(nvcc, source, workdir / f"{source.stem}.o", archs)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return CompileResult(source=source, ok=proc.returncode == 0, output=(proc.stderr + proc.stdout).strip())


def compile_all(
    directory: Path = CSRC,
    nvcc: str | None = None,
    archs: Sequence[str] = ARCHS,
    only: Sequence[str] | None = None,
) -> list[CompileResult]:
    """Compile every ``.cu`` in ``directory`` (or the ``only`` names); FileNotFoundError when nvcc is missing."""
    nvcc = nvcc or shutil.which("nvcc")
    if nvcc is None:
        raise FileNotFoundError("nvcc not found on PATH")
    sources = [s for s in cuda_sources(directory) if only is None or s.name in only]
    workers = max(1, min(len(sources), os.cpu_count() or 1))
    with tempfile.TemporaryDirectory(prefix="rewardgym-nvcc-") as tmp, ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda src: compile_source(nvcc, src, Path(tmp), archs), sources))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m rewardgym.cuda.compile_check", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--dir", type=Path, default=CSRC, help="directory holding the .cu files (default: %(default)s)"
    )
    parser.add_argument(
        "--arch", action="append", help="SM architecture, e.g. 90 (repeatable; default: 80 and 90)"
    )
    parser.add_argument(
        "--source", action="append", help="compile only this .cu file name, e.g. gae.cu (repeatable)"
    )
    args = parser.parse_args(argv)
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if shutil.which("nvcc") is None:
        print(
            "compile_check: nvcc not found on PATH; install the CUDA toolkit to compile the kernels",
            file=sys.stderr,
        )
        return 1 if in_ci else 0
    sources = cuda_sources(args.dir)
    if not sources:
        print(f"compile_check: no .cu files in {args.dir}", file=sys.stderr)
        return 1
    missing = sorted(set(args.source or ()) - {s.name for s in sources})
    if missing:
        print(f"compile_check: no such source in {args.dir}: {', '.join(missing)}", file=sys.stderr)
        return 1
    results = compile_all(args.dir, archs=tuple(args.arch or ARCHS), only=args.source)
    failed = [r for r in results if not r.ok]
    for r in results:
        print(f"{'ok  ' if r.ok else 'FAIL'} {r.source.name}")
        if not r.ok:
            print(r.output, file=sys.stderr)
    if failed:
        print(
            f"compile_check: {len(failed)} of {len(results)} CUDA sources failed: "
            f"{', '.join(r.source.name for r in failed)}",
            file=sys.stderr,
        )
        return 1
    print(f"compile_check: all {len(results)} CUDA sources compile")
    return 0


if __name__ == "__main__":
    sys.exit(main())
