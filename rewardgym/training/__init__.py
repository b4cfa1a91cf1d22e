"""Training hooks: the :class:`Rollout` a trainer hands to its callbacks, the :class:`Callback` base, and the
one loader of the baseline trainer script (:func:`load_baseline`).

Trainers (``baselines/ppo.py``) import this package; the package's own callbacks (the preference learner,
synthesis fitness relabelling, ``reproduce``'s progress reporter) subclass :class:`Callback` from here, so
nothing in the package imports from ``baselines/``. ``reproduce`` and PPO fitness run the baseline script
through :func:`load_baseline`, which loads it by path from the source checkout.

Example:
    >>> class CountRollouts(Callback):
    ...     def __init__(self):
    ...         self.n = 0
    ...     def on_rollout_end(self, rollout):
    ...         self.n += 1
    ...         return {"rollouts": float(self.n)}
    >>> CountRollouts().on_rollout_end(None)
    {'rollouts': 1.0}
"""

from __future__ import annotations

from rewardgym.training.hooks import Callback, Rollout
from rewardgym.training.loader import BASELINES_ENV, baseline_path, load_baseline, load_ppo

__all__ = ["BASELINES_ENV", "Callback", "Rollout", "baseline_path", "load_baseline", "load_ppo"]
