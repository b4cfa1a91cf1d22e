"""An ensemble of reward networks trained from pairwise preferences (Bradley–Terry).

Each member ``r_k(s, a, s')`` is a small MLP. A segment's predicted return is the sum of ``r_k`` over its
valid steps, and ``P(left ≻ right) = σ(R_k(left) − R_k(right))`` (Bradley–Terry); members are fitted by
binary cross-entropy on the oracle's labels, each on its own bootstrap resample of the labelled pairs.
The standard deviation of that probability across members is the ensemble's *disagreement*: the online
loop asks the oracle about the pairs the members disagree on most.

The reward is the members' mean, normalised by statistics set with :meth:`RewardEnsemble.calibrate`
(zero mean, unit std on the policy's recent transitions), because preferences fix a reward only up to
scale and a per-step constant.

Small integer grids (e.g. the maze's ``{0,1,2,3}`` codes) are one-hot encoded per cell; other observations
are flattened.

Example:
    >>> import torch, gymnasium as gym
    >>> grid = gym.spaces.Box(0, 3, (5, 5), dtype="uint8")
    >>> cfg = RewardModelConfig.from_spaces(grid, gym.spaces.Discrete(4))
    >>> model = RewardEnsemble(cfg)
    >>> obs = torch.randint(0, 4, (6, 5, 5), dtype=torch.uint8)
    >>> model(obs, torch.zeros(6, dtype=torch.long), obs).shape
    torch.Size([6])
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn as nn

from rewardgym.errors import RewardGymError, RewardSpecError
from rewardgym.rewards.learned.segments import Segments

__all__ = ["RewardEnsemble", "RewardModelConfig"]

_INPUTS = ("obs", "action", "next_obs")


@dataclass
class RewardModelConfig:
    """Shape of the reward model's inputs and of its networks (saved with the weights).

    Attributes:
        obs_shape: one observation's shape.
        obs_values: number of distinct integer codes per cell (one-hot encoded); 0 = flatten as floats.
        obs_low: smallest code (subtracted before embedding).
        n_actions: discrete action count (one-hot); 0 for continuous actions.
        action_dim: flattened continuous action size (0 for discrete).
        inputs: which of ``"obs"``, ``"action"``, ``"next_obs"`` the reward sees.
        hidden: hidden width of each member.
        members: ensemble size (>= 1; disagreement needs >= 2).
        seed: initialisation seed.
        shift: the per-step constant subtracted after calibration: ``"mean"`` (the calibration data's mean
            reward becomes 0), ``"max"`` (every observed step costs: the reward is <= 0 on the data), or a
            quantile ``q`` in (0, 1) (the ``q``-quantile becomes 0: most steps cost a little, the best
            ``1 − q`` pay). A cost per step makes ending the episode attractive — right for tasks that end on
            success, where a positive reward for an ordinary step invites the policy to never finish.
    """

    obs_shape: tuple[int, ...]
    obs_values: int = 0
    obs_low: int = 0
    n_actions: int = 0
    action_dim: int = 0
    inputs: tuple[str, ...] = ("obs", "action", "next_obs")
    hidden: int = 64
    members: int = 3
    seed: int = 0
    shift: str | float = "mean"

    def __post_init__(self) -> None:
        self.obs_shape = tuple(int(d) for d in self.obs_shape)
        self.inputs = tuple(self.inputs)
        bad = [i for i in self.inputs if i not in _INPUTS]
        if bad or not self.inputs:
            raise RewardSpecError(f"inputs must be a non-empty subset of {_INPUTS}; got {self.inputs}")
        quantile = isinstance(self.shift, (int, float)) and not isinstance(self.shift, bool)
        if not (self.shift in ("mean", "max") or (quantile and 0.0 < float(self.shift) < 1.0)):
            raise RewardSpecError(f"shift must be 'mean', 'max' or a quantile in (0, 1), got {self.shift!r}")
        if self.members < 1 or self.hidden < 1:
            raise RewardSpecError(f"members and hidden must be >= 1, got {self.members}, {self.hidden}")
        if "action" in self.inputs and not (self.n_actions or self.action_dim):
            raise RewardSpecError("the reward model sees actions but neither n_actions nor action_dim is set")

    @classmethod
    def from_spaces(cls, obs_space: Any, action_space: Any, **kwargs: Any) -> RewardModelConfig:
        """A config for Gymnasium spaces: integer grids with <= 32 codes are one-hot, others flat."""
        import gymnasium as gym

        if not isinstance(obs_space, gym.spaces.Box):
            raise RewardSpecError(f"the reward model needs a Box observation space, got {obs_space}")
        low, high = np.asarray(obs_space.low), np.asarray(obs_space.high)
        values = 0
        if np.issubdtype(obs_space.dtype, np.integer) and np.isfinite(low).all() and np.isfinite(high).all():
            n = int(high.max() - low.min() + 1)
            values = n if n <= 32 else 0
        act: dict[str, Any]
        if isinstance(action_space, gym.spaces.Discrete):
            act = {"n_actions": int(action_space.n)}
        elif isinstance(action_space, gym.spaces.Box):
            act = {"action_dim": int(np.prod(action_space.shape))}
        else:
            raise RewardSpecError(f"the reward model supports Discrete or Box actions, got {action_space}")
        return cls(obs_shape=obs_space.shape, obs_values=values, obs_low=int(low.min()) if values else 0,
                   **act, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}


def _steps(seg: Segments) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(obs, action, next_obs) of every step, flattened to (P·L, ...)."""
    return tuple(x.reshape(-1, *x.shape[2:]) for x in (seg.obs, seg.action, seg.next_obs))  # type: ignore[return-value]


