"""Proximal Policy Optimization (PPO), CleanRL-style, in one file, for any rewardgym reward.

Discrete (categorical) and continuous (diagonal Gaussian) actions; a small MLP actor-critic on one-hot
(small integer Box, e.g. the maze grid) or flattened observations; ``gymnasium.make_vec`` envs (the env's
natively batched ``vector_entry_point`` when it has one) with the reward attached by ``rewardgym.wrap``.
Logs go to TensorBoard (``charts/``, ``losses/``, ``rewards/<term>/mean``); the task's success rate is
evaluated periodically from the env's own ``info["success"]`` on separate, unwrapped eval envs (never the
training reward). Runs are deterministic given the seed (CPU, one thread).

Run as a script::

    python baselines/ppo.py --env-id CartPole-v1 --total-timesteps 100000
    python baselines/ppo.py --env-id rewardgym/Maze-v0 --env-kwargs '{"size": 9}' \\
        --reward '{"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 1.0}}'
    python baselines/ppo.py --env-id rewardgym/Maze-v0 --ray --ray-workers 4 --ray-address auto  # on a Ray cluster

or from Python (the ``rewardgym reproduce`` runner does this)::

    result = train(PPOConfig(env_id="CartPole-v1", total_timesteps=20_000))

Callbacks (e.g. :class:`rewardgym.rewards.learned.PreferenceLearner`) see every rollout through
``on_rollout_end(rollout)``: they may relabel ``rollout.rewards`` in place and return scalars to log.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
from gymnasium.vector import AutoresetMode
from torch.distributions import Categorical, Normal

import rewardgym
from rewardgym.errors import EnvConfigError, require
from rewardgym.training import Callback, Rollout  # the hooks every trainer shares


@dataclass
class PPOConfig:
    """Every knob of a run. Defaults follow CleanRL's ``ppo.py`` except where noted."""

    env_id: str = "CartPole-v1"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    reward: Any = None
    """Training reward: a registered name, a spec dict or a Reward; None keeps the env's own reward."""
    seed: int = 1
    total_timesteps: int = 200_000
    num_envs: int = 64
    num_steps: int = 64
    learning_rate: float = 2.5e-4
    anneal_lr: bool = True
    gamma: float = 0.99
    gae_lambda: float = 0.95
    gae_impl: str = "auto"
    """``"ops"`` (``rewardgym.cuda.ops.gae``), ``"loop"`` (:func:`gae_loop`) or ``"auto"`` (ops if found)."""
    num_minibatches: int = 4
    update_epochs: int = 4
    norm_adv: bool = True
    clip_coef: float = 0.2
    clip_vloss: bool = True
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    target_kl: float | None = None
    hidden_size: int = 64
    obs_encoding: str = "auto"
    """``"onehot"`` (integer Box, <= 32 values per cell), ``"flat"``, or ``"auto"`` (one-hot if it fits)."""
    norm_obs: bool = False
    norm_reward: bool = False
    vectorization_mode: str = "auto"
    ray: bool = False
    """Run the training envs' sub-envs in Ray actors (``rewardgym.distributed.RayVectorEnv``); eval stays local."""
    ray_workers: int = 2
    ray_address: str | None = None
    """An existing Ray cluster (``"auto"`` or ``host:port``); None starts a local one."""
    device: str = "auto"
    torch_threads: int = 1
    eval_every: int = 20_000
    eval_episodes: int = 64
    eval_deterministic: bool = False
    shared_reset_seed: bool = False
    """Reset every sub-env with the same seed (with ``fixed_maze=True``: one maze layout for all of them)."""
    eval_seed_offset: int = 1_000_003
    """Eval envs reset with ``seed + eval_seed_offset``: held-out layouts; 0 = the training layouts."""
    success_key: str = "success"
    log_dir: str | None = "runs"
    run_name: str | None = None
    progress: bool = True


