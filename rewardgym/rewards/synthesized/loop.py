"""The reward-synthesis loop (Eureka / Auto MC-Reward style): sample, check, run, train, reflect, repeat.

Each iteration:

1. the LLM writes ``samples`` candidate reward functions for the task prompt (plus, after the first
   round, the reflection on the best reward so far);
2. each reply's code is extracted and statically checked (:mod:`.static`): no code or a failed check is
   recorded with its reason, and never run;
3. the survivors run **in the sandbox** on recorded rollouts (:mod:`.executor`): crashes, endless loops
   and bad outputs are recorded with their error; the rest get per-term statistics;
4. the runnable candidates are scored by the fitness evaluator (:mod:`.fitness`: PPO training by default);
5. the best candidate (highest fitness; ties go to the earliest) is kept if it beats the best so far, and
   the reflection (its fitness, curve and term statistics, plus the failures' errors) seeds the next round.

Everything is deterministic for a deterministic LLM (scripted, or greedy) and fitness.

Example:
    >>> from rewardgym.llm import ScriptedLLM
    >>> from rewardgym.rewards.synthesized import AgreementFitness, RewardSynthesizer, describe_env
    >>> spec = describe_env("rewardgym/Maze-v0", env_kwargs={"size": 7})
    >>> code = "def compute_reward(o, a, n, info):\\n    return info['distance'], {}"
    >>> llm = ScriptedLLM([f"```python\\n{code}\\n```"])
    >>> synth = RewardSynthesizer(llm, spec, AgreementFitness("maze/distance-potential-v0"), samples=1)
    >>> result = synth.run(iterations=1)                     # doctest: +SKIP
    >>> result.best.status                                   # doctest: +SKIP
    'ok'
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from rewardgym.errors import RewardGymError
from rewardgym.llm import Chat, as_llm
from rewardgym.rewards.synthesized.envspec import TaskSpec
from rewardgym.rewards.synthesized.executor import RewardExecutor
from rewardgym.rewards.synthesized.fitness import FitnessEvaluator
from rewardgym.rewards.synthesized.prompts import extract_code, initial_messages, reflection
from rewardgym.rewards.synthesized.static import check_reward_source

__all__ = ["Candidate", "RewardSynthesizer", "SynthesisResult"]

log = logging.getLogger("rewardgym.synthesize")


@dataclass
class Candidate:
    """One sampled reward function and what happened to it.

    Attributes:
        iteration: the round it was sampled in (0-based).
        index: its position among the round's samples.
        reply: the LLM's full reply.
        source: the extracted code (None when the reply had none).
        status: ``"ok"`` (trained and scored), ``"no-code"``, ``"static"`` (failed the static checks),
            ``"runtime"`` (failed in the sandbox on recorded rollouts) or ``"training"`` (failed while
            training, e.g. a crash on states the recorded rollouts did not have).
        error: the reason, for feedback.
        fitness: the task's success metric after training (NaN unless ``"ok"``).
        curve: the success metric during training.
        term_stats: ``{term: {"mean", "std", "min", "max"}}`` on the recorded rollouts.
        train_terms: ``{term: [mean per rollout]}`` during training.
        code_sha256: hash of ``source``.
    """

    iteration: int
    index: int
    reply: str
    source: str | None = None
    status: str = "pending"
    error: str = ""
    fitness: float = math.nan
    curve: list[float] = field(default_factory=list)
    term_stats: dict[str, dict[str, float]] = field(default_factory=dict)
    train_terms: dict[str, list[float]] = field(default_factory=dict)
    code_sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON-serialisable; NaN stays a float)."""
        return asdict(self)


@dataclass
class SynthesisResult:
    """Everything a synthesis run produced (see :func:`~rewardgym.rewards.synthesized.store.save_result`).

    Attributes:
        spec: the task.
        best: the best candidate over all rounds (None if none ran successfully).
        candidates: every candidate of every round.
        history: per round: ``{"iteration", "fitness": [...], "best_fitness", "best_so_far"}``.
        prompt: the first prompt's messages.
        model: the LLM's ``model_name``.
        fitness_evaluator: the evaluator's name.
        settings: samples, iterations, temperature, seed, ...
    """

    spec: TaskSpec
    best: Candidate | None
    candidates: list[Candidate]
    history: list[dict[str, Any]]
    prompt: Chat
    model: str
    fitness_evaluator: str
    settings: dict[str, Any]


def _stats(values: Any) -> dict[str, float]:
    v = values.double()
    return {
        "mean": float(v.mean()),
        "std": float(v.std()) if v.numel() > 1 else 0.0,
        "min": float(v.min()),
        "max": float(v.max()),
    }