class _Member(nn.Module):
    def __init__(self, cfg: RewardModelConfig) -> None:
        super().__init__()
        cells = int(np.prod(cfg.obs_shape))
        self.cfg = cfg
        self.obs_in = nn.ModuleDict()
        for name in ("obs", "next_obs"):
            if name in cfg.inputs:
                self.obs_in[name] = nn.Linear(cells * max(cfg.obs_values, 1), cfg.hidden, bias=False)
        self.act_in = None
        if "action" in cfg.inputs:
            self.act_in = nn.Linear(cfg.n_actions or cfg.action_dim, cfg.hidden)
        self.bias = nn.Parameter(torch.zeros(cfg.hidden))
        self.head = nn.Sequential(nn.LeakyReLU(), nn.Linear(cfg.hidden, cfg.hidden), nn.LeakyReLU(),
                                  nn.Linear(cfg.hidden, 1))

    def _obs(self, name: str, x: torch.Tensor) -> torch.Tensor:
        flat = x.flatten(1) if x.ndim > 1 else x[:, None]
        if self.cfg.obs_values:  # one-hot per cell (a dense matmul: faster than an embedding-bag backward)
            flat = nn.functional.one_hot(flat.long() - self.cfg.obs_low, self.cfg.obs_values).flatten(1)
        return self.obs_in[name](flat.float())

    def forward(self, obs: torch.Tensor, action: torch.Tensor, next_obs: torch.Tensor) -> torch.Tensor:
        h = self.bias.expand(obs.shape[0], -1)
        for name, x in (("obs", obs), ("next_obs", next_obs)):
            if name in self.obs_in:
                h = h + self._obs(name, x)
        if self.act_in is not None:
            if self.cfg.n_actions:
                a = nn.functional.one_hot(action.reshape(-1).long(), self.cfg.n_actions).float()
            else:
                a = (action.flatten(1) if action.ndim > 1 else action[:, None]).float()
            h = h + self.act_in(a)
        return self.head(h).squeeze(-1)


