"""The one loader of the baseline trainer scripts (``baselines/<name>.py``), by path from the source checkout.

Example:
    >>> baseline_path("ppo").name
    'ppo.py'
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from rewardgym.errors import RewardGymError

__all__ = ["BASELINES_ENV", "baseline_path", "load_baseline", "load_ppo"]

BASELINES_ENV = "REWARDGYM_BASELINES"
"""Environment variable naming the ``baselines/`` folder (default: the one next to the installed package)."""


def baseline_path(name: str) -> Path:
    """Where ``baselines/<name>.py`` is: under ``$REWARDGYM_BASELINES``, else next to the ``rewardgym`` package."""
    folder = os.environ.get(BASELINES_ENV)
    root = Path(folder) if folder else Path(__file__).resolve().parents[2] / "baselines"
    return root / f"{name}.py"


def load_baseline(name: str = "ppo") -> ModuleType:
    """Import ``baselines/<name>.py`` as the module ``rewardgym_baselines_<name>`` (once per process).

    Raises:
        RewardGymError: the script is not there (the package was installed without its source tree).
    """
    module_name = f"rewardgym_baselines_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = baseline_path(name)
    if not path.is_file():
        raise RewardGymError(
            f"this needs the baseline script {path}, which does not exist: clone the rewardgym repository and "
            f"install it with `pip install -e .` (baselines/ is not packaged), or set ${BASELINES_ENV}"
        )
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise RewardGymError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling need the module registered
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def load_ppo() -> ModuleType:
    """``baselines/ppo.py`` (see :func:`load_baseline`)."""
    return load_baseline("ppo")
