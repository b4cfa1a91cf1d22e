"""Supportive dialogue (``support-v0``): a supporter agent talks to a simulated user in distress.

One agent, ``supporter_0``, talks to a simulated user (:mod:`rewardgym.envs.dialogue.user_sim`) whose
hidden emotion score (0-100) changes deterministically with the discourse tactics detected in each
supporter message (:mod:`rewardgym.envs.dialogue.tactics`). This is an RLVER-style verifiable emotion
reward: the env reward of a turn is the score's change divided by 100, so an episode's return is
``(final - initial) / 100``. The dialogue ends when the user feels better (score >= ``resolve_at``),
gives up (score <= ``leave_at``), or after ``max_turns`` supporter turns.

``info`` reports ``emotion`` / ``emotion_before`` (the verifiable score), the turn's ``tactics`` and the
``tactic_history`` of earlier turns (JSON), which the rewards ``dialogue/emotion-v0`` and
``dialogue/tactic-novelty-v0`` (MINT-style cross-turn novelty) score. ``user_llm=`` lets any
:mod:`rewardgym.llm` backend voice the user; the score stays rule-based.

Example:
    >>> from rewardgym.envs.dialogue import support
    >>> env = support.parallel_env(max_turns=4)
    >>> obs, infos = env.reset(seed=0)
    >>> before = infos["supporter_0"]["emotion"]
    >>> obs, rewards, term, trunc, infos = env.step({"supporter_0": "That sounds hard. What happened?"})
    >>> infos["supporter_0"]["tactics"], infos["supporter_0"]["emotion"] > before, rewards["supporter_0"] > 0
    ('question,validation', True, True)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from rewardgym.envs.dialogue.base import AECEnv, DialogueEnv, TurnOutcome, cycles_as_turns, parallel_to_aec
from rewardgym.envs.dialogue.tactics import detect_tactics
from rewardgym.envs.dialogue.user_sim import (
    PERSONAS,
    EmotionModel,
    LLMUser,
    Persona,
    RuleBasedUser,
    sample_persona,
)
from rewardgym.errors import EnvConfigError

__all__ = ["SupportEnv", "env", "parallel_env"]

AGENT = "supporter_0"
USER = "user"


class SupportEnv(DialogueEnv):
    """Emotional-support dialogue with a simulated user (a single-agent PettingZoo ``ParallelEnv``).

    Args:
        max_turns: supporter turns before the episode is truncated.
        personas: restrict the scenarios to these persona names (default: all of
            :data:`~rewardgym.envs.dialogue.user_sim.PERSONAS`).
        emotion_model: the dynamics (:class:`~rewardgym.envs.dialogue.user_sim.EmotionModel`).
        user_llm: an LLM (instance, backend name or spec dict) or an
            :class:`~rewardgym.envs.dialogue.user_sim.LLMUser` that voices the user; None: templates.
        resolve_at: score at which the user feels better and the dialogue ends.
        leave_at: score at which the user leaves.
        max_message_chars: message length limit.
        max_observation_chars: observation length limit.
        render_mode: ``None``, ``"ansi"`` or ``"human"``.

    Raises:
        EnvConfigError: invalid arguments.
    """

    metadata: ClassVar[dict[str, Any]] = {**DialogueEnv.metadata, "name": "support_v0"}
    env_id: ClassVar[str] = "support-v0"
    title: ClassVar[str] = "Supportive dialogue"

    def __init__(
        self,
        *,
        max_turns: int = 8,
        personas: Sequence[str] | None = None,
        emotion_model: EmotionModel | None = None,
        user_llm: Any = None,
        resolve_at: float = 90.0,
        leave_at: float = 5.0,
        max_message_chars: int = 400,
        max_observation_chars: int = 4000,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(
            (AGENT,),
            max_turns=max_turns,
            max_message_chars=max_message_chars,
            max_observation_chars=max_observation_chars,
            render_mode=render_mode,
        )
        known = {p.name for p in PERSONAS}
        if personas is not None and (isinstance(personas, str) or not set(personas) <= known or not personas):
            raise EnvConfigError(
                f"personas must be a non-empty list of names from {sorted(known)}, got {personas!r}"
            )
        if not 0 <= leave_at < resolve_at <= 100:
            raise EnvConfigError(
                f"need 0 <= leave_at < resolve_at <= 100, got leave_at={leave_at}, resolve_at={resolve_at}"
            )
        if emotion_model is not None and not isinstance(emotion_model, EmotionModel):
            raise EnvConfigError(f"emotion_model must be an EmotionModel, got {type(emotion_model).__name__}")
        self.personas = None if personas is None else list(personas)
        self.model = emotion_model or EmotionModel()
        if user_llm is None:
            self.user: RuleBasedUser | LLMUser = RuleBasedUser()
        else:
            self.user = user_llm if isinstance(user_llm, LLMUser) else LLMUser(user_llm)
        self.resolve_at = float(resolve_at)
        self.leave_at = float(leave_at)
        self.persona: Persona = PERSONAS[0]
        self.emotion = 0.0
        self.emotion_before = 0.0
        self.initial_emotion = 0.0
        self.history: list[tuple[str, ...]] = []
        self._tactics: tuple[str, ...] = ()
        self._outcome = ""

    def _new_episode(self, rng: np.random.Generator, options: Mapping[str, Any]) -> str:
        names = self.personas
        if "persona" in options:
            known = [p.name for p in PERSONAS]
            if options["persona"] not in known:
                raise EnvConfigError(f"options['persona'] must be one of {known}, got {options['persona']!r}")
            names = [options["persona"]]
        self.persona = sample_persona(rng, names)
        self.emotion = self.emotion_before = self.initial_emotion = float(self.persona.initial_emotion)
        self.history = []
        self._tactics = ()
        self._outcome = ""
        self.say(USER, self.persona.opening, event="opening")
        return AGENT

    def _brief(self, agent: str) -> str:
        return (
            "You are a supportive listener. The user below is going through something difficult. Help them"
            " feel better: listen, acknowledge their feelings, ask about their experience, and vary how you"
            " respond."
            f" The conversation lasts at most {self.max_turns} of your turns."
        )

    def _extra_info(self, agent: str) -> dict[str, Any]:
        return {
            "scenario": self.persona.name,
            "emotion": float(self.emotion),
            "emotion_before": float(self.emotion_before),
            "tactics": ",".join(self._tactics),
            "tactic_history": json.dumps([list(t) for t in self.history[:-1]]),
            "outcome": self._outcome,
        }

    def _handle(self, speaker: str, text: str) -> TurnOutcome:
        tactics = detect_tactics(text)
        delta = self.model.delta(tactics, self.history, self.persona)
        self.emotion_before = self.emotion
        self.emotion = float(np.clip(self.emotion + delta, 0.0, 100.0))
        prior = list(self.history)
        self.history.append(tactics)
        self._tactics = tactics
        feedback = (
            {}
            if tactics
            else {speaker: ["the user could not tell how you meant that; respond to what they said"]}
        )
        rng = self._rng if self._rng is not None else np.random.default_rng()
        done = False
        if self.emotion >= self.resolve_at:
            self.say(USER, "Thank you so much for listening. I feel a lot better now. I think I'll be okay.")
            self.end("the user feels better")
            done = True
        elif self.emotion <= self.leave_at:
            self.say(USER, "Forget it. I don't think you get it. I'm going to go.")
            self.end("the user left")
            done = True
        else:
            self.say(USER, self.user.reply(self.persona, self.emotion, tactics, prior, self.transcript, rng))
        if done:
            self._finish()
        reward = (self.emotion - self.emotion_before) / 100.0
        return TurnOutcome(
            rewards={speaker: reward},
            feedback=feedback,
            terminated=done,
            event=",".join(tactics) or "no-tactic",
            next_speaker=AGENT,
        )

    def _on_truncate(self) -> dict[str, float]:
        self._finish()
        return {}

    def _finish(self) -> None:
        self._outcome = json.dumps(
            {
                "scenario": self.persona.name,
                "initial_emotion": self.initial_emotion,
                "final_emotion": self.emotion,
                "resolved": self.emotion >= self.resolve_at,
                "left": self.emotion <= self.leave_at,
            },
            sort_keys=True,
        )

    def metrics(self) -> dict[str, float]:
        """``final_emotion``, ``emotion_gain`` (points), ``resolved``/``left`` (0/1), ``distinct_tactics``."""
        return {
            "final_emotion": self.emotion,
            "emotion_gain": self.emotion - self.initial_emotion,
            "resolved": float(self.emotion >= self.resolve_at),
            "left": float(self.emotion <= self.leave_at),
            "distinct_tactics": float(len({t for turn in self.history for t in turn})),
        }


def parallel_env(**kwargs: Any) -> SupportEnv:
    """The Parallel form (see :class:`SupportEnv` for the arguments; ``max_cycles``, PettingZoo's name for
    ``max_turns``, is accepted too)."""
    return SupportEnv(**cycles_as_turns(kwargs))


def env(**kwargs: Any) -> AECEnv:
    """The AEC form: ``parallel_to_aec(parallel_env(**kwargs))``."""
    return parallel_to_aec(parallel_env(**kwargs))
