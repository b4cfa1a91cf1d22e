"""GAE / discounted returns and GRPO group normalisation (public through :mod:`rewardgym.cuda.ops`)."""

from __future__ import annotations

import torch

from rewardgym.cuda import _torch_paths
from rewardgym.cuda._checks import as_int64, as_tensor, require
from rewardgym.cuda._dispatch import cpu_direct, cpu_kernels, library

__all__ = ["discounted_returns", "gae", "group_normalize"]

_FLOATS = (torch.float32, torch.float64)


def _float_2d(value: torch.Tensor, name: str, like: torch.Tensor | None = None) -> torch.Tensor:
    t = as_tensor(value, name, None if like is None else like.device)
    require(t.is_floating_point(), f"{name} must be floating point, got {t.dtype}")
    if like is not None:
        require(t.shape == like.shape, f"{name} must have shape {tuple(like.shape)}, got {tuple(t.shape)}")
        return t.to(like.dtype).contiguous()
    require(t.dim() == 2, f"{name} must be 2-D, (B, T) or with time_major=True (T, B); got shape {tuple(t.shape)}")
    return (t if t.dtype in _FLOATS else t.float()).contiguous()


def _dones_and_bootstrap(dones, last_values, r, time_major: bool):
    d = as_tensor(dones, "dones", r.device)
    require(d.shape == r.shape, f"dones must have shape {tuple(r.shape)}, got {tuple(d.shape)}")
    d = (d if d.dtype == torch.bool else d != 0).contiguous()
    lv = None
    n = r.shape[1] if time_major else r.shape[0]
    if last_values is not None:
        lv = as_tensor(last_values, "last_values", r.device).reshape(-1)
        require(lv.numel() == n, f"last_values must be (B,) = ({n},), got {lv.numel()} values")
        lv = lv.to(r.dtype).contiguous()
    return d, lv


def _check_discount(gamma: float, lam: float) -> None:
    require(0.0 <= gamma <= 1.0, f"gamma must be in [0, 1], got {gamma}")
    require(0.0 <= lam <= 1.0, f"lam must be in [0, 1], got {lam}")


def _run_gae(r, v, d, lv, gamma: float, lam: float, time_major: bool) -> tuple[torch.Tensor, torch.Tensor]:
    if cpu_direct(r, v, d, lv):
        ext = cpu_kernels()
        if ext is not None:
            return ext.gae(r, v, d, lv, gamma, lam, time_major)
        return _torch_paths.gae(r, v, d, lv, gamma, lam, time_major)
    return library().gae(r, v, d, lv, gamma, lam, time_major)


