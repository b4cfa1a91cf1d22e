"""``learned/preference-v0``: a reward model trained from pairwise preferences, as a reward function.

Load a model saved by :meth:`~rewardgym.rewards.learned.model.RewardEnsemble.save` (e.g. at the end of a
``rewardgym reproduce maze`` run) with ``make_reward("learned/preference-v0", path=...)``, or wrap a live
model (``model=``) — the online learner trains that same object while the policy uses it.

Example:
    >>> import rewardgym
    >>> r = rewardgym.make_reward("learned/preference-v0", config=EXAMPLE_CONFIG)
    >>> r(example_batch()).shape
    torch.Size([8])
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from rewardgym.errors import RewardSpecError
from rewardgym.rewards.base import RewardFn
from rewardgym.rewards.learned.model import RewardEnsemble, RewardModelConfig
from rewardgym.rewards.registry import register_reward
from rewardgym.types import Transitions

__all__ = ["EXAMPLE_CONFIG", "PreferenceReward", "example_batch", "preference_reward"]

EXAMPLE_CONFIG: dict[str, Any] = {
    "obs_shape": [5, 5], "obs_values": 4, "n_actions": 4, "hidden": 16, "members": 2,
}
"""A tiny untrained model over 5×5 grids with codes 0-3 and 4 actions (what the shipped checker scores)."""


def example_batch(n: int = 8, seed: int = 0) -> Transitions:
    """A random batch of 5×5 grid transitions matching :data:`EXAMPLE_CONFIG`."""
    g = torch.Generator().manual_seed(seed)
    obs = torch.randint(0, 4, (n, 5, 5), generator=g, dtype=torch.int64).to(torch.uint8)
    nxt = torch.randint(0, 4, (n, 5, 5), generator=g, dtype=torch.int64).to(torch.uint8)
    return Transitions(obs=obs, action=torch.randint(0, 4, (n,), generator=g), next_obs=nxt,
                       env_reward=torch.zeros(n), terminated=torch.zeros(n, dtype=torch.bool),
                       truncated=torch.zeros(n, dtype=torch.bool))


class PreferenceReward(RewardFn):
    """Per-step reward ``r(s, a, s')`` from a :class:`RewardEnsemble` (normalised ensemble mean).

    Args:
        model: the reward ensemble (not copied: an online learner may keep training it).
    """

    def __init__(self, model: RewardEnsemble) -> None:
        if not isinstance(model, RewardEnsemble):
            raise RewardSpecError(f"PreferenceReward needs a RewardEnsemble, got {type(model).__name__}")
        self.model = model

    def score(self, batch: Transitions) -> torch.Tensor:
        obs, action, next_obs = batch.obs, batch.action, batch.next_obs
        if not isinstance(obs, torch.Tensor) or tuple(obs.shape[1:]) != self.model.config.obs_shape:
            got = tuple(obs.shape[1:]) if isinstance(obs, torch.Tensor) else type(obs).__name__
            raise RewardSpecError(
                "this preference reward model was built for observations of shape "
                f"{self.model.config.obs_shape}, got {got}"
            )
        with torch.no_grad():
            return self.model(obs, action, next_obs).to(batch.device)

    def save(self, path: str | Path) -> Path:
        """Save the model (load it back with ``make_reward('learned/preference-v0', path=...)``)."""
        return self.model.save(path)


@register_reward("learned/preference-v0", example=example_batch, example_kwargs={"config": EXAMPLE_CONFIG})
def preference_reward(
    path: str | Path | None = None,
    *,
    model: RewardEnsemble | None = None,
    config: Mapping[str, Any] | RewardModelConfig | None = None,
    device: str | None = None,
) -> PreferenceReward:
    """Reward model trained from pairwise preferences (Bradley–Terry ensemble).

    Give exactly one of: ``path`` (a saved model), ``model`` (a live ensemble), or ``config`` (a fresh,
    untrained model — for tests and for the online learner to train).

    Raises:
        RewardSpecError: none or several of path/model/config, or an unreadable file.
    """
    given = [name for name, v in (("path", path), ("model", model), ("config", config)) if v is not None]
    if len(given) != 1:
        raise RewardSpecError(
            "learned/preference-v0 needs exactly one of path= (a saved model), model= (a RewardEnsemble) or "
            f"config= (a fresh model); got {given or 'none'}"
        )
    if path is not None:
        model = RewardEnsemble.load(path, device=device)
    elif config is not None:
        cfg = config if isinstance(config, RewardModelConfig) else RewardModelConfig(**dict(config))
        model = RewardEnsemble(cfg)
        model.eval()
    assert model is not None
    if device is not None:
        model = model.to(device)
    return PreferenceReward(model)
