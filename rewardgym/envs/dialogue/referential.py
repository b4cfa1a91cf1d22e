"""Cooperative referential game (``referential-v0``): a speaker describes a target, a listener picks it.

Each round draws ``n_candidates`` distinct objects (size, colour, shape, pattern); one is the target.
``speaker_0`` sees the candidates with the target marked; ``listener_0`` sees them in a different,
independently shuffled order (so positions carry no information) and answers with ``PICK <number>``.
A listener message without a pick is a clarification question and passes the turn back to the speaker;
a pick outside 1..n is malformed (feedback, the listener tries again).

Exactly verifiable reward: both agents get 1 for a correct pick, 0 otherwise (``info["result"]`` holds
the target and the chosen object). With ``hard=True`` every distractor differs from the target in a
single attribute, so only a full description works.

Example:
    >>> from rewardgym.envs.dialogue import referential
    >>> env = referential.parallel_env()
    >>> obs, infos = env.reset(seed=0)
    >>> target = infos["speaker_0"]["target"]
    >>> _ = env.step({"speaker_0": f"It is the {target}."})
    >>> import json
    >>> pick = json.loads(infos["listener_0"]["candidates"]).index(target) + 1
    >>> obs, rewards, term, trunc, infos = env.step({"listener_0": f"PICK {pick}"})
    >>> rewards, all(term.values())
    ({'speaker_0': 1.0, 'listener_0': 1.0}, True)
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from rewardgym.envs.dialogue.base import AECEnv, DialogueEnv, TurnOutcome, cycles_as_turns, parallel_to_aec
from rewardgym.errors import EnvConfigError

__all__ = ["ATTRIBUTES", "ReferentialEnv", "env", "parallel_env"]

SPEAKER, LISTENER = "speaker_0", "listener_0"
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "size": ("small", "large"),
    "color": ("red", "green", "blue", "yellow", "purple", "orange"),
    "pattern": ("plain", "striped", "dotted"),
    "shape": ("circle", "square", "triangle", "star", "heart", "diamond"),
}
_PICK = re.compile(
    r"\b(?:pick|choose|select|answer|guess)\b\W*(?:(?:object|candidate|number|item|no\.?)\s*)?#?\s*(-?\d+)",
    re.I,
)
_BARE = re.compile(r"^\W*#?\s*(\d+)\W*$")


def describe(obj: tuple[str, ...]) -> str:
    """``("small", "red", "plain", "circle")`` -> ``"small red plain circle"``."""
    return " ".join(obj)


class ReferentialEnv(DialogueEnv):
    """Speaker-listener reference game with an exactly verifiable reward (a PettingZoo ``ParallelEnv``).

    Args:
        n_candidates: objects per round (2-8), the target included.
        rounds: rounds per episode.
        hard: distractors differ from the target in exactly one attribute.
        max_turns: turn limit for the whole episode (default ``4 * rounds``).
        max_message_chars: message length limit.
        max_observation_chars: observation length limit.
        render_mode: ``None``, ``"ansi"`` or ``"human"``.

    Raises:
        EnvConfigError: invalid arguments.
    """

    metadata: ClassVar[dict[str, Any]] = {**DialogueEnv.metadata, "name": "referential_v0"}
    env_id: ClassVar[str] = "referential-v0"
    title: ClassVar[str] = "Referential game"

    def __init__(
        self,
        *,
        n_candidates: int = 4,
        rounds: int = 1,
        hard: bool = False,
        max_turns: int | None = None,
        max_message_chars: int = 200,
        max_observation_chars: int = 2000,
        render_mode: str | None = None,
    ) -> None:
        if isinstance(n_candidates, bool) or not isinstance(n_candidates, int) or not 2 <= n_candidates <= 8:
            raise EnvConfigError(f"n_candidates must be an int in [2, 8], got {n_candidates!r}")
        if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
            raise EnvConfigError(f"rounds must be an int >= 1, got {rounds!r}")
        super().__init__(
            (SPEAKER, LISTENER),
            max_turns=4 * rounds if max_turns is None else max_turns,
            max_message_chars=max_message_chars,
            max_observation_chars=max_observation_chars,
            render_mode=render_mode,
        )
        self.n_candidates = n_candidates
        self.rounds = rounds
        self.hard = bool(hard)
        self.round = 0
        self.candidates: list[tuple[str, ...]] = []
        self.listener_order: list[int] = []
        self.target = 0
        self.results: list[dict[str, Any]] = []
        self._result = ""
        self._outcome = ""

    # ----------------------------------------------------------------- rounds
    def _draw(self, rng: np.random.Generator) -> None:
        keys = list(ATTRIBUTES)
        target = tuple(ATTRIBUTES[k][int(rng.integers(len(ATTRIBUTES[k])))] for k in keys)
        if self.hard:
            pool = [
                (*target[:i], v, *target[i + 1 :])
                for i, k in enumerate(keys)
                for v in ATTRIBUTES[k]
                if v != target[i]
            ]
        else:
            pool = [
                o
                for o in itertools.product(*ATTRIBUTES.values())
                if o != target and any(a == b for a, b in zip(o, target))
            ]
        picks = rng.choice(len(pool), size=self.n_candidates - 1, replace=False)
        objects = [target, *(pool[int(i)] for i in picks)]
        order = [int(i) for i in rng.permutation(len(objects))]
        self.candidates = [objects[i] for i in order]
        self.target = order.index(0)
        self.listener_order = [int(i) for i in rng.permutation(len(objects))]

    def _new_episode(self, rng: np.random.Generator, options: Mapping[str, Any]) -> str:
        self.round = 0
        self.results = []
        self._result = ""
        self._outcome = ""
        self._draw(rng)
        return SPEAKER

    def _view(self, agent: str) -> list[str]:
        order = range(len(self.candidates)) if agent == SPEAKER else self.listener_order
        return [describe(self.candidates[i]) for i in order]

    def _brief(self, agent: str) -> str:
        view = self._view(agent)
        listing = "\n".join(f"  {i + 1}. {d}" for i, d in enumerate(view))
        head = (
            f"Round {min(self.round + 1, self.rounds)} of {self.rounds}. Objects (your numbering):\n{listing}"
        )
        if agent == SPEAKER:
            return (
                f"{head}\nThe target is: {describe(self.candidates[self.target])}. Describe it so that the"
                " listener, who sees the objects in a different order, can pick it. Numbers mean nothing to"
                " them."
            )
        return (
            f"{head}\nThe speaker knows which object is the target. When you know it, answer PICK <number>"
            " (your numbering). Anything else is a question back to the speaker."
        )

    def _extra_info(self, agent: str) -> dict[str, Any]:
        return {
            "round": self.round,
            "candidates": json.dumps(self._view(agent)),
            "target": describe(self.candidates[self.target]) if agent == SPEAKER and self.candidates else "",
            "result": self._result,
            "outcome": self._outcome,
        }

    # ----------------------------------------------------------------- dynamics
    def _handle(self, speaker: str, text: str) -> TurnOutcome:
        self._result = ""
        if speaker == SPEAKER:
            return TurnOutcome(event="describe", next_speaker=LISTENER)
        m = _PICK.search(text) or _BARE.match(text)
        if m is None:
            return TurnOutcome(event="question", next_speaker=SPEAKER)
        n = len(self.candidates)
        choice = int(m.group(1))
        if not 1 <= choice <= n:
            return TurnOutcome(
                feedback={LISTENER: [f"PICK needs a number from 1 to {n}, got {choice}"]},
                malformed=True,
                event="malformed",
                next_speaker=LISTENER,
            )
        chosen = self.listener_order[choice - 1]
        result = {
            "round": self.round,
            "target": describe(self.candidates[self.target]),
            "choice": describe(self.candidates[chosen]),
            "correct": chosen == self.target,
        }
        self.results.append(result)
        self._result = json.dumps(result, sort_keys=True)
        reward = float(result["correct"])
        verdict = "correct" if result["correct"] else f"wrong (the target was the {result['target']})"
        self.say("game", f"The listener picked the {result['choice']}: {verdict}.", event="result")
        self.round += 1
        done = self.round >= self.rounds
        if done:
            self._finish()
            self.end(f"{sum(r['correct'] for r in self.results)} of {self.rounds} round(s) correct")
        else:
            assert self._rng is not None
            self._draw(self._rng)
        return TurnOutcome(
            rewards={SPEAKER: reward, LISTENER: reward}, terminated=done, event="pick", next_speaker=SPEAKER
        )

    def _on_truncate(self) -> dict[str, float]:
        self._finish()
        return {}

    def _finish(self) -> None:
        self._outcome = json.dumps({"rounds": self.rounds, "results": self.results}, sort_keys=True)

    def metrics(self) -> dict[str, float]:
        """``accuracy`` over all rounds (unplayed rounds count as wrong) and ``rounds_played``."""
        correct = sum(bool(r["correct"]) for r in self.results)
        return {"accuracy": correct / self.rounds, "rounds_played": float(len(self.results))}


def parallel_env(**kwargs: Any) -> ReferentialEnv:
    """The Parallel form (see :class:`ReferentialEnv` for the arguments; ``max_cycles``, PettingZoo's name for
    ``max_turns``, is accepted too)."""
    return ReferentialEnv(**cycles_as_turns(kwargs))


def env(**kwargs: Any) -> AECEnv:
    """The AEC form: ``parallel_to_aec(parallel_env(**kwargs))``."""
    return parallel_to_aec(parallel_env(**kwargs))
