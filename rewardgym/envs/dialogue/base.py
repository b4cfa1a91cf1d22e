"""The turn-taking machinery shared by the dialogue envs: :class:`DialogueEnv` (a PettingZoo ``ParallelEnv``).

A dialogue is a sequence of turns. At each ``step`` exactly one agent, the *speaker* (``info["speaker"]``,
``info["your_turn"]``), has its message delivered; the other live agents' actions are ignored (an
ignored non-empty message earns a note in that agent's next observation). This keeps the Parallel API
(every live agent passes an action) and its AEC view from :func:`pettingzoo.utils.conversions.parallel_to_aec`
exact, with one implementation.

Messages are free text (:class:`gymnasium.spaces.Text` over :data:`~rewardgym.envs.dialogue.text.CHARSET`).
A message that is too long, has characters outside the charset or breaks the env's protocol is never an
error: it is cleaned or ignored and the reason appears under ``Feedback:`` in the speaker's next
observation and in ``info["feedback"]``; ``info["malformed"]`` flags protocol violations. Programming
errors (an action that is not a string, a missing speaker, stepping a finished episode) raise
:class:`~rewardgym.errors.InvalidActionError`.

:meth:`DialogueEnv.episode` gives the episode as an :class:`~rewardgym.types.Episodes` batch with one row
per agent (the episode protocol of :mod:`rewardgym.rollout`; ``infos["agent"]`` names the row's agent).

Every observation is the agent's private brief, the turn status, its feedback and the most recent turns
of the conversation, cut to ``max_observation_chars``. ``reset(seed=...)`` seeds everything random.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from rewardgym.envs.dialogue.text import CHARSET, TextObservation, clip_lines, sanitize
from rewardgym.envs.guard import EpisodeGuard
from rewardgym.errors import EnvConfigError, InvalidActionError, require

require("pettingzoo", "multiagent")
from gymnasium.spaces import Text  # noqa: E402
from pettingzoo.utils.conversions import parallel_to_aec  # noqa: E402
from pettingzoo.utils.env import AECEnv, ParallelEnv  # noqa: E402

__all__ = ["AECEnv", "DialogueEnv", "TurnOutcome", "cycles_as_turns", "parallel_to_aec"]


@dataclass
class TurnOutcome:
    """What a subclass's :meth:`DialogueEnv._handle` decided about one delivered message.

    Attributes:
        rewards: reward for each agent this step (missing agents get 0).
        feedback: notes for each agent's next observation.
        terminated: the dialogue reached its natural end.
        malformed: the speaker's message broke the env's protocol.
        event: a short machine-readable label for the transcript (``"propose"``, ``"accept"``...).
        next_speaker: who speaks next; None alternates through ``possible_agents``.
    """

    rewards: dict[str, float] = field(default_factory=dict)
    feedback: dict[str, list[str]] = field(default_factory=dict)
    terminated: bool = False
    malformed: bool = False
    event: str = "message"
    next_speaker: str | None = None


def _positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise EnvConfigError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def cycles_as_turns(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Accept PettingZoo's ``max_cycles`` as an alias of ``max_turns`` (one Parallel ``step`` is one turn).

    Example:
        >>> cycles_as_turns({"max_cycles": 4, "seed_pool": 1})
        {'seed_pool': 1, 'max_turns': 4}

    Raises:
        EnvConfigError: both are given, with different values.
    """
    if "max_cycles" not in kwargs:
        return kwargs
    out = dict(kwargs)
    cycles = out.pop("max_cycles")
    if "max_turns" in out and out["max_turns"] != cycles:
        raise EnvConfigError(
            f"max_cycles ({cycles!r}) is PettingZoo's name for max_turns ({out['max_turns']!r}); give one of them"
        )
    out["max_turns"] = cycles
    return out


