"""Test doubles at the actor boundary: rewards that misbehave on purpose (crash the process, hang, raise).

Each scores ``Episodes`` by completion text: ``"die"`` ends the worker process (``os._exit``), ``"hang"``
sleeps far past any timeout, ``"boom"`` raises, anything else scores ``len(completion)``. Importable by the
Ray workers (the repository root is on their ``PYTHONPATH``), so they are pickled by reference.
"""

from __future__ import annotations

import os
import time

import torch

from rewardgym.rewards.base import EpisodeRewardFn
from rewardgym.types import Episodes


class MisbehavingReward(EpisodeRewardFn):
    """Test double: crashes, hangs or raises on the rows that ask for it (see the module docstring).

    Args:
        die_once_flag: when set, ``"die"`` crashes only the first process that sees it (the flag file is
            created then), so a re-run on a fresh actor succeeds.
    """

    name = "test/misbehaving"

    def __init__(self, die_once_flag: str | None = None) -> None:
        self.die_once_flag = die_once_flag

    def score(self, batch: Episodes) -> torch.Tensor:
        out = []
        for text in batch.completions:
            if text == "die":
                if self.die_once_flag is None or not os.path.exists(self.die_once_flag):
                    if self.die_once_flag is not None:
                        open(self.die_once_flag, "w").close()
                    os._exit(3)
            elif text == "hang":
                time.sleep(3600)
            elif text == "boom":
                raise ValueError("boom row")
            out.append(float(len(text)))
        return torch.tensor(out, dtype=torch.float32)