class RewardSynthesizer:
    """Runs the synthesis loop for one task.

    Args:
        llm: the reward designer: an :class:`~rewardgym.llm.LLM`, a backend name or a spec dict.
        spec: the task (:func:`~rewardgym.rewards.synthesized.envspec.describe_env`).
        fitness: the evaluator (:class:`~rewardgym.rewards.synthesized.fitness.PPOFitness` or a cheap one).
        executor: sandboxed reward execution (default: the shared ``"auto"`` sandbox).
        samples: candidates per round (K).
        temperature: sampling temperature.
        max_new_tokens: reply budget.
        seed: base seed (round ``i`` samples with ``seed + i``).
        rollout_steps: recorded transitions each candidate is first run on.
    """

    def __init__(
        self,
        llm: Any,
        spec: TaskSpec,
        fitness: FitnessEvaluator,
        *,
        executor: RewardExecutor | None = None,
        samples: int = 4,
        temperature: float = 0.8,
        max_new_tokens: int = 512,
        seed: int = 0,
        rollout_steps: int = 512,
    ) -> None:
        if samples < 1 or rollout_steps < 2:
            raise RewardGymError(
                f"samples must be >= 1 and rollout_steps >= 2; got {samples}, {rollout_steps}"
            )
        self.llm = as_llm(llm)
        self.spec = spec
        self.fitness = fitness
        self.executor = executor or RewardExecutor()
        self.samples = int(samples)
        self.temperature = float(temperature)
        self.max_new_tokens = int(max_new_tokens)
        self.seed = int(seed)
        self.rollout_steps = int(rollout_steps)

    def _screen(self, candidates: list[Candidate], batch: Any) -> list[Candidate]:
        """Static checks, then one sandboxed run on the recorded batch; returns the runnable ones."""
        runnable = []
        for cand in candidates:
            if cand.source is None:
                cand.status, cand.error = "no-code", "the reply contains no `def compute_reward` code"
                continue
            cand.code_sha256 = hashlib.sha256(cand.source.encode("utf-8")).hexdigest()
            report = check_reward_source(cand.source)
            if not report.ok:
                cand.status, cand.error = "static", "static check failed: " + "; ".join(report.errors[:6])
                continue
            runnable.append(cand)
        outcomes = self.executor.run_many([c.source or "" for c in runnable], batch)
        ok = []
        for cand, out in zip(runnable, outcomes):
            if not out.ok or out.total is None:
                cand.status, cand.error = "runtime", out.error
                continue
            cand.term_stats = {"total": _stats(out.total), **{k: _stats(v) for k, v in out.terms.items()}}
            ok.append(cand)
        return ok

    def run(self, iterations: int = 3, *, progress: bool = False) -> SynthesisResult:
        """Run ``iterations`` rounds; returns the :class:`SynthesisResult` (the best reward is ``.best``)."""
        from rewardgym.rollout import collect_transitions

        if iterations < 1:
            raise RewardGymError(f"iterations must be >= 1, got {iterations}")
        prompt = initial_messages(self.spec, torch_available=self.executor.torch_available())
        batch = collect_transitions(
            self.spec.env_id, self.rollout_steps, seed=self.seed, env_kwargs=dict(self.spec.env_kwargs)
        )
        messages: Chat = list(prompt)
        best: Candidate | None = None
        candidates: list[Candidate] = []
        history: list[dict[str, Any]] = []
        rounds = range(iterations)
        if progress:
            from tqdm.auto import tqdm

            rounds = tqdm(rounds, desc=f"synthesize {self.spec.env_id}", unit="round")
        for it in rounds:
            replies = self.llm.generate(
                [messages],
                n=self.samples,
                max_new_tokens=self.max_new_tokens,
                temperature=self.temperature,
                seed=self.seed + it,
            )[0]
            round_cands = [Candidate(it, k, r, extract_code(r)) for k, r in enumerate(replies)]
            candidates.extend(round_cands)
            ok = self._screen(round_cands, batch)
            if ok:
                for cand, res in zip(ok, self.fitness.evaluate([c.source or "" for c in ok], self.spec)):
                    cand.curve, cand.train_terms = res.curve, res.train_terms
                    if res.error or math.isnan(res.fitness):
                        cand.status, cand.error = "training", res.error or "fitness is NaN"
                    else:
                        cand.status, cand.fitness = "ok", float(res.fitness)
            scored = [c for c in round_cands if c.status == "ok"]
            round_best = max(scored, key=lambda c: (c.fitness, -c.index), default=None)
            if round_best is not None and (best is None or round_best.fitness > best.fitness):
                best = round_best
            history.append(
                {
                    "iteration": it,
                    "fitness": [c.fitness for c in round_cands],
                    "status": [c.status for c in round_cands],
                    "best_fitness": round_best.fitness if round_best else math.nan,
                    "best_so_far": best.fitness if best else math.nan,
                }
            )
            log.info("round %d: %s", it, ", ".join(f"{c.status}:{c.fitness:.3f}" for c in round_cands))
            failures = [c for c in round_cands if c.status != "ok"]
            feedback = reflection(best, failures, success_key=self.spec.success_key)
            messages = [*prompt, {"role": "user", "content": feedback}]
        settings = {
            "samples": self.samples,
            "iterations": iterations,
            "temperature": self.temperature,
            "max_new_tokens": self.max_new_tokens,
            "seed": self.seed,
            "rollout_steps": self.rollout_steps,
        }
        return SynthesisResult(
            self.spec,
            best,
            candidates,
            history,
            prompt,
            self.llm.model_name,
            getattr(self.fitness, "name", type(self.fitness).__name__),
            settings,
        )

    @staticmethod
    def sources(result: SynthesisResult) -> Sequence[str]:
        """Every candidate's code (None-free), in sampling order."""
        return [c.source for c in result.candidates if c.source is not None]