class DialogueEnv(ParallelEnv[str, str, str]):
    """Base class of the dialogue envs; subclasses implement the ``_``-prefixed hooks.

    Args:
        agents: the agent names (``possible_agents``).
        max_turns: turn limit; reaching it truncates the episode.
        max_message_chars: longer messages are cut (with feedback); the action space's ``max_length``.
        max_observation_chars: observations keep the most recent turns that fit; the observation space's
            ``max_length``.
        render_mode: ``None``, ``"ansi"`` (``render()`` returns the transcript) or ``"human"`` (prints it).
    """

    metadata: ClassVar[dict[str, Any]] = {
        "name": "dialogue",
        "render_modes": ["ansi", "human"],
        "is_parallelizable": True,
    }
    env_id: ClassVar[str] = "dialogue"
    title: ClassVar[str] = "Dialogue"

    def __init__(
        self,
        agents: Sequence[str],
        *,
        max_turns: int,
        max_message_chars: int = 400,
        max_observation_chars: int = 4000,
        render_mode: str | None = None,
    ) -> None:
        self.max_turns = _positive_int("max_turns", max_turns)
        self.max_message_chars = _positive_int("max_message_chars", max_message_chars)
        self.max_observation_chars = _positive_int("max_observation_chars", max_observation_chars, 200)
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise EnvConfigError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.possible_agents = list(agents)
        self.agents: list[str] = []
        self._observation_spaces = {
            a: Text(self.max_observation_chars, min_length=1, charset=CHARSET) for a in self.possible_agents
        }
        self._action_spaces = {
            a: Text(self.max_message_chars, min_length=0, charset=CHARSET) for a in self.possible_agents
        }
        self._rng: np.random.Generator | None = None
        self.turn = 0
        self.transcript: list[dict[str, Any]] = []
        self.returns: dict[str, float] = {}
        self._speaker = ""
        self._feedback: dict[str, list[str]] = {}
        self._malformed: dict[str, bool] = {}
        self._over = ""
        self._first_obs: dict[str, str] = {}
        self._guard = EpisodeGuard(self.env_id)

    # ----------------------------------------------------------------- hooks for subclasses
    def _new_episode(self, rng: np.random.Generator, options: Mapping[str, Any]) -> str:
        """Sample a fresh scenario; return the first speaker."""
        raise NotImplementedError

    def _brief(self, agent: str) -> str:
        """The agent's private instructions and information (the top of its observation)."""
        raise NotImplementedError

    def _handle(self, speaker: str, text: str) -> TurnOutcome:
        """Apply the speaker's (sanitised) message to the state."""
        raise NotImplementedError

    def _extra_info(self, agent: str) -> dict[str, Any]:
        """Env-specific info entries; every agent must get the same keys on every step."""
        return {}

    def _on_truncate(self) -> dict[str, float]:
        """Rewards when the turn limit ends the dialogue (default: nothing)."""
        return {}

    def metrics(self) -> dict[str, float]:
        """Episode-level metrics (agreement, accuracy...), read after the episode ends."""
        return {}

    # ----------------------------------------------------------------- PettingZoo API
    def observation_space(self, agent: str) -> Text:
        """The agent's observation space (the same object on every call)."""
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> Text:
        """The agent's action space (the same object on every call)."""
        return self._action_spaces[agent]

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
        """Start a new dialogue; ``seed`` makes the scenario reproducible."""
        if seed is not None or self._rng is None:
            self._rng = np.random.default_rng(seed)
        self.agents = list(self.possible_agents)
        self.turn = 0
        self.transcript = []
        self.returns = dict.fromkeys(self.possible_agents, 0.0)
        self._feedback = {a: [] for a in self.possible_agents}
        self._malformed = dict.fromkeys(self.possible_agents, False)
        self._over = ""
        self._speaker = self._new_episode(self._rng, dict(options or {}))
        self._guard.start()
        observations = self._observe_all()
        self._first_obs = {a: str(o) for a, o in observations.items()}
        return observations, self._infos()

    def step(
        self, actions: Mapping[str, str]
    ) -> tuple[dict[str, str], dict[str, float], dict[str, bool], dict[str, bool], dict[str, dict[str, Any]]]:
        """Deliver the speaker's message; the other agents' actions are ignored."""
        if not self.agents:
            self._guard.fail()
        if not isinstance(actions, Mapping):
            raise InvalidActionError(f"step() takes a dict {{agent: message}}, got {type(actions).__name__}")
        unknown = sorted(set(map(str, actions)) - set(self.agents))
        if unknown:
            raise InvalidActionError(
                f"actions for unknown or finished agents {unknown}; live agents are {self.agents}"
            )
        speaker = self._speaker
        if speaker not in actions:
            raise InvalidActionError(
                f"it is {speaker!r}'s turn: actions must include {speaker!r} (a str message)"
            )
        raw = actions[speaker]
        if not isinstance(raw, str):
            raise InvalidActionError(
                f"the message of {speaker!r} must be a str, got {type(raw).__name__}: {raw!r}"
            )
        live = list(self.agents)
        self._feedback = {a: [] for a in live}
        self._malformed = dict.fromkeys(live, False)
        for other in live:
            msg = actions.get(other)
            if other != speaker and isinstance(msg, str) and msg.strip():
                self._feedback[other].append(f"it was {speaker}'s turn, so your message was not delivered")
        text, notes = sanitize(raw, self.max_message_chars)
        self._feedback[speaker].extend(notes)
        entry = {"turn": self.turn, "speaker": speaker, "text": text, "event": ""}
        self.transcript.append(entry)
        outcome = self._handle(speaker, text)
        entry["event"] = outcome.event
        self._malformed[speaker] = outcome.malformed
        for agent, notes in outcome.feedback.items():
            self._feedback.setdefault(agent, []).extend(notes)
        self.turn += 1
        rewards = {a: float(outcome.rewards.get(a, 0.0)) for a in live}
        truncated = not outcome.terminated and self.turn >= self.max_turns
        if truncated:
            for a, r in self._on_truncate().items():
                rewards[a] = rewards.get(a, 0.0) + float(r)
            self._over = f"the turn limit ({self.max_turns}) was reached"
        elif outcome.terminated and not self._over:
            self._over = "the dialogue has ended"
        if outcome.terminated or truncated:
            self._speaker = ""
        else:
            self._speaker = outcome.next_speaker or self._alternate(speaker)
        for a, r in rewards.items():
            self.returns[a] = self.returns.get(a, 0.0) + r
        observations = self._observe_all(live)
        infos = self._infos(live)
        terminations = dict.fromkeys(live, bool(outcome.terminated))
        truncations = dict.fromkeys(live, bool(truncated))
        if outcome.terminated or truncated:
            self.agents = []
            self._guard.finish(outcome.terminated, truncated)
        if self.render_mode == "human":
            self.render()
        return observations, rewards, terminations, truncations, infos

    def render(self) -> str | None:
        """The transcript as text (``"ansi"``) or printed (``"human"``); None without a render mode."""
        if self.render_mode is None:
            return None
        text = "\n".join(f"{t['speaker']}: {t['text']}" for t in self.transcript)
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def close(self) -> None:
        """Nothing to release; present so that ``render`` and ``close`` come as a pair."""

    def episode(self) -> Any:
        """The current episode as :class:`~rewardgym.types.Episodes`, one row per agent (``possible_agents``
        order): prompt = the agent's first observation, completion = the transcript as text, ``infos`` =
        ``agent``, ``return`` and ``outcome`` (the env's outcome JSON, ``""`` before the end), the turn list as
        the transcript and the agent's return as the env return.

        Raises:
            EnvConfigError: before the first ``reset()``.
        """
        from rewardgym.types import Episodes

        if self._rng is None:
            raise EnvConfigError("call reset() before episode(): no dialogue has started")
        text = "\n".join(f"{t['speaker']}: {t['text']}" for t in self.transcript)
        agents = self.possible_agents
        return Episodes.from_rows(
            prompts=[self._first_obs.get(a, "") for a in agents],
            completions=[text] * len(agents),
            infos=[
                {
                    "agent": a,
                    "return": float(self.returns.get(a, 0.0)),
                    "outcome": str(self._extra_info(a).get("outcome", "") or ""),
                }
                for a in agents
            ],
            transcripts=[[dict(t) for t in self.transcript] for _ in agents],
            env_returns=[float(self.returns.get(a, 0.0)) for a in agents],
        )

    # ----------------------------------------------------------------- helpers
    @property
    def speaker(self) -> str:
        """The agent whose message the next ``step`` delivers (``""`` once the dialogue is over)."""
        return self._speaker

    def _alternate(self, speaker: str) -> str:
        order = self.possible_agents
        return order[(order.index(speaker) + 1) % len(order)]

    def say(self, speaker: str, text: str, event: str = "message") -> None:
        """Append a line said by someone other than an agent (a simulated user, the game master).

        The text is sanitised like an agent's message (an LLM-voiced user may write anything).
        """
        clean = sanitize(text, self.max_message_chars)[0]
        self.transcript.append({"turn": self.turn, "speaker": speaker, "text": clean, "event": event})

    def end(self, summary: str) -> None:
        """Record why the dialogue ended (shown to every agent)."""
        self._over = summary

    def _status(self, agent: str) -> str:
        if self._over:
            return f"The dialogue is over: {self._over}."
        head = f"Turn {self.turn + 1} of {self.max_turns}."
        if agent == self._speaker:
            return f"{head} It is your turn."
        return f"{head} Waiting for {self._speaker}."

    def _observe(self, agent: str) -> TextObservation:
        parts = [
            f"=== {self.title} ({self.env_id}) | you are {agent} ===",
            self._brief(agent),
            self._status(agent),
        ]
        if self._feedback.get(agent):
            parts.append("Feedback: " + "; ".join(self._feedback[agent]) + ".")
        parts.append("--- conversation (most recent last) ---")
        lines = [f"{t['speaker']}: {t['text']}" for t in self.transcript] or ["(no messages yet)"]
        obs = clip_lines("\n".join(parts), lines, self.max_observation_chars)
        return TextObservation(sanitize(obs, self.max_observation_chars)[0])

    def _observe_all(self, agents: Sequence[str] | None = None) -> dict[str, str]:
        return {a: self._observe(a) for a in (self.agents if agents is None else agents)}

    def _last_message(self, agent: str) -> str:
        for entry in reversed(self.transcript):
            if entry["speaker"] != agent:
                return str(entry["text"])
        return ""

    def _infos(self, agents: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
        out = {}
        for a in self.agents if agents is None else agents:
            out[a] = {
                "agent": a,
                "turn": self.turn,
                "max_turns": self.max_turns,
                "speaker": self._speaker,
                "your_turn": a == self._speaker,
                "malformed": bool(self._malformed.get(a, False)),
                "feedback": "; ".join(self._feedback.get(a, [])),
                "last_message": self._last_message(a),
                **self._extra_info(a),
            }
        return out