@dataclass
class TrainResult:
    """What :func:`train` returns: the evaluation curve and run facts (all plain data)."""

    config: dict[str, Any]
    eval_steps: list[int]
    eval_success: list[float]
    eval_return: list[float]
    train_steps: int
    wall_time_s: float
    device: str
    log_dir: str | None
    preference_queries: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def final_success(self) -> float:
        return self.eval_success[-1] if self.eval_success else float("nan")

    @property
    def final_return(self) -> float:
        return self.eval_return[-1] if self.eval_return else float("nan")

    def steps_to(self, success: float) -> int | None:
        """First evaluated env step with success rate >= ``success`` (None if never)."""
        return next((s for s, v in zip(self.eval_steps, self.eval_success) if v >= success), None)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def layer_init(layer: nn.Linear, std: float = np.sqrt(2), bias: float = 0.0) -> nn.Linear:
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias)
    return layer


class ObsEncoder(nn.Module):
    """Raw observation batch -> float features (one-hot per cell for small integer grids)."""

    def __init__(self, space: gym.spaces.Space, mode: str) -> None:
        super().__init__()
        if not isinstance(space, gym.spaces.Box):
            raise EnvConfigError(f"PPO needs a Box observation space, got {space}")
        low, high = np.asarray(space.low), np.asarray(space.high)
        finite = bool(np.isfinite(low).all() and np.isfinite(high).all())
        integer = bool(np.issubdtype(space.dtype, np.integer)) and finite
        n_values = int(high.max() - low.min() + 1) if integer else 0
        if mode == "auto":
            mode = "onehot" if integer and n_values <= 32 else "flat"
        if mode not in ("onehot", "flat"):
            raise EnvConfigError(f"obs_encoding must be 'auto', 'onehot' or 'flat', got {mode!r}")
        if mode == "onehot" and not integer:
            raise EnvConfigError(f"obs_encoding='onehot' needs a bounded integer Box, got {space}")
        self.mode, self.low, self.n_values = mode, int(low.min()) if integer else 0, n_values
        cells = int(np.prod(space.shape))
        self.out_dim = cells * n_values if mode == "onehot" else cells

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        flat = obs.flatten(1) if obs.ndim > 1 else obs[:, None]
        if self.mode == "onehot":
            return nn.functional.one_hot((flat.long() - self.low), self.n_values).flatten(1).float()
        return flat.float()