class RewardEnsemble(nn.Module):
    """``members`` reward networks; the reward is their normalised mean.

    Args:
        config: a :class:`RewardModelConfig`.
    """

    def __init__(self, config: RewardModelConfig) -> None:
        super().__init__()
        self.config = config
        gen_state = torch.random.get_rng_state()
        torch.manual_seed(config.seed)
        self.members = nn.ModuleList(_Member(config) for _ in range(config.members))
        torch.random.set_rng_state(gen_state)
        self.reward_shift: torch.Tensor
        self.reward_std: torch.Tensor
        self.register_buffer("reward_shift", torch.zeros(()))
        self.register_buffer("reward_std", torch.ones(()))
        self.updates = 0

    def member_rewards(self, obs: torch.Tensor, action: torch.Tensor, next_obs: torch.Tensor) -> torch.Tensor:
        """Raw (un-normalised) per-step reward of every member: (members, B)."""
        dev = self.reward_shift.device
        obs, action, next_obs = obs.to(dev), action.to(dev), next_obs.to(dev)
        return torch.stack([m(obs, action, next_obs) for m in self.members])

    def forward(self, obs: torch.Tensor, action: torch.Tensor, next_obs: torch.Tensor) -> torch.Tensor:
        """Normalised mean reward: (B,)."""
        raw = self.member_rewards(obs, action, next_obs).mean(0)
        return (raw - self.reward_shift) / self.reward_std

    def segment_returns(self, seg: Segments) -> torch.Tensor:
        """Each member's predicted return of each segment: (members, P)."""
        flat = seg.to(self.reward_shift.device)
        r = self.member_rewards(*_steps(flat))
        return flat.returns(r)

    @torch.no_grad()
    def preference_probs(self, left: Segments, right: Segments) -> torch.Tensor:
        """``P(left ≻ right)`` per member: (members, P)."""
        return torch.sigmoid(self.segment_returns(left) - self.segment_returns(right))

    @torch.no_grad()
    def disagreement(self, left: Segments, right: Segments) -> torch.Tensor:
        """Std across members of ``P(left ≻ right)``: (P,); zeros for a single member."""
        p = self.preference_probs(left, right)
        return p.std(0, unbiased=False) if p.shape[0] > 1 else torch.zeros(p.shape[1], device=p.device)

    def fit(
        self,
        left: Segments,
        right: Segments,
        labels: torch.Tensor,
        *,
        steps: int = 200,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        seed: int = 0,
    ) -> dict[str, float]:
        """Fit every member by Bradley–Terry cross-entropy on ``labels`` (1 = left preferred, 0.5 = tie).

        Each member trains on its own bootstrap resample. Continues from the current weights (warm start).
        Returns the final mean loss and the ensemble's accuracy on the strict labels it was fitted to.
        """
        n = len(labels)
        if n == 0 or len(left) != n or len(right) != n:
            raise RewardGymError(
                f"fit needs as many left/right segments as labels, got {len(left)}/{len(right)}/{n}"
            )
        dev = self.reward_shift.device
        left, right, labels = left.to(dev), right.to(dev), labels.to(dev).float()
        gen = torch.Generator().manual_seed(seed + 7919 * self.updates)
        self.train()
        losses = []
        for member in self.members:
            opt = torch.optim.AdamW(member.parameters(), lr=lr, weight_decay=weight_decay)
            boot = torch.randint(n, (n,), generator=gen)
            for _ in range(steps):
                idx = boot[torch.randint(n, (min(batch_size, n),), generator=gen)].to(dev)
                logits = self._member_returns(member, left, idx) - self._member_returns(member, right, idx)
                loss = nn.functional.binary_cross_entropy_with_logits(logits, labels[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
            losses.append(loss.item())
        self.eval()
        self.updates += 1
        return {"loss": float(np.mean(losses)), "train_accuracy": self.accuracy(left, right, labels)}

    @staticmethod
    def _member_returns(member: nn.Module, seg: Segments, idx: torch.Tensor) -> torch.Tensor:
        obs, act, nxt, valid = seg.obs[idx], seg.action[idx], seg.next_obs[idx], seg.valid[idx]
        r = member(*(x.reshape(-1, *x.shape[2:]) for x in (obs, act, nxt))).reshape(valid.shape)
        return torch.where(valid, r, torch.zeros_like(r)).sum(-1)

    @torch.no_grad()
    def accuracy(self, left: Segments, right: Segments, labels: torch.Tensor) -> float:
        """Share of strict labels (not ties) whose order the ensemble's mean return reproduces."""
        strict = (labels - 0.5).abs() > 1e-6
        if not bool(strict.any()):
            return float("nan")
        diff = self.segment_returns(left).mean(0) - self.segment_returns(right).mean(0)
        agree = (diff > 0) == (labels.to(diff.device) > 0.5)
        return float(agree[strict.to(diff.device)].float().mean())

    @torch.no_grad()
    def calibrate(self, seg: Segments) -> None:
        """Normalise on ``seg``'s valid steps: std 1, and mean 0 (``shift="mean"``) or max 0 (``"max"``)."""
        flat = seg.to(self.reward_shift.device)
        r = self.member_rewards(*_steps(flat))
        r = r.mean(0)[flat.valid.reshape(-1)]
        if r.numel() > 1:
            shift = self.config.shift
            value = r.mean() if shift == "mean" else r.max() if shift == "max" else torch.quantile(r, float(shift))
            self.reward_shift.fill_(float(value))
            self.reward_std.fill_(max(float(r.std()), 1e-6))

    def save(self, path: str | Path) -> Path:
        """Write config and weights (``torch.load(weights_only=True)``-safe) to ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"format": "rewardgym.preference-reward/1", "config": self.config.to_dict(),
                    "state_dict": {k: v.cpu() for k, v in self.state_dict().items()}}, path)
        return path

    @classmethod
    def load(cls, path: str | Path, *, device: str | torch.device | None = None) -> RewardEnsemble:
        """Rebuild a saved model.

        Raises:
            RewardSpecError: the file is missing or is not a saved reward model.
        """
        try:
            data = torch.load(Path(path), map_location="cpu", weights_only=True)
        except Exception as exc:  # unpickling raises many kinds (UnpicklingError, EOFError, RuntimeError...)
            raise RewardSpecError(f"cannot load a reward model from {path}: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != "rewardgym.preference-reward/1":
            raise RewardSpecError(f"{path} is not a reward model saved by RewardEnsemble.save")
        model = cls(RewardModelConfig(**data["config"]))
        model.load_state_dict(data["state_dict"])
        model.eval()
        return model.to(device) if device is not None else model