def _fast_ok(r, v, d, lv, time_major: bool) -> bool:
    """The inputs are already what the kernels take (no conversion or copy needed)."""
    if not (cpu_direct(r, v, d, lv) and r.dim() == 2 and r.dtype in _FLOATS and r.is_contiguous()):
        return False
    if v is not None and not (v.shape == r.shape and v.dtype == r.dtype and v.is_contiguous()):
        return False
    if not (d.shape == r.shape and d.dtype == torch.bool and d.is_contiguous()):
        return False
    n = r.shape[1] if time_major else r.shape[0]
    return lv is None or (lv.dim() == 1 and lv.shape[0] == n and lv.dtype == r.dtype and lv.is_contiguous())


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    dones: torch.Tensor,
    last_values: torch.Tensor | None = None,
    gamma: float = 0.99,
    lam: float = 0.95,
    *,
    time_major: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over (B, T) rollouts; returns ``(advantages, returns)``.

    Convention: ``dones[b, t]`` is True when the episode ended at step t (terminated or truncated), so step t
    does not bootstrap from step t+1 and the advantage recursion restarts. ``last_values[b]`` is V(s_T) of the
    state after the final step (0 when None), used unless ``dones[b, T-1]``::

        delta[t] = r[t] + gamma * V[t+1] * (1 - dones[t]) - V[t]        (V[T] = last_values)
        A[t]     = delta[t] + gamma * lam * (1 - dones[t]) * A[t+1]      (A[T] = 0)
        returns  = A + V

    This is CleanRL's recursion with ``nextnonterminal = 1 - dones[t]`` (CleanRL stores "the next observation
    starts a new episode", i.e. our ``dones[t]``, at index t+1). To bootstrap through time-limit truncations,
    add ``gamma * V(final_obs)`` to the reward of the truncated step. Arithmetic is float64; the outputs have
    the rewards' dtype (float32 or float64).

    ``time_major=True`` takes (T, B) tensors, the layout of CleanRL's and most PPO libraries' rollout buffers,
    as they are (no transpose or copy) and returns (T, B) results; ``last_values`` stays (B,).

    Example:
        >>> import torch
        >>> rewards, dones = torch.tensor([[1.0, 1.0]]), torch.tensor([[False, True]])
        >>> adv, ret = gae(rewards, torch.zeros(1, 2), dones, gamma=0.5, lam=1.0)
        >>> adv.tolist(), ret.tolist()
        ([[1.5, 1.0]], [[1.5, 1.0]])
        >>> adv_tb, _ = gae(rewards.T, torch.zeros(2, 1), dones.T, gamma=0.5, lam=1.0, time_major=True)
        >>> adv_tb.T.tolist()
        [[1.5, 1.0]]
    """
    _check_discount(gamma, lam)
    if _fast_ok(rewards, values, dones, last_values, time_major):
        return _run_gae(rewards, values, dones, last_values, float(gamma), float(lam), time_major)
    r = _float_2d(rewards, "rewards")
    v = _float_2d(values, "values", r)
    d, lv = _dones_and_bootstrap(dones, last_values, r, time_major)
    return _run_gae(r, v, d, lv, float(gamma), float(lam), time_major)


def discounted_returns(
    rewards: torch.Tensor,
    dones: torch.Tensor,
    gamma: float = 0.99,
    last_values: torch.Tensor | None = None,
    *,
    time_major: bool = False,
) -> torch.Tensor:
    """Discounted returns ``G[t] = r[t] + gamma * (1 - dones[t]) * G[t+1]``, ``G[T] = last_values`` or 0.

    Same episode-end convention and layouts as :func:`gae` (it is GAE with V = 0 and lam = 1).

    Example:
        >>> import torch
        >>> discounted_returns(torch.tensor([[1.0, 1.0, 1.0]]), torch.tensor([[0, 1, 0]]), gamma=0.5).tolist()
        [[1.5, 1.0, 1.0]]
    """
    _check_discount(gamma, 1.0)
    r = _float_2d(rewards, "rewards")
    d, lv = _dones_and_bootstrap(dones, last_values, r, time_major)
    return _run_gae(r, None, d, lv, float(gamma), 1.0, time_major)[1]


# ----------------------------------------------------------------------------------------------- group norm
_CONVENTIONS = {"rewardgym": (1e-6, False), "trl": (1e-4, True)}
_SCALE_MODES = {"none": 0, "group": 1, "batch": 2}


def _resolve(mode, eps, scale_rewards, unbiased, convention) -> tuple[int, bool, float]:
    require(convention in _CONVENTIONS, f"convention must be 'rewardgym' or 'trl', got {convention!r}")
    require(mode in ("mean_std", "mean"), f"mode must be 'mean_std' or 'mean', got {mode!r}")
    if scale_rewards is None:
        scale_rewards = "group" if mode == "mean_std" else "none"
    else:
        require(
            scale_rewards in _SCALE_MODES,
            f"scale_rewards must be 'group', 'batch' or 'none' (TRL's values), got {scale_rewards!r}",
        )
        require(mode == "mean_std", "give either mode or scale_rewards, not both")
    default_eps, default_unbiased = _CONVENTIONS[convention]
    eps = default_eps if eps is None else float(eps)
    require(eps >= 0, f"eps must be >= 0, got {eps}")
    return _SCALE_MODES[scale_rewards], default_unbiased if unbiased is None else bool(unbiased), eps


def group_normalize(
    scores: torch.Tensor,
    group_ids: torch.Tensor | None = None,
    mode: str = "mean_std",
    eps: float | None = None,
    *,
    group_size: int | None = None,
    scale_rewards: str | None = None,
    unbiased: bool | None = None,
    convention: str = "rewardgym",
) -> torch.Tensor:
    """Normalise scores within groups (GRPO advantages): ``(x - mean_g) / (std + eps)`` or ``x - mean_g``.

    Groups are arbitrary int64 ids: unsorted, ragged, non-contiguous (id -2^63 is reserved); or, with
    ``group_size=G`` and no ids, consecutive blocks of G scores (TRL's layout: ``rewards.view(-1, G)``). NaN
    scores are excluded from the statistics (not counted) and stay NaN. A std over fewer than two valid scores
    is 0. Statistics are float64; the result is float32 (N,).

    Conventions (explicit ``eps`` / ``unbiased`` override them):

    - ``convention="rewardgym"`` (default): population std (``unbiased=False``), ``eps=1e-6``.
    - ``convention="trl"``: TRL ``GRPOTrainer``'s advantages: Bessel-corrected std (``unbiased=True``, TRL's
      ``nanstd``) and ``eps=1e-4``, so ``group_normalize(r, group_size=G, convention="trl")`` equals TRL's
      ``(r - mean_g) / (std_g + 1e-4)`` (except for groups with one valid score, where TRL's std is NaN).

    Scaling: ``mode="mean_std"`` (divide by the group's std) or ``"mean"`` (Dr. GRPO-style, no scaling); or,
    by TRL's ``GRPOConfig.scale_rewards`` names, ``scale_rewards="group"`` (= ``mean_std``), ``"batch"`` (the
    std of all valid scores in the call, the mean still per group) or ``"none"`` (= ``mean``).

    Args:
        scores: float (N,).
        group_ids: integer (N,); or None with ``group_size``.
        mode: ``"mean_std"`` or ``"mean"``.
        eps: added to the std (default: the convention's).
        group_size: consecutive groups of this many scores (instead of ``group_ids``).
        scale_rewards: ``"group"``, ``"batch"`` or ``"none"`` (instead of ``mode``).
        unbiased: Bessel's correction (default: the convention's).
        convention: ``"rewardgym"`` or ``"trl"``.

    Example:
        >>> import torch
        >>> scores, groups = torch.tensor([1.0, 5.0, 2.0, 4.0]), torch.tensor([3, 8, 3, 8])
        >>> group_normalize(scores, groups, mode="mean").tolist()
        [-0.5, 0.5, 0.5, -0.5]
        >>> [round(x, 4) for x in group_normalize(torch.tensor([1.0, 2.0, 3.0, 5.0]), group_size=2,
        ...                                       convention="trl").tolist()]
        [-0.707, 0.707, -0.7071, 0.7071]
    """
    scale_mode, unbiased_, eps_ = _resolve(mode, eps, scale_rewards, unbiased, convention)
    x = as_tensor(scores, "scores")
    require(
        x.dim() == 1 and x.is_floating_point(),
        f"scores must be a float (N,) tensor, got {x.dtype} {tuple(x.shape)}",
    )
    x = x.float().contiguous()
    n = x.shape[0]
    if group_ids is None:
        require(group_size is not None, "give group_ids (one per score) or group_size")
        require(
            isinstance(group_size, int) and group_size >= 1 and n % group_size == 0,
            f"group_size must be a positive int dividing the {n} scores, got {group_size!r}",
        )
        g = None
    else:
        require(group_size is None, "give either group_ids or group_size, not both")
        g = as_int64(group_ids, "group_ids", x.device)
        require(g.shape == x.shape, f"group_ids must have shape {tuple(x.shape)}, got {tuple(g.shape)}")
    if cpu_direct(x, g):
        ext = cpu_kernels()
        if ext is not None:
            return ext.group_normalize(x, g, group_size or 0, scale_mode, unbiased_, eps_)
    if g is None:
        g = torch.arange(n, device=x.device) // group_size
    if cpu_direct(x, g):
        return _torch_paths.group_normalize(x, g, scale_mode, unbiased_, eps_)
    return library().group_normalize(x, g, scale_mode, unbiased_, eps_)