class Agent(nn.Module):
    """Separate actor and critic MLPs (tanh), Categorical or Gaussian policy head."""

    def __init__(
        self, obs_space: gym.spaces.Space, act_space: gym.spaces.Space, hidden: int, encoding: str
    ) -> None:
        super().__init__()
        self.encoder = ObsEncoder(obs_space, encoding)
        self.discrete = isinstance(act_space, gym.spaces.Discrete)
        if not self.discrete and not isinstance(act_space, gym.spaces.Box):
            raise EnvConfigError(f"PPO supports Discrete or Box action spaces, got {act_space}")
        n_out = int(act_space.n) if self.discrete else int(np.prod(act_space.shape))
        d = self.encoder.out_dim

        def mlp(out: int, std: float) -> nn.Sequential:
            return nn.Sequential(
                layer_init(nn.Linear(d, hidden)), nn.Tanh(),
                layer_init(nn.Linear(hidden, hidden)), nn.Tanh(),
                layer_init(nn.Linear(hidden, out), std=std),
            )

        self.critic = mlp(1, 1.0)
        self.actor = mlp(n_out, 0.01)
        if not self.discrete:
            self.log_std = nn.Parameter(torch.zeros(1, n_out))

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        return self.critic(self.encoder(obs)).squeeze(-1)

    def dist(self, x: torch.Tensor) -> torch.distributions.Distribution:
        out = self.actor(x)
        if self.discrete:
            return Categorical(logits=out)
        return Normal(out, self.log_std.expand_as(out).exp())

    def act(
        self, obs: torch.Tensor, action: torch.Tensor | None = None, deterministic: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(action, log-prob, entropy, value)``; samples (or takes the mode) unless ``action`` is given."""
        x = self.encoder(obs)
        dist = self.dist(x)
        if action is None:
            greedy = dist.probs.argmax(-1) if self.discrete else dist.mean
            action = greedy if deterministic else dist.sample()
        logp, ent = dist.log_prob(action), dist.entropy()
        if not self.discrete:
            logp, ent = logp.sum(-1), ent.sum(-1)
        return action, logp, ent, self.critic(x).squeeze(-1)


def gae_loop(
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_values: torch.Tensor,
    terminated: torch.Tensor,
    dones: torch.Tensor,
    gamma: float,
    lam: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over (T, N) tensors, reference loop.

    ``next_values[t]`` is V(s_{t+1}) of the state reached by step t (bootstrapped unless ``terminated[t]``);
    the recursion stops at ``dones[t]`` (terminated or truncated). Returns ``(advantages, returns)``.
    """
    adv = torch.zeros_like(rewards)
    last = torch.zeros_like(rewards[0])
    for t in reversed(range(rewards.shape[0])):
        delta = rewards[t] + gamma * next_values[t] * (1.0 - terminated[t]) - values[t]
        last = delta + gamma * lam * (1.0 - dones[t]) * last
        adv[t] = last
    return adv, adv + values


def compute_gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_values: torch.Tensor,
    terminated: torch.Tensor,
    truncated: torch.Tensor,
    gamma: float,
    lam: float,
    impl: str = "auto",
) -> tuple[torch.Tensor, torch.Tensor]:
    """GAE over (T, N) tensors in :func:`gae_loop`'s convention; ``"ops"``: ``rewardgym.cuda.ops.gae``.

    ``ops.gae`` takes (B, T) rollouts where ``dones[t]`` stops both bootstrapping and the recursion and
    ``V[t+1]`` comes from the values array; a truncated step bootstraps by adding ``γ·V(s_{t+1})`` to its
    reward. ``"auto"`` picks ``ops`` when it can be imported.
    """
    if impl not in ("auto", "ops", "loop"):
        raise EnvConfigError(f"gae_impl must be 'auto', 'ops' or 'loop', got {impl!r}")
    ops_gae = None
    if impl != "loop":
        try:
            from rewardgym.cuda.ops import gae as ops_gae
        except ImportError:
            if impl == "ops":
                raise
    dones = (terminated | truncated).float()
    if ops_gae is None:
        return gae_loop(rewards, values, next_values, terminated.float(), dones, gamma, lam)
    boot = rewards + gamma * next_values * (truncated & ~terminated).float()
    adv, ret = ops_gae(boot.T.contiguous(), values.T.contiguous(), (terminated | truncated).T.contiguous(),
                       next_values[-1].contiguous(), gamma=gamma, lam=lam)
    return adv.T, ret.T


def make_envs(config: PPOConfig, num_envs: int, reward: Any, *, distributed: bool = False) -> gym.vector.VectorEnv:
    """Build the vector env (native batching when registered; on Ray actors when ``distributed`` and
    ``config.ray``) and attach ``reward``."""
    mode = config.vectorization_mode
    if distributed and config.ray:
        from rewardgym.distributed import RayVectorEnv

        envs = RayVectorEnv(config.env_id, num_envs, num_workers=min(config.ray_workers, num_envs),
                            env_kwargs=config.env_kwargs, vectorization_mode=mode, address=config.ray_address)
        return rewardgym.wrap(envs, reward) if reward is not None else envs
    if mode == "auto":
        spec = gym.spec(config.env_id)
        mode = "vector_entry_point" if spec.vector_entry_point is not None else "sync"
    envs = gym.make_vec(config.env_id, num_envs=num_envs, vectorization_mode=mode, **config.env_kwargs)
    if reward is not None:
        envs = rewardgym.wrap(envs, reward)
    return envs


