"""Group Relative Policy Optimization (GRPO), CleanRL-style, in one file, for any causal LM and rewardgym task.

Each step samples ``group_size`` episodes for each of ``prompts_per_step`` training keys (prompts or env
seeds) with the current policy, scores them through the task's reward (every term logged), turns the rewards
into group-relative advantages with ``rewardgym.cuda.ops.group_normalize``, and takes one clipped
importance-ratio policy-gradient step on the policy's own tokens (environment text is masked out). Token
log-probabilities of the policy and of the optional frozen reference model (KL term, the k3 estimator) come
from ``rewardgym.cuda.ops.sequence_logprob``.

Variants are config: ``kl_coef`` (0: no reference model), ``loss_agg`` (``"token"``: every policy token of
the batch weighs the same; ``"sequence"``: mean per sequence, then over sequences, as in the GRPO paper),
``scale_std`` (divide advantages by the group's std, or only centre them as in Dr. GRPO).

Rollouts are generated with :mod:`rewardgym.llm.sampling`: ``model.generate`` on the trained module (CPU or
GPU), or a vLLM engine on a GPU whose weights are re-synced from the trainer after every step
(``--sampler vllm``). Held-out keys (never trained on) are evaluated greedily every ``eval_every`` steps.
Logs go to TensorBoard (``charts/``, ``losses/``, ``rewards/<term>``); ``checkpoint_every`` writes
``<log_dir>/<run>/checkpoint.pt`` and ``--resume`` continues from it.

Run as a script::

    python baselines/grpo.py --task phrase-bleu --steps 30
    python baselines/grpo.py --task referential --kl-coef 0.02 --loss-agg sequence --no-scale-std
    python baselines/grpo.py --task phrase-bleu --ray --ray-workers 4 --ray-address auto  # scoring on a cluster

or from Python (``rewardgym reproduce grpo`` does this)::

    result = train(GRPOConfig(task="phrase-bleu", steps=20))
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rewardgym.cuda import ops
from rewardgym.errors import EnvConfigError, require
from rewardgym.llm.sampling import make_sampler
from rewardgym.llm.tasks import ScoredEpisode, make_task


@dataclass
class GRPOConfig:
    """Every knob of a run. Defaults are sized for SmolLM2-135M-Instruct on a small CPU."""

    model: str = "smollm2"
    """``"smollm2"`` (bundled, offline) or a local checkpoint folder any ``AutoModelForCausalLM`` loads."""
    task: str = "phrase-bleu"
    task_kwargs: dict[str, Any] = field(default_factory=dict)
    reward: Any = None
    """Training reward (a registered name or spec dict); None keeps the task's default."""
    seed: int = 1
    steps: int = 20
    prompts_per_step: int = 2
    group_size: int = 8
    max_new_tokens: int = 16
    temperature: float = 0.7
    learning_rate: float = 2e-5
    weight_decay: float = 0.0
    kl_coef: float = 0.0
    clip_eps: float = 0.2
    clip_eps_high: float | None = None
    """Upper clip bound (DAPO's clip-higher); None: ``clip_eps``."""
    loss_agg: str = "token"
    scale_std: bool = True
    update_epochs: int = 1
    minibatches: int = 1
    max_grad_norm: float = 1.0
    sampler: str = "transformers"
    device: str = "auto"
    dtype: str = "float32"
    torch_threads: int = 1
    eval_every: int = 10
    eval_prompts: int = 16
    log_dir: str | None = "runs"
    run_name: str | None = None
    checkpoint_every: int = 0
    resume: bool = False
    progress: bool = True
    ray: bool = False
    """Score the episodes on Ray actors (``rewardgym.distributed.RayReward``; tasks with a ``.reward``)."""
    ray_workers: int = 2
    ray_address: str | None = None


@dataclass
class GRPOResult:
    """What :func:`train` returns (plain data)."""

    config: dict[str, Any]
    eval_steps: list[int]
    eval_reward: list[float]
    eval_success: list[float]
    train_reward: list[float]
    wall_time_s: float
    step_time_s: float
    tokens_per_s: float
    peak_memory_mb: float
    device: str
    log_dir: str | None
    extra: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ GRPO math
def group_advantages(rewards: torch.Tensor, group_ids: torch.Tensor, scale_std: bool = True) -> torch.Tensor:
    """``(r - mean_g) / (std_g + eps)`` (or ``r - mean_g``) per group, by ``rewardgym.cuda.ops.group_normalize``."""
    return ops.group_normalize(rewards.float(), group_ids, mode="mean_std" if scale_std else "mean", eps=1e-4)


