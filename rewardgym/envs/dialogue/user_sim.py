"""The simulated user of ``support-v0``: a persona, a hidden emotion score and how they reply.

The emotion dynamics are deterministic (RLVER-style verifiable emotion rewards): each supporter turn
changes the score by the effects of the tactics it uses (:mod:`rewardgym.envs.dialogue.tactics`):

- every supportive tactic has a base effect, x1.5 when it meets one of the persona's needs;
- a tactic loses half its effect each time it was already used (``repeat_decay``), so repeating one
  comforting phrase stops working;
- suggestions and information given before any validation or reflection count half (people want to be
  heard first);
- harmful tactics (minimising, dismissing, blaming) always hurt; a turn with no tactic at all hurts a bit;
- the gain of one turn is capped at ``max_gain`` (stuffing every tactic into one message does not pay).

The user's words come from :class:`RuleBasedUser` (templates, seeded) or, optionally, :class:`LLMUser`
(any :mod:`rewardgym.llm` backend voices the user; the score dynamics stay rule-based, so the reward
stays verifiable).

Example:
    >>> import numpy as np
    >>> persona = sample_persona(np.random.default_rng(0))
    >>> model = EmotionModel()
    >>> model.delta(("validation", "question"), history=[], persona=persona) > 0
    True
    >>> model.delta(("dismissing",), history=[], persona=persona) < 0
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rewardgym.envs.dialogue.tactics import HARMFUL_TACTICS

__all__ = ["PERSONAS", "EmotionModel", "LLMUser", "Persona", "RuleBasedUser", "sample_persona"]


@dataclass(frozen=True)
class Persona:
    """A simulated user's situation.

    Attributes:
        name: short id of the scenario.
        opening: the user's first message.
        details: facts the user reveals when asked questions, in order.
        needs: tactics this user responds to most.
        initial_emotion: emotion score (0-100) at the start.
    """

    name: str
    opening: str
    details: tuple[str, ...]
    needs: tuple[str, ...]
    initial_emotion: int = 30


PERSONAS: tuple[Persona, ...] = (
    Persona(
        "exam",
        "I failed my final exam and I'm scared I'll lose my scholarship.",
        (
            "I studied for weeks and still blanked on the first question",
            "my parents don't know yet",
            "the retake is in a month",
        ),
        ("validation", "question"),
    ),
    Persona(
        "breakup",
        "My partner broke up with me last week and I can't stop thinking about it.",
        (
            "we were together for three years",
            "they said they just stopped feeling it",
            "all our friends are shared friends",
        ),
        ("reflection", "reassurance"),
    ),
    Persona(
        "layoff",
        "I got laid off today. I don't know how I'm going to pay rent.",
        ("I had been there for six years", "nobody saw it coming", "I have about two months of savings"),
        ("validation", "suggestion"),
    ),
    Persona(
        "pet",
        "My dog is really sick and the vet isn't sure she'll make it.",
        (
            "she's twelve years old",
            "she stopped eating two days ago",
            "she has been with me through everything",
        ),
        ("reflection", "gratitude"),
    ),
    Persona(
        "lonely",
        "I moved to a new city and I don't know anyone. I feel so alone.",
        (
            "I moved for a job three months ago",
            "weekends are the worst",
            "my old friends are busy with their lives",
        ),
        ("reassurance", "question"),
    ),
    Persona(
        "burnout",
        "My boss keeps piling work on me and I'm completely burned out.",
        ("I've worked late every night this month", "I'm afraid to say no", "I barely sleep anymore"),
        ("validation", "affirmation"),
    ),
    Persona(
        "family",
        "I had a huge fight with my mom and now she won't talk to me.",
        ("it started over something small", "I said things I regret", "we used to be really close"),
        ("reflection", "question"),
    ),
    Persona(
        "anxiety",
        "I've been having panic attacks and I'm scared something is wrong with me.",
        (
            "the first one happened on the bus",
            "my heart races and I can't breathe",
            "I've started avoiding going out",
        ),
        ("reassurance", "information"),
    ),
)


def sample_persona(rng: np.random.Generator, names: Sequence[str] | None = None) -> Persona:
    """A persona (optionally among ``names``) with a seeded initial emotion in [20, 40]."""
    pool = [p for p in PERSONAS if names is None or p.name in names]
    if not pool:
        raise ValueError(f"no persona among {list(names or [])}; known: {[p.name for p in PERSONAS]}")
    base = pool[int(rng.integers(len(pool)))]
    return Persona(base.name, base.opening, base.details, base.needs, int(rng.integers(20, 41)))


@dataclass(frozen=True)
class EmotionModel:
    """Deterministic emotion dynamics (see the module docstring).

    Attributes:
        effects: tactic -> base effect on the 0-100 emotion score.
        need_bonus: multiplier for tactics the persona needs.
        repeat_decay: multiplier per earlier use of the same tactic.
        premature_factor: multiplier for suggestions/information before any validation or reflection.
        silence_penalty: effect of a turn with no tactic.
        max_gain: cap on one turn's positive change.
    """

    effects: dict[str, float] = field(
        default_factory=lambda: {
            "question": 6.0,
            "restatement": 6.0,
            "reflection": 9.0,
            "validation": 10.0,
            "self_disclosure": 4.0,
            "affirmation": 7.0,
            "reassurance": 7.0,
            "suggestion": 6.0,
            "information": 4.0,
            "gratitude": 5.0,
            "minimizing": -15.0,
            "dismissing": -18.0,
            "blaming": -22.0,
        }
    )
    need_bonus: float = 1.5
    repeat_decay: float = 0.5
    premature_factor: float = 0.5
    silence_penalty: float = -4.0
    max_gain: float = 20.0

    def delta(self, tactics: Sequence[str], history: Sequence[Sequence[str]], persona: Persona) -> float:
        """Change of the emotion score for one supporter turn using ``tactics`` after ``history``."""
        if not tactics:
            return self.silence_penalty
        used = [t for turn in history for t in turn]
        heard = any(t in ("validation", "reflection") for t in used)
        gain, harm = 0.0, 0.0
        for tactic in tactics:
            effect = self.effects.get(tactic, 0.0)
            if tactic in HARMFUL_TACTICS:
                harm += effect
                continue
            if tactic in persona.needs:
                effect *= self.need_bonus
            if tactic in ("suggestion", "information") and not heard:
                effect *= self.premature_factor
            gain += effect * self.repeat_decay ** used.count(tactic)
        return min(gain, self.max_gain) + harm


_BUCKETS = (
    (20, ("I just feel hopeless.", "Honestly, everything feels pointless right now.")),
    (40, ("I still feel awful about it.", "It's really weighing on me.")),
    (60, ("I guess I'm feeling a little better.", "It's a bit easier to think about now.")),
    (80, ("Talking about it actually helps.", "I feel calmer than before.")),
    (101, ("I think I can handle this now.", "I feel a lot lighter.")),
)


class RuleBasedUser:
    """Template replies: a reaction to the supporter's main tactic plus a line for the emotion level."""

    name = "rule"

    def reply(
        self,
        persona: Persona,
        emotion: float,
        tactics: Sequence[str],
        history: Sequence[Sequence[str]],
        transcript: Sequence[dict[str, Any]],
        rng: np.random.Generator,
    ) -> str:
        """The user's next message."""
        asked = sum("question" in turn for turn in history)
        if "blaming" in tactics:
            reaction = "So it's my fault? That really hurts."
        elif "dismissing" in tactics:
            reaction = "Wow. Okay. I guess I shouldn't have said anything."
        elif "minimizing" in tactics:
            reaction = "It IS a big deal to me."
        elif "question" in tactics:
            reaction = f"Well, {persona.details[min(asked, len(persona.details) - 1)]}."
        elif "suggestion" in tactics and not any(
            t in ("validation", "reflection") for turn in history for t in turn
        ):
            reaction = "I don't know. I'm not ready to think about solutions yet."
        elif "suggestion" in tactics:
            reaction = "Maybe. I could try that."
        elif any(t in tactics for t in ("validation", "reflection", "restatement")):
            reaction = str(
                rng.choice(["Yeah... exactly.", "Thank you, it really is hard.", "Yes, that's how it feels."])
            )
        elif tactics:
            reaction = str(rng.choice(["Thanks.", "I appreciate that.", "Okay."]))
        else:
            reaction = "I'm not sure what you mean."
        for bound, lines in _BUCKETS:
            if emotion < bound:
                return f"{reaction} {rng.choice(lines)}"
        return reaction