def _numeric_infos(infos: dict[str, Any], n: int) -> dict[str, np.ndarray]:
    out = {}
    for k, v in infos.items():
        if k.startswith("_") or k in ("final_obs", "final_info", "episode", "reward_terms"):
            continue
        arr = np.asarray(v) if not isinstance(v, dict) else None
        if arr is not None and arr.dtype.kind in "biuf" and arr.shape[:1] == (n,):
            out[k] = arr
    return out


@torch.no_grad()
def evaluate(
    agent: Agent, envs: gym.vector.VectorEnv, config: PPOConfig, device: torch.device
) -> tuple[float, float]:
    """Run each eval env for one episode (fixed seeds); return (success rate, mean env return)."""
    n = envs.num_envs
    obs, _ = envs.reset(seed=_reset_seed(config, config.seed + config.eval_seed_offset, n))
    finished = np.zeros(n, dtype=bool)
    success = np.full(n, np.nan)
    returns = np.zeros(n)
    while not finished.all():
        action, *_ = agent.act(torch.as_tensor(obs, device=device), deterministic=config.eval_deterministic)
        obs, reward, term, trunc, infos = envs.step(_to_env(action, envs))
        returns += np.where(finished, 0.0, reward)
        done = np.logical_and(np.logical_or(term, trunc), ~finished)
        if done.any() and config.success_key in infos:
            success[done] = np.asarray(infos[config.success_key], dtype=float)[done]
        finished |= done
    rate = float(np.nanmean(success)) if not np.isnan(success).all() else float("nan")
    return rate, float(returns.mean())


def _reset_seed(config: PPOConfig, seed: int, n: int) -> int | list[int]:
    return [seed] * n if config.shared_reset_seed else seed


def _to_env(action: torch.Tensor, envs: gym.vector.VectorEnv) -> np.ndarray:
    a = action.cpu().numpy()
    if isinstance(envs.single_action_space, gym.spaces.Box):
        a = np.clip(a, envs.single_action_space.low, envs.single_action_space.high)
    return a


