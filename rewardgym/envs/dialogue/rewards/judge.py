"""``dialogue/judge-v0``: an LLM judge scores each agent message in its dialogue context.

Wraps :class:`rewardgym.rewards.judge.RubricJudge` (hardened against content-free "master-key"
answers): for every Transitions row where the agent spoke, the judge sees the agent's observation (its
brief and the conversation so far) as the question and the agent's message as the response, and checks
a rubric. Rows where the agent did not speak (empty action) are NaN ("not applicable"), as are
unparseable verdicts. ``preset`` picks a rubric per env; ``rubric=`` gives your own. Episodes batches
(one row per agent and episode, from the env's ``episode()``) are judged
whole: the transcript is the response.

Example:
    >>> import rewardgym
    >>> from rewardgym.envs.dialogue.rewards.judge import scripted_support_judge
    >>> from rewardgym.types import Transitions
    >>> batch = Transitions.from_rows(obs=["user: I failed my exam."] * 3, next_obs=[""] * 3,
    ...     action=["That sounds really hard. What happened?", "Just get over it.", ""])
    >>> judge = rewardgym.make_reward("dialogue/judge-v0", llm=scripted_support_judge())
    >>> judge(batch).tolist()
    [1.0, 0.0, nan]
"""

from __future__ import annotations

import re
from typing import Any

import torch

from rewardgym.envs.dialogue.rewards.examples import support_transitions
from rewardgym.envs.dialogue.tactics import HARMFUL_TACTICS, detect_tactics
from rewardgym.errors import RewardSpecError
from rewardgym.rewards.base import Reward
from rewardgym.rewards.registry import register_reward
from rewardgym.types import Episodes

__all__ = ["PRESETS", "DialogueJudge", "scripted_support_judge"]

PRESETS: dict[str, list[str]] = {
    "support": [
        "The message acknowledges the user's feelings.",
        "The message responds to what the user actually said.",
        "The message does not minimise, dismiss or blame the user.",
    ],
    "negotiation": [
        "The message makes or answers an offer clearly.",
        "The message is polite and constructive.",
    ],
    "referential": [
        "The message helps the listener tell the target apart from the other objects.",
    ],
}
"""Default rubrics per env family."""


class DialogueJudge(Reward):
    """LLM-judged quality of an agent's message (rubric share in [0, 1]; NaN where not applicable).

    Args:
        preset: ``"support"``, ``"negotiation"`` or ``"referential"`` (see :data:`PRESETS`).
        rubric: custom criteria; overrides ``preset``.
        llm: the judge model: an LLM, a backend name or spec dict (default: local transformers model).
        mode: ``"per-item"`` (a YES/NO prompt per criterion) or ``"holistic"`` (one 0-10 score).
        **judge_kwargs: further :class:`rewardgym.rewards.judge.RubricJudge` options (``harden``,
            ``samples``, ``max_new_tokens``...).

    Raises:
        RewardSpecError: unknown preset or bad judge options.
    """

    may_return_nan = True

    def __init__(
        self,
        preset: str = "support",
        rubric: Any = None,
        llm: Any = "transformers",
        mode: str = "per-item",
        **judge_kwargs: Any,
    ) -> None:
        from rewardgym.rewards.judge import RubricJudge

        if rubric is None and preset not in PRESETS:
            raise RewardSpecError(
                f"dialogue/judge-v0: preset must be one of {sorted(PRESETS)}, got {preset!r}"
            )
        self.judge = RubricJudge(
            rubric if rubric is not None else PRESETS[preset], llm, mode=mode, **judge_kwargs
        )
        self.judge.name = "dialogue/judge-v0"

    def score(self, batch: Any) -> torch.Tensor:
        if isinstance(batch, Episodes):
            return self.judge(batch).to(batch.device)
        actions = [str(a) for a in batch.action] if isinstance(batch.action, list) else None
        if actions is None:
            raise RewardSpecError(
                f"{self.display_name} scores text actions, got {type(batch.action).__name__}"
            )
        out = torch.full((len(batch),), float("nan"), dtype=torch.float32)
        rows = [i for i, a in enumerate(actions) if a.strip()]
        if rows:
            sub = Episodes(prompts=[str(batch.obs[i]) for i in rows], completions=[actions[i] for i in rows])
            out[rows] = self.judge(sub).cpu()
        return out.to(batch.device)


def scripted_support_judge() -> Any:
    """A scripted judge (a test double standing in for the model): YES iff the response uses a supportive
    tactic and no harmful one, whatever the criterion."""
    from rewardgym.llm import ScriptedLLM

    response = re.compile(r"Response:\n<<<\n(.*?)\n>>>", re.DOTALL)

    def answer(prompt: str, _sample: int) -> str:
        found = response.findall(prompt)
        if not found:
            return "I cannot tell."
        tactics = set(detect_tactics(found[-1]))
        ok = bool(tactics - HARMFUL_TACTICS) and not tactics & HARMFUL_TACTICS
        return f"VERDICT: {'YES' if ok else 'NO'}"

    return ScriptedLLM(fn=answer, model_name="scripted-support-judge")


@register_reward(
    "dialogue/judge-v0", example=support_transitions, example_kwargs={"llm": scripted_support_judge()}
)
def dialogue_judge(
    preset: str = "support",
    rubric: Any = None,
    llm: Any = "transformers",
    mode: str = "per-item",
    **judge_kwargs: Any,
) -> DialogueJudge:
    """LLM judge of each agent message in its dialogue context (rubric share; NaN where it was silent)."""
    return DialogueJudge(preset, rubric, llm, mode, **judge_kwargs)
