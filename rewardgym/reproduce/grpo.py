"""``rewardgym reproduce grpo``: GRPO (``baselines/grpo.py``) and TRL's ``GRPOTrainer`` on the same tasks.

For each task and seed, one process trains ``baselines/grpo.py`` and another TRL's ``GRPOTrainer`` with the
same model (SmolLM2-135M-Instruct), the same training prompts in the same order, the same reward (the
task's, passed to TRL through :func:`trl_reward_func`), the same generation budget (prompts per step, group
size, new tokens, temperature) and the same optimiser settings. Both are evaluated by the same function:
greedy episodes on held-out keys never trained on. The report lists held-out reward and success before and
after (mean ± std over seeds), wall time per step, policy tokens per second, peak memory and the device.

Example:
    >>> budget = grpo_budget(quick=True)
    >>> budget["seeds"], sorted(budget["tasks"])
    (1, ['phrase-bleu', 'referential'])
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

from rewardgym.errors import require

__all__ = ["COMMON", "TASKS", "grpo_budget", "load_grpo", "reproduce_grpo", "run_one", "trl_reward_func"]


COMMON: dict[str, Any] = {"model": "smollm2", "prompts_per_step": 2, "group_size": 8, "max_new_tokens": 16,
                          "temperature": 0.7, "learning_rate": 2e-5, "kl_coef": 0.0, "loss_agg": "token",
                          "scale_std": True, "clip_eps": 0.2, "max_grad_norm": 1.0, "torch_threads": 1}
"""Settings shared by both trainers (TRL: ``loss_type="dapo"``, ``scale_rewards="group"``, ``beta=0``)."""

TASKS: dict[str, dict[str, Any]] = {
    "phrase-bleu": {"task_kwargs": {}, "steps": 4,
                    "title": "repeat an object phrase, rewarded by token BLEU (`text/bleu-v0`)"},
    "referential": {"task_kwargs": {"env_kwargs": {"hard": True, "n_candidates": 4, "max_turns": 2}}, "steps": 4,
                    "title": "speaker in `referential-v0` (hard, 4 objects) with the scripted literal listener, "
                             "rewarded by `dialogue/referential-accuracy-v0`"},
}
"""The tasks of the experiment, their task arguments and full-run step budgets."""


def grpo_budget(*, quick: bool, seeds: int | None = None, steps: int | None = None) -> dict[str, Any]:
    """Seeds, held-out prompts, eval cadence and steps per task of a full or ``--quick`` run."""
    tasks = {name: (1 if quick else t["steps"]) if steps is None else int(steps) for name, t in TASKS.items()}
    return {"seeds": seeds or (1 if quick else 2), "eval_prompts": 6 if quick else 16, "eval_every": 2,
            "tasks": tasks}


def load_grpo() -> ModuleType:
    """``baselines/grpo.py`` from the source checkout (:func:`rewardgym.training.load_baseline`).

    Raises:
        RewardGymError: the package is installed without its source tree.
    """
    from rewardgym.training import load_baseline

    return load_baseline("grpo")


def trl_reward_func(task: Any) -> Any:
    """A TRL reward function (``f(prompts, completions, **columns) -> list[float]``) scoring like ``task``.

    Single-turn prompt tasks go through the package's TRL adapter (:func:`rewardgym.adapters.trl.trl_reward`,
    the ``references`` column becoming ``infos``). Env tasks are played: TRL passes the ``key`` column (the env
    seed) and the completion becomes the policy agent's message, rewarded through the env's reward wrapper.
    """
    from rewardgym.llm.tasks import PhraseTask

    if isinstance(task, PhraseTask):
        from rewardgym.adapters.trl import trl_reward

        return trl_reward(task.reward, columns=["references"])

    def reward(prompts: list[Any], completions: list[Any], key: list[int], **_: Any) -> list[float]:
        texts = [c[-1]["content"] if isinstance(c, list) else str(c) for c in completions]
        return [float(x) for x in task.score_texts([int(k) for k in key], texts)["total"]]

    reward.__name__ = str(task.reward_spec)
    return reward


def _train_order(task: Any, n: int, seed: int) -> list[int]:
    import numpy as np

    keys = task.keys("train", min(task.n_train, n))
    order = np.random.default_rng(seed).permutation(len(keys))
    return [keys[int(i)] for i in order]


def _run_trl(cfg: Any, grpo: ModuleType, out_dir: Path, eval_every: int) -> dict[str, Any]:
    import torch

    trl = require("trl", "trl", "TRL (the GRPOTrainer peer)")
    datasets = require("datasets", "trl")
    from transformers import TrainerCallback

    from rewardgym.llm.tasks import make_task

    torch.set_num_threads(cfg.torch_threads)
    grpo.seed_everything(cfg.seed)
    model, tok, _ = grpo.load_policy(cfg, torch.device("cpu"))
    task = make_task(cfg.task, **cfg.task_kwargs)
    eval_keys = task.keys("eval", cfg.eval_prompts)
    curve: dict[str, list] = {"eval_steps": [], "eval_reward": [], "eval_success": []}
    spent_eval = [0.0]

    def record(step: int, m: Any) -> None:
        t = time.perf_counter()
        ev = grpo.evaluate(m, tok, task, eval_keys, cfg)
        spent_eval[0] += time.perf_counter() - t
        curve["eval_steps"].append(step)
        curve["eval_reward"].append(ev["reward"])
        curve["eval_success"].append(ev["success"])

    class EvalCallback(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, model: Any = None, **kw: Any) -> None:
            if state.global_step % eval_every == 0 or state.global_step == cfg.steps:
                record(state.global_step, model)

    record(0, model)
    rows = task.trl_rows(_train_order(task, cfg.steps * cfg.prompts_per_step, cfg.seed))
    args = trl.GRPOConfig(
        output_dir=str(out_dir / "trl"), per_device_train_batch_size=cfg.prompts_per_step * cfg.group_size,
        num_generations=cfg.group_size, max_completion_length=cfg.max_new_tokens, temperature=cfg.temperature,
        top_p=1.0, top_k=0, learning_rate=cfg.learning_rate, lr_scheduler_type="constant", beta=cfg.kl_coef,
        loss_type="dapo" if cfg.loss_agg == "token" else "grpo", scale_rewards="group" if cfg.scale_std else "none",
        epsilon=cfg.clip_eps, max_grad_norm=cfg.max_grad_norm, num_iterations=1, max_steps=cfg.steps,
        logging_steps=1, report_to="none", use_cpu=True, seed=cfg.seed, save_strategy="no",
        shuffle_dataset=False, disable_tqdm=True,
        gradient_checkpointing=False)  # TRL's default is True; ours does not recompute activations either
    trainer = trl.GRPOTrainer(model=model, reward_funcs=[trl_reward_func(task)], args=args,
                              train_dataset=datasets.Dataset.from_list(rows), processing_class=tok,
                              callbacks=[EvalCallback()])
    before = spent_eval[0]
    t0 = time.perf_counter()
    trainer.train()
    wall = time.perf_counter() - t0 - (spent_eval[0] - before)  # training time only, as for ours
    lengths = [h["completions/mean_length"] for h in trainer.state.log_history if "completions/mean_length" in h]
    policy_tokens = sum(lengths) * cfg.prompts_per_step * cfg.group_size
    return {**curve, "step_time_s": wall / max(cfg.steps, 1), "tokens_per_s": policy_tokens / max(wall, 1e-9),
            "wall_time_s": wall}


def run_one(spec: dict[str, Any]) -> dict[str, Any]:
    """One (trainer, task, seed) run in this process; returns plain data for the report."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    grpo = load_grpo()
    out_dir = Path(spec["out_dir"])
    cfg = grpo.GRPOConfig(**{**COMMON, "task": spec["task"], "task_kwargs": TASKS[spec["task"]]["task_kwargs"],
                             "seed": spec["seed"], "steps": spec["steps"], "eval_prompts": spec["eval_prompts"],
                             "eval_every": spec["eval_every"], "log_dir": str(out_dir / "runs"),
                             "run_name": f"{spec['trainer']}_{spec['task']}_s{spec['seed']}", "progress": False})
    t0 = time.perf_counter()
    if spec["trainer"] == "rewardgym":
        res = grpo.train(cfg)
        row = {"eval_steps": res.eval_steps, "eval_reward": res.eval_reward, "eval_success": res.eval_success,
               "step_time_s": res.step_time_s, "tokens_per_s": res.tokens_per_s, "wall_time_s": res.wall_time_s}
    else:
        row = _run_trl(cfg, grpo, out_dir / "runs" / cfg.run_name, spec["eval_every"])
    row.update({k: spec[k] for k in ("trainer", "task", "seed", "steps")},
               total_s=time.perf_counter() - t0, device="cpu",
               peak_memory_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    (out_dir / "runs" / f"{cfg.run_name}.json").write_text(json.dumps(row))  # kept if a later run fails
    return row


def reproduce_grpo(*, quick: bool, out_dir: Path, seeds: int | None = None, steps: int | None = None,
                   jobs: int | None = None, progress: bool = True, command: str = "") -> dict[str, Path]:
    """Run both trainers on every task and seed in parallel processes; write grpo.md / .png / .json."""
    from rewardgym.reproduce.grpo_report import write_grpo_report

    budget = grpo_budget(quick=quick, seeds=seeds, steps=steps)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = [{"trainer": trainer, "task": task, "seed": seed, "steps": n, "out_dir": str(out_dir),
              "eval_prompts": budget["eval_prompts"], "eval_every": budget["eval_every"]}
             for task, n in reversed(budget["tasks"].items()) for trainer in ("trl", "rewardgym")
             for seed in range(1, budget["seeds"] + 1)]  # the slowest runs first
    load = os.getloadavg()
    t0 = time.perf_counter()
    workers = max(1, min(jobs or len(specs), len(specs)))
    bar = require("tqdm.auto", "core").tqdm(total=len(specs), desc="grpo runs", disable=not progress)
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), max_tasks_per_child=1) as pool:
        rows = []
        for row in pool.map(run_one, specs):
            rows.append(row)
            bar.update(1)
    bar.close()
    facts = {"quick": quick, "budget": budget, "common": COMMON, "wall_s": time.perf_counter() - t0,
             "load_before": load, "load_after": os.getloadavg(), "cpus": os.cpu_count(), "workers": workers,
             "command": command}
    return write_grpo_report(rows, facts, out_dir)


def default_quick_dir() -> Path:
    """A fresh temporary folder for ``--quick`` runs."""
    return Path(tempfile.mkdtemp(prefix="rewardgym-reproduce-grpo-"))