def train(config: PPOConfig, callbacks: list[Callback] | None = None) -> TrainResult:
    """Train PPO with ``config``; returns the evaluation curve (see :class:`TrainResult`).

    Example:
        >>> result = train(PPOConfig(env_id="CartPole-v1", total_timesteps=4096, num_envs=8,
        ...                          eval_every=4096, eval_episodes=4, log_dir=None, progress=False))
        >>> len(result.eval_steps) >= 1
        True
    """
    callbacks = list(callbacks or [])
    start = time.time()
    torch.set_num_threads(config.torch_threads)
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = torch.device("cuda" if config.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if config.device == "auto" else config.device))
    batch_size = config.num_envs * config.num_steps
    num_iterations = max(1, config.total_timesteps // batch_size)

    envs = make_envs(config, config.num_envs, config.reward, distributed=True)
    eval_envs = make_envs(config, config.eval_episodes, None)
    obs_norm = None
    if config.norm_obs:  # eval envs use the training statistics, frozen
        envs = obs_norm = gym.wrappers.vector.NormalizeObservation(envs)
        eval_envs = gym.wrappers.vector.NormalizeObservation(eval_envs)
        eval_envs.update_running_mean = False
    if config.norm_reward:
        envs = gym.wrappers.vector.NormalizeReward(envs, gamma=config.gamma)
    envs = gym.wrappers.vector.RecordEpisodeStatistics(envs)
    same_step = envs.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP) == AutoresetMode.SAME_STEP

    agent = Agent(envs.single_observation_space, envs.single_action_space, config.hidden_size,
                  config.obs_encoding).to(device)
    optimizer = torch.optim.Adam(agent.parameters(), lr=config.learning_rate, eps=1e-5)
    writer = None
    run_name = config.run_name or f"{config.env_id.replace('/', '_')}__s{config.seed}__{int(start)}"
    if config.log_dir:
        tb = require("torch.utils.tensorboard", "train", "tensorboard")
        writer = tb.SummaryWriter(str(Path(config.log_dir) / run_name))
        writer.add_text("hyperparameters", "|param|value|\n|-|-|\n" + "\n".join(
            f"|{k}|{v}|" for k, v in dataclasses.asdict(config).items()))

    obs_shape, act_shape = envs.single_observation_space.shape, envs.single_action_space.shape
    T, N = config.num_steps, config.num_envs
    obs_dtype = torch.as_tensor(np.zeros(1, dtype=envs.single_observation_space.dtype)).dtype
    obs_buf = torch.zeros((T, N, *obs_shape), dtype=obs_dtype, device=device)
    next_obs_buf = torch.zeros_like(obs_buf)
    act_dtype = torch.long if agent.discrete else torch.float32
    act_buf = torch.zeros((T, N, *act_shape), dtype=act_dtype, device=device)
    logp_buf, rew_buf, val_buf, next_val_buf = (torch.zeros((T, N), device=device) for _ in range(4))
    term_buf, trunc_buf = (torch.zeros((T, N), dtype=torch.bool, device=device) for _ in range(2))
    valid_buf = torch.ones((T, N), dtype=torch.bool, device=device)

    next_obs_np, _ = envs.reset(seed=_reset_seed(config, config.seed, N))
    envs.action_space.seed(config.seed)
    next_obs = torch.as_tensor(next_obs_np, device=device)
    prev_done = np.zeros(N, dtype=bool)
    for cb in callbacks:
        cb.on_train_start(config, envs)
    want_infos = any(cb.wants_infos for cb in callbacks)

    log_path = str(Path(config.log_dir) / run_name) if config.log_dir else None
    config_dict = dataclasses.asdict(config) | {"reward": _describe(config.reward)}
    result = TrainResult(config_dict, [], [], [], 0, 0.0, str(device), log_path)
    next_eval, global_step = 0, 0
    bar = None
    if config.progress:
        bar = require("tqdm.auto", "core").tqdm(total=num_iterations * batch_size, desc=run_name, unit="step")

    def run_eval() -> None:
        if obs_norm is not None:
            eval_envs.obs_rms = obs_norm.obs_rms
        rate, ret = evaluate(agent, eval_envs, config, device)
        result.eval_steps.append(global_step)
        result.eval_success.append(rate)
        result.eval_return.append(ret)
        if writer:
            writer.add_scalar("eval/success_rate", rate, global_step)
            writer.add_scalar("eval/return", ret, global_step)
        if bar is not None:
            bar.set_postfix(success=f"{rate:.2f}", ret=f"{ret:.1f}")

    for iteration in range(1, num_iterations + 1):
        if global_step >= next_eval:
            run_eval()
            next_eval += config.eval_every
        if config.anneal_lr:
            frac = 1.0 - (iteration - 1.0) / num_iterations
            optimizer.param_groups[0]["lr"] = frac * config.learning_rate
        info_rows: list[dict[str, np.ndarray]] = []
        term_sums: dict[str, float] = {}
        ep_returns, ep_success = [], []
        for t in range(T):
            global_step += N
            obs_buf[t] = next_obs
            valid_buf[t] = torch.as_tensor(np.ones(N, dtype=bool) if same_step else ~prev_done, device=device)
            with torch.no_grad():
                action, logp, _, value = agent.act(next_obs)
            act_buf[t], logp_buf[t], val_buf[t] = action, logp, value
            next_obs_np, reward, term, trunc, infos = envs.step(_to_env(action, envs))
            done = np.logical_or(term, trunc)
            rew_buf[t] = torch.as_tensor(np.asarray(reward, dtype=np.float32), device=device)
            term_buf[t] = torch.as_tensor(term, device=device)
            trunc_buf[t] = torch.as_tensor(trunc, device=device)
            next_obs = torch.as_tensor(next_obs_np, device=device)
            next_obs_buf[t] = next_obs
            if same_step and done.any():
                final = np.stack([infos["final_obs"][i] if done[i] else next_obs_np[i] for i in range(N)])
                next_obs_buf[t] = torch.as_tensor(final, device=device)
                with torch.no_grad():
                    next_val_buf[t] = agent.value(next_obs_buf[t])
            for k, v in infos.get("reward_terms", {}).items():
                term_sums[k] = term_sums.get(k, 0.0) + float(np.asarray(v)[valid_buf[t].cpu().numpy()].sum())
            if want_infos:
                info_rows.append(_numeric_infos(infos, N))
            if "episode" in infos:
                ended = infos["_episode"]
                ep_returns.extend(np.asarray(infos["episode"]["r"])[ended].tolist())
                if config.success_key in infos:
                    ep_success.extend(np.asarray(infos[config.success_key], dtype=float)[ended].tolist())
            prev_done = done

        with torch.no_grad():
            values_next = agent.value(next_obs)
        if same_step:
            done_t = (term_buf | trunc_buf)
            shifted = torch.cat([val_buf[1:], values_next[None]])
            next_val_buf = torch.where(done_t, next_val_buf, shifted)
        else:
            next_val_buf = torch.cat([val_buf[1:], values_next[None]])
        rollout = Rollout(obs_buf, act_buf, next_obs_buf, rew_buf, term_buf, trunc_buf, valid_buf,
                          _stack_infos(info_rows, device) if want_infos else {}, global_step, iteration)
        logs: dict[str, float] = {}
        for cb in callbacks:
            logs.update(cb.on_rollout_end(rollout) or {})
        rewards = torch.where(valid_buf, rollout.rewards, torch.zeros_like(rollout.rewards))
        advantages, returns = compute_gae(rewards, val_buf, next_val_buf, term_buf, trunc_buf,
                                          config.gamma, config.gae_lambda, config.gae_impl)

        # Flatten the valid steps and optimise the clipped surrogate for update_epochs epochs.
        keep = valid_buf.reshape(-1)
        b_obs = obs_buf.reshape(-1, *obs_shape)[keep]
        b_act = act_buf.reshape(-1, *act_shape)[keep]
        b_logp, b_adv = logp_buf.reshape(-1)[keep], advantages.reshape(-1)[keep]
        b_ret, b_val = returns.reshape(-1)[keep], val_buf.reshape(-1)[keep]
        n = b_obs.shape[0]
        mb_size = max(1, n // config.num_minibatches)
        clipfracs, approx_kl = [], torch.tensor(0.0)
        for _ in range(config.update_epochs):
            perm = torch.randperm(n, device=device)
            for s in range(0, n, mb_size):
                mb = perm[s:s + mb_size]
                _, newlogp, entropy, newvalue = agent.act(b_obs[mb], b_act[mb])
                logratio = newlogp - b_logp[mb]
                ratio = logratio.exp()
                with torch.no_grad():
                    approx_kl = ((ratio - 1) - logratio).mean()
                    clipfracs.append(((ratio - 1.0).abs() > config.clip_coef).float().mean().item())
                mb_adv = b_adv[mb]
                if config.norm_adv and mb.numel() > 1:
                    mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
                pg_loss = torch.max(-mb_adv * ratio,
                                    -mb_adv * ratio.clamp(1 - config.clip_coef, 1 + config.clip_coef)).mean()
                v_unclipped = (newvalue - b_ret[mb]) ** 2
                if config.clip_vloss:
                    v_clipped = b_val[mb] + (newvalue - b_val[mb]).clamp(-config.clip_coef, config.clip_coef)
                    v_loss = 0.5 * torch.max(v_unclipped, (v_clipped - b_ret[mb]) ** 2).mean()
                else:
                    v_loss = 0.5 * v_unclipped.mean()
                ent = entropy.mean()
                loss = pg_loss - config.ent_coef * ent + config.vf_coef * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), config.max_grad_norm)
                optimizer.step()
            if config.target_kl is not None and approx_kl > config.target_kl:
                break

        if bar is not None:
            bar.update(batch_size)
        if writer:
            y_pred, y_true = b_val.cpu().numpy(), b_ret.cpu().numpy()
            scalars = {
                "charts/learning_rate": optimizer.param_groups[0]["lr"],
                "charts/SPS": global_step / (time.time() - start),
                "losses/value_loss": v_loss.item(), "losses/policy_loss": pg_loss.item(),
                "losses/entropy": ent.item(), "losses/approx_kl": approx_kl.item(),
                "losses/clipfrac": float(np.mean(clipfracs)),
                "losses/explained_variance": _explained_variance(y_pred, y_true),
                **{f"rewards/{k}/mean": v / max(1, int(keep.sum())) for k, v in term_sums.items()},
                **logs,
            }
            if ep_returns:
                scalars["charts/episodic_return"] = float(np.mean(ep_returns))
            if ep_success:
                scalars["charts/success_rate"] = float(np.mean(ep_success))
            for k, v in scalars.items():
                writer.add_scalar(k, v, global_step)

    run_eval()
    result.train_steps = global_step
    result.wall_time_s = time.time() - start
    result.preference_queries = sum(int(getattr(cb, "queries", 0)) for cb in callbacks)
    for cb in callbacks:
        cb.on_train_end(result)
    if bar is not None:
        bar.close()
    if writer:
        writer.close()
    envs.close()
    eval_envs.close()
    return result


