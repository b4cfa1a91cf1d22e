"""How an op call reaches its kernel: directly on plain CPU tensors, through ``torch.library`` otherwise.

On CPU tensors outside ``torch.compile`` the public ops call the compiled CPU kernels (or the vectorised torch
paths) directly: no ``torch.library`` dispatch, so a process that only scores on the CPU never imports
``torch._dynamo`` (about 2 s and 74 MiB on the first call). CUDA tensors, tensor subclasses (fake tensors under
tracing) and ``torch.compile`` go through the ``rewardgym::`` custom ops of :mod:`rewardgym.cuda._library`, which
is imported on first need.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch

from rewardgym.cuda._ext import cpu_extension

__all__ = ["cpu_direct", "cpu_kernels", "library"]

_Tensor = torch.Tensor
_is_compiling = torch.compiler.is_compiling


def cpu_direct(*tensors: Any) -> bool:
    """True when every given tensor is a plain CPU ``torch.Tensor`` (None entries allowed), not under compile."""
    for t in tensors:
        if t is None:
            continue
        if type(t) is not _Tensor or t.device.type != "cpu":
            return False
    return not _is_compiling()


def cpu_kernels() -> ModuleType | None:
    """The compiled CPU kernels (built on first use), or None when they are unavailable or disabled."""
    return cpu_extension()


def library() -> ModuleType:
    """:mod:`rewardgym.cuda._library` (registers the custom ops on first import)."""
    from rewardgym.cuda import _library

    return _library