class LLMUser:
    """An LLM voices the user (persona, current emotion level, conversation); dynamics stay rule-based.

    Args:
        llm: an :class:`rewardgym.llm.LLM`, a backend name or a ``{"backend": ...}`` spec.
        max_new_tokens: length budget of a reply.
        temperature: sampling temperature (0 = greedy); sampling is seeded from the env's generator.
    """

    name = "llm"

    def __init__(self, llm: Any, *, max_new_tokens: int = 60, temperature: float = 0.0) -> None:
        from rewardgym.llm import as_llm

        self.llm = as_llm(llm)
        self.max_new_tokens = int(max_new_tokens)
        self.temperature = float(temperature)
        self._fallback = RuleBasedUser()

    def reply(
        self,
        persona: Persona,
        emotion: float,
        tactics: Sequence[str],
        history: Sequence[Sequence[str]],
        transcript: Sequence[dict[str, Any]],
        rng: np.random.Generator,
    ) -> str:
        """The user's next message, written by the LLM (the rule-based one if the LLM returns nothing)."""
        mood = next(lines[0] for bound, lines in _BUCKETS if emotion < bound or bound == 101)
        system = (
            "You are role-playing a person who is talking to a supporter about a personal problem. "
            f"Your situation: {persona.opening} Facts you may mention: {'; '.join(persona.details)}. "
            f"Your current mood (0 = desperate, 100 = fine): {emotion:.0f}/100 - '{mood}'. "
            "Reply in one or two short sentences, in the first person, as this person. Do not give advice."
        )
        convo = "\n".join(
            f"{'Supporter' if t['speaker'] != 'user' else 'You'}: {t['text']}" for t in transcript[-8:]
        )
        seed = int(rng.integers(2**31 - 1))
        prompt = [{"role": "system", "content": system}, {"role": "user", "content": f"{convo}\nYou:"}]
        out = self.llm.generate(
            [prompt], n=1, max_new_tokens=self.max_new_tokens, temperature=self.temperature, seed=seed
        )
        text = out[0][0].strip() if out and out[0] else ""
        return text or self._fallback.reply(persona, emotion, tactics, history, transcript, rng)