def token_logprobs(model: Any, ids: torch.Tensor, attention: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per-token log-probabilities (B, T-1) of ``ids[:, 1:]`` where ``mask[:, 1:]``; 0 elsewhere.

    Logits are computed only from the first masked position on (``logits_to_keep``), then scored by
    ``ops.sequence_logprob`` without materialising the log-softmax.
    """
    targets, tmask = ids[:, 1:], mask[:, 1:].bool()
    T = targets.shape[1]
    cols = tmask.any(0).nonzero()
    start = int(cols[0]) if len(cols) else T - 1
    keep = T - start  # logits of positions start .. T-1 predict targets start .. T-1
    logits = model(input_ids=ids, attention_mask=attention, logits_to_keep=keep + 1).logits[:, :-1]
    _, per_token = ops.sequence_logprob(logits, targets[:, start:], tmask[:, start:], return_per_token=True)
    return torch.nn.functional.pad(per_token, (start, 0))


def grpo_loss(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    clip_eps: float = 0.2,
    clip_eps_high: float | None = None,
    ref_logp: torch.Tensor | None = None,
    kl_coef: float = 0.0,
    loss_agg: str = "token",
) -> tuple[torch.Tensor, dict[str, float]]:
    """The clipped GRPO objective on (B, T) token log-probs; returns ``(loss, stats)``.

    Per token: ``-min(ρ A, clip(ρ, 1-ε, 1+ε_high) A) + β (exp(ref - logp) - (ref - logp) - 1)`` with
    ``ρ = exp(logp - old_logp)``; aggregated over all masked tokens (``"token"``) or per sequence first
    (``"sequence"``).
    """
    if loss_agg not in ("token", "sequence"):
        raise EnvConfigError(f"loss_agg must be 'token' or 'sequence', got {loss_agg!r}")
    m = mask.float()
    ratio = torch.exp(logp - old_logp)
    adv = advantages.float().unsqueeze(1)
    high = clip_eps if clip_eps_high is None else clip_eps_high
    per_token = -torch.minimum(ratio * adv, torch.clamp(ratio, 1 - clip_eps, 1 + high) * adv)
    kl = torch.zeros_like(per_token)
    if ref_logp is not None and kl_coef:
        d = ref_logp - logp
        kl = torch.exp(d) - d - 1
        per_token = per_token + kl_coef * kl
    if loss_agg == "token":
        loss = (per_token * m).sum() / m.sum().clamp(min=1)
    else:
        loss = ((per_token * m).sum(1) / m.sum(1).clamp(min=1)).mean()
    with torch.no_grad():
        n = m.sum().clamp(min=1)
        clipped = ((ratio < 1 - clip_eps) | (ratio > 1 + high)).float()
        stats = {"clip_frac": float((clipped * m).sum() / n), "kl": float((kl * m).sum() / n),
                 "ratio": float((ratio * m).sum() / n)}
    return loss, stats


def pad_episodes(episodes: list[ScoredEpisode], pad_id: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-padded ``(ids, attention, loss_mask)`` (B, T) tensors of a list of episodes."""
    T = max(len(e.ids) for e in episodes)
    ids = torch.full((len(episodes), T), pad_id, dtype=torch.long)
    attn = torch.zeros((len(episodes), T), dtype=torch.long)
    mask = torch.zeros((len(episodes), T), dtype=torch.bool)
    for i, e in enumerate(episodes):
        ids[i, : len(e.ids)] = torch.tensor(e.ids)
        attn[i, : len(e.ids)] = 1
        mask[i, : len(e.mask)] = torch.tensor(e.mask, dtype=torch.bool)
    return ids, attn, mask


# ------------------------------------------------------------------------------------------------ helpers
def load_policy(config: GRPOConfig, device: torch.device) -> tuple[Any, Any, str]:
    """``(model, tokenizer, path)`` of ``config.model`` (local files only)."""
    transformers = require("transformers", "llm")
    from rewardgym.llm.models import resolve_model

    path = resolve_model(config.model)
    tok = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model = transformers.AutoModelForCausalLM.from_pretrained(
        path, local_files_only=True, dtype=getattr(torch, config.dtype)).to(device)
    return model, tok, path


def evaluate(model: Any, tokenizer: Any, task: Any, keys: list[int], config: GRPOConfig) -> dict[str, float]:
    """Greedy episodes on held-out keys: mean reward and success rate."""
    from rewardgym.llm.sampling import TransformersSampler

    sampler = TransformersSampler(model, tokenizer)
    eps = task.rollout(sampler, tokenizer, keys, group_size=1, max_new_tokens=config.max_new_tokens,
                       temperature=0.0, seed=None)
    return {"reward": float(np.mean([e.reward for e in eps])), "success": float(np.mean([e.success for e in eps]))}


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device(name: str) -> torch.device:
    """``"auto"``: CUDA when available, else CPU."""
    return torch.device(("cuda" if torch.cuda.is_available() else "cpu") if name == "auto" else name)


# ------------------------------------------------------------------------------------------------ training
def train(config: GRPOConfig) -> GRPOResult:
    """Run GRPO as configured; returns the held-out curve and run facts."""
    if config.loss_agg not in ("token", "sequence"):
        raise EnvConfigError(f"loss_agg must be 'token' or 'sequence', got {config.loss_agg!r}")
    if config.group_size < 2:
        raise EnvConfigError(f"group_size must be >= 2 (advantages are relative to the group), got {config.group_size}")
    torch.set_num_threads(config.torch_threads)
    seed_everything(config.seed)
    device = pick_device(config.device)
    model, tok, path = load_policy(config, device)
    ref = None
    if config.kl_coef:
        ref, _, _ = load_policy(config, device)
        ref.eval().requires_grad_(False)
    kwargs = dict(config.task_kwargs)
    if config.reward is not None:
        kwargs["reward"] = config.reward
    task = make_task(config.task, **kwargs)
    if config.ray:
        if not hasattr(task, "reward"):
            raise EnvConfigError(f"--ray scores a task's .reward on actors; task {config.task!r} scores in its env")
        from rewardgym.distributed import RayReward

        task.reward = RayReward(task.reward, num_workers=config.ray_workers, address=config.ray_address)
    sampler = make_sampler(config.sampler, model, tok, model_path=path)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    run_name = config.run_name or f"grpo_{config.task}_s{config.seed}_{int(time.time())}"
    run_dir = Path(config.log_dir) / run_name if config.log_dir else None
    writer = None
    if run_dir is not None:
        tb = require("torch.utils.tensorboard", "core", "tensorboard")
        writer = tb.SummaryWriter(str(run_dir))
        writer.add_text("config", json.dumps(dataclasses.asdict(config), default=str))
    eval_keys = task.keys("eval", config.eval_prompts)
    train_keys = task.keys("train", min(task.n_train, config.steps * config.prompts_per_step))
    order = np.random.default_rng(config.seed).permutation(len(train_keys))
    result = GRPOResult(dataclasses.asdict(config), [], [], [], [], 0.0, 0.0, 0.0, 0.0, str(device),
                        str(run_dir) if run_dir else None)
    start_step, spent, tokens = 0, 0.0, 0
    ckpt = run_dir / "checkpoint.pt" if run_dir is not None else None
    if config.resume and ckpt is not None and ckpt.exists():
        state = torch.load(ckpt, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start_step, spent, tokens = state["step"], state["spent"], state["tokens"]
        for k in ("eval_steps", "eval_reward", "eval_success", "train_reward"):
            setattr(result, k, state["curve"][k])
        torch.random.set_rng_state(state["torch_rng"])
        sampler.sync(model)

    def run_eval(step: int) -> None:
        ev = evaluate(model, tok, task, eval_keys, config)
        result.eval_steps.append(step)
        result.eval_reward.append(ev["reward"])
        result.eval_success.append(ev["success"])
        if writer:
            writer.add_scalar("charts/eval_reward", ev["reward"], step)
            writer.add_scalar("charts/eval_success", ev["success"], step)

    if start_step == 0:
        run_eval(0)
    bar = None
    if config.progress:
        bar = require("tqdm.auto", "core").tqdm(total=config.steps, initial=start_step, desc=run_name, unit="step")
    for step in range(start_step, config.steps):
        t0 = time.perf_counter()
        lo = step * config.prompts_per_step % len(train_keys)
        keys = [train_keys[int(order[(lo + i) % len(order)])] for i in range(config.prompts_per_step)]
        episodes = task.rollout(sampler, tok, keys, group_size=config.group_size,
                                max_new_tokens=config.max_new_tokens, temperature=config.temperature,
                                seed=config.seed * 1_000_003 + step)
        rewards = torch.tensor([e.reward for e in episodes])
        groups = torch.tensor([i // config.group_size for i in range(len(episodes))])
        adv = group_advantages(rewards, groups, config.scale_std).nan_to_num(0.0)
        ids, attn, mask = pad_episodes(episodes, tok.pad_token_id)
        ids, attn, mask = ids.to(device), attn.to(device), mask.to(device)
        tmask = mask[:, 1:]
        model.train()
        with torch.no_grad():
            old = token_logprobs(model, ids, attn, mask) if config.update_epochs > 1 or config.minibatches > 1 else None
            ref_lp = token_logprobs(ref, ids, attn, mask) if ref is not None else None
        stats: dict[str, float] = {}
        for _ in range(config.update_epochs):
            for mb in torch.randperm(len(episodes)).chunk(config.minibatches):
                logp = token_logprobs(model, ids[mb], attn[mb], mask[mb])
                loss, stats = grpo_loss(
                    logp, logp.detach() if old is None else old[mb], adv[mb].to(device), tmask[mb],
                    clip_eps=config.clip_eps, clip_eps_high=config.clip_eps_high,
                    ref_logp=None if ref_lp is None else ref_lp[mb], kl_coef=config.kl_coef,
                    loss_agg=config.loss_agg)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
                optimizer.step()
        sampler.sync(model)
        loss_value = float(loss.detach())
        spent += time.perf_counter() - t0
        tokens += int(mask.sum())
        result.train_reward.append(float(rewards.mean()))
        if writer:
            writer.add_scalar("charts/train_reward", float(rewards.mean()), step + 1)
            writer.add_scalar("charts/train_success", float(np.mean([e.success for e in episodes])), step + 1)
            writer.add_scalar("charts/policy_tokens", float(mask.sum()) / len(episodes), step + 1)
            writer.add_scalar("losses/loss", loss_value, step + 1)
            writer.add_scalar("losses/grad_norm", float(grad_norm), step + 1)
            for k, v in stats.items():
                writer.add_scalar(f"losses/{k}", v, step + 1)
            for name in episodes[0].terms:
                writer.add_scalar(f"rewards/{name}", float(np.mean([e.terms.get(name, 0.0) for e in episodes])),
                                  step + 1)
        if not np.isfinite(loss_value):
            raise FloatingPointError(f"step {step + 1}: the loss is {loss_value}")
        if (step + 1) % max(config.eval_every, 1) == 0 or step + 1 == config.steps:
            run_eval(step + 1)
        if ckpt is not None and config.checkpoint_every and ((step + 1) % config.checkpoint_every == 0
                                                             or step + 1 == config.steps):
            curve = {k: getattr(result, k) for k in ("eval_steps", "eval_reward", "eval_success", "train_reward")}
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step + 1,
                        "spent": spent, "tokens": tokens, "curve": curve, "torch_rng": torch.random.get_rng_state()},
                       ckpt)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(reward=f"{float(rewards.mean()):.3f}", eval=f"{result.eval_reward[-1]:.3f}")
    if bar is not None:
        bar.close()
    if writer:
        writer.close()
    if config.ray:
        task.reward.close()
    done = max(config.steps - start_step, 1)
    result.wall_time_s = spent
    result.step_time_s = spent / done if config.steps > start_step else 0.0
    result.tokens_per_s = tokens / spent if spent else 0.0
    result.peak_memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if device.type == "cuda":
        result.extra["peak_cuda_memory_mb"] = torch.cuda.max_memory_allocated() / 2**20
    result.extra["final_loss"] = loss_value if config.steps > start_step else float("nan")
    return result


# ------------------------------------------------------------------------------------------------ CLI
def parse_args(argv: list[str] | None = None) -> GRPOConfig:
    """Command-line flags, one per :class:`GRPOConfig` field."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for f in dataclasses.fields(GRPOConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.type == "bool":
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None)
        else:
            parser.add_argument(flag, default=None)
    args = vars(parser.parse_args(argv))
    values: dict[str, Any] = {}
    for f in dataclasses.fields(GRPOConfig):
        raw = args[f.name]
        if raw is None:
            continue
        if f.type == "bool":
            values[f.name] = raw
        elif f.type == "int":
            values[f.name] = int(raw)
        elif f.type in ("float", "float | None"):
            values[f.name] = None if raw.lower() == "none" else float(raw)
        elif f.type.startswith("dict") or f.type == "Any":
            try:
                values[f.name] = json.loads(raw)
            except json.JSONDecodeError:
                if f.type != "Any":
                    raise EnvConfigError(f"--{f.name.replace('_', '-')}: expected a JSON object, got {raw!r}") from None
                values[f.name] = raw  # a registered reward name
        else:
            values[f.name] = raw
    return GRPOConfig(**values)


if __name__ == "__main__":
    res = train(parse_args())
    print(json.dumps({"eval_reward": res.eval_reward, "eval_success": res.eval_success,
                      "step_time_s": round(res.step_time_s, 2), "tokens_per_s": round(res.tokens_per_s, 1),
                      "device": res.device}))