def _explained_variance(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    var_y = np.var(y_true)
    return float("nan") if var_y == 0 else float(1 - np.var(y_true - y_pred) / var_y)


def _stack_infos(rows: list[dict[str, np.ndarray]], device: torch.device) -> dict[str, torch.Tensor]:
    keys = set.intersection(*(set(r) for r in rows)) if rows else set()
    return {k: torch.as_tensor(np.stack([r[k] for r in rows]), device=device) for k in sorted(keys)}


def _describe(reward: Any) -> Any:
    from rewardgym.rewards.serialize import describe_reward

    return describe_reward(reward)  # a spec that build_reward rebuilds, not a repr


def parse_args(argv: list[str] | None = None) -> PPOConfig:
    """Command-line flags, one per :class:`PPOConfig` field (``--config file.yaml`` sets defaults)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="YAML file of PPOConfig fields (flags override it)")
    for f in dataclasses.fields(PPOConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.type == "bool":
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None)
        else:
            parser.add_argument(flag, default=None, help=f"(default: {_default(f)!r})")
    args = vars(parser.parse_args(argv))
    values: dict[str, Any] = {}
    config_path = args.pop("config")
    if config_path:
        import yaml

        values.update(yaml.safe_load(Path(config_path).read_text()) or {})
        unknown = set(values) - {f.name for f in dataclasses.fields(PPOConfig)}
        if unknown:
            raise EnvConfigError(f"{config_path}: unknown PPOConfig fields {sorted(unknown)}")
    for f in dataclasses.fields(PPOConfig):
        raw = args[f.name]
        if raw is None:
            continue
        values[f.name] = raw if f.type == "bool" else _parse_value(raw, f.type)
    return PPOConfig(**values)


def _default(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def _parse_value(raw: str, type_name: str) -> Any:
    if type_name == "int":
        return int(float(raw))
    if type_name == "float" or type_name == "float | None":
        return None if raw.lower() == "none" else float(raw)
    if type_name.startswith("dict") or type_name == "Any":
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            if type_name == "Any":
                return raw  # a registered reward name
            raise EnvConfigError(f"expected a JSON object, got {raw!r}") from None
    return raw


if __name__ == "__main__":
    res = train(parse_args())
    if res.log_dir:
        print(f"TensorBoard logs: {res.log_dir} (view them with `tensorboard --logdir {Path(res.log_dir).parent}`)")
    print(json.dumps({"final_success": res.final_success, "final_return": res.final_return,  # the last line
                      "steps": res.train_steps, "wall_time_s": round(res.wall_time_s, 1),
                      "device": res.device, "tensorboard": res.log_dir}))
