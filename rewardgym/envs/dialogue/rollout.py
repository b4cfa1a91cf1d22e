"""Self-play: run agents in a dialogue env and turn the episodes into reward batches.

- :func:`run_episode` / :func:`selfplay`: play episodes, returning :class:`EpisodeRecord` s (transcript,
  per-agent returns, env metrics, every per-agent step).
- :func:`to_transitions`: one :class:`~rewardgym.types.Transitions` row per agent and step (the batch
  every ``dialogue/`` reward scores). Each record's ``episode`` is the env's own
  :class:`~rewardgym.types.Episodes` (one row per agent, from ``env.unwrapped.episode()``, the protocol of
  :mod:`rewardgym.rollout`); :func:`rewardgym.rollout.stack_episodes` batches them for outcome rewards and
  judges.

Only the agent whose turn it is is asked for a message; the others pass ``""``.

Example:
    >>> records = selfplay("negotiation-v0", {"agent_0": "fair", "agent_1": "fair"}, episodes=2, seed=0)
    >>> len(records), sorted(records[0].returns)
    (2, ['agent_0', 'agent_1'])
    >>> batch = to_transitions(records)
    >>> import rewardgym
    >>> rewardgym.make_reward("dialogue/negotiation-value-v0")(batch).shape == (len(batch),)
    True
    >>> from rewardgym.rollout import stack_episodes
    >>> episodes = stack_episodes([r.episode for r in records])
    >>> episodes.infos["agent"], episodes.group_ids.tolist()
    (['agent_0', 'agent_1', 'agent_0', 'agent_1'], [0, 0, 1, 1])
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from rewardgym.envs.dialogue.agents import DialogueAgent, make_agent
from rewardgym.errors import EnvConfigError
from rewardgym.rollout import episode_of
from rewardgym.types import Episodes, Transitions

__all__ = ["EpisodeRecord", "run_episode", "selfplay", "to_transitions"]


@dataclass
class EpisodeRecord:
    """One played episode.

    Attributes:
        env: env name.
        seed: the reset seed.
        policies: agent -> policy label.
        transcript: the env's transcript (turn, speaker, text, event).
        returns: agent -> undiscounted return.
        metrics: the env's episode metrics.
        steps: per-agent step rows (obs, action, next_obs, reward, terminated, truncated, info, acted).
        first_obs: agent -> its first observation.
        episode: the env's :class:`~rewardgym.types.Episodes` of this episode (one row per agent).
    """

    env: str
    seed: int | None
    policies: dict[str, str]
    transcript: list[dict[str, Any]]
    returns: dict[str, float]
    metrics: dict[str, float]
    steps: list[dict[str, Any]] = field(default_factory=list, repr=False)
    first_obs: dict[str, str] = field(default_factory=dict, repr=False)
    episode: Episodes | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN metrics become None) without the per-step rows."""
        skip = ("steps", "first_obs", "episode")
        data = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.name not in skip}
        data["metrics"] = {
            k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in self.metrics.items()
        }
        return data


def _label(agent: Any) -> str:
    return str(getattr(agent, "name", type(agent).__name__))


def run_episode(
    env: Any, agents: Mapping[str, DialogueAgent], *, seed: int | None = None, env_name: str = ""
) -> EpisodeRecord:
    """Play one episode of a dialogue ``ParallelEnv`` with one agent per ``possible_agents`` entry.

    Raises:
        EnvConfigError: ``agents`` does not cover the env's agents.
    """
    missing = sorted(set(env.possible_agents) - set(agents))
    if missing:
        raise EnvConfigError(f"no agent given for {missing}; the env's agents are {env.possible_agents}")
    obs, infos = env.reset(seed=seed)
    for i, agent_id in enumerate(env.possible_agents):
        agents[agent_id].reset(seed=None if seed is None else seed * 10 + i)
    first_obs = {a: str(o) for a, o in obs.items()}
    steps: list[dict[str, Any]] = []
    while env.agents:
        speaker = next(infos[a]["speaker"] for a in env.agents)
        actions = {a: (agents[a].act(str(obs[a]), infos[a]) if a == speaker else "") for a in env.agents}
        next_obs, rewards, terms, truncs, next_infos = env.step(actions)
        for a in rewards:
            steps.append(
                {
                    "agent": a,
                    "obs": str(obs[a]),
                    "action": actions.get(a, ""),
                    "next_obs": str(next_obs[a]),
                    "reward": float(rewards[a]),
                    "terminated": bool(terms[a]),
                    "truncated": bool(truncs[a]),
                    "info": {
                        **{k: v for k, v in next_infos[a].items() if k != "reward_terms"},
                        "acted": a == speaker,
                    },
                }
            )
        obs, infos = next_obs, next_infos
    unwrapped = env.unwrapped
    return EpisodeRecord(
        env=env_name or getattr(unwrapped, "env_id", type(unwrapped).__name__),
        seed=seed,
        policies={a: _label(agents[a]) for a in env.possible_agents},
        transcript=[dict(t) for t in unwrapped.transcript],
        returns={a: float(r) for a, r in _returns(steps, env.possible_agents).items()},
        metrics=dict(unwrapped.metrics()),
        steps=steps,
        first_obs=first_obs,
        episode=episode_of(env),
    )


def _returns(steps: Sequence[Mapping[str, Any]], agents: Sequence[str]) -> dict[str, float]:
    out = dict.fromkeys(agents, 0.0)
    for s in steps:
        out[s["agent"]] += s["reward"]
    return out


def selfplay(
    env: str,
    agents: Mapping[str, str | DialogueAgent] | Sequence[str | DialogueAgent],
    *,
    episodes: int = 1,
    seed: int = 0,
    env_kwargs: Mapping[str, Any] | None = None,
    agent_kwargs: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> list[EpisodeRecord]:
    """Play ``episodes`` seeded episodes (seeds ``seed``, ``seed + 1``...) of the dialogue env ``env``.

    Args:
        env: a dialogue env name (see :func:`rewardgym.envs.dialogue.make`).
        agents: ``{agent_id: name_or_agent}``, or a list matched to the env's ``possible_agents``.
        episodes: number of episodes.
        seed: first seed.
        env_kwargs: env constructor arguments (may include ``reward=`` for a reward wrapper).
        agent_kwargs: keyword arguments for :func:`~rewardgym.envs.dialogue.agents.make_agent`.
        progress: show a tqdm bar.

    Raises:
        EnvConfigError: a bad env name, agent list or agent name.
    """
    from rewardgym.envs.dialogue import make

    if isinstance(episodes, bool) or not isinstance(episodes, int) or episodes < 1:
        raise EnvConfigError(f"episodes must be an int >= 1, got {episodes!r}")
    par = make(env, **dict(env_kwargs or {}))
    ids = list(par.possible_agents)
    if isinstance(agents, Mapping):
        specs = dict(agents)
    else:
        specs = list(agents)
        if len(specs) != len(ids):
            raise EnvConfigError(
                f"{env} has {len(ids)} agent(s) {ids}; got {len(specs)} agent spec(s): {specs}"
            )
        specs = dict(zip(ids, specs))
    built = {
        a: make_agent(specs[a], env=env, agent_id=a, **dict(agent_kwargs or {})) for a in ids if a in specs
    }
    iterator: Any = range(episodes)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc=f"selfplay {env}", unit="episode")
    try:
        return [run_episode(par, built, seed=seed + i, env_name=env) for i in iterator]
    finally:
        par.close()


def to_transitions(records: Sequence[EpisodeRecord], *, only_acting: bool = False) -> Transitions:
    """Every per-agent step of ``records`` as one batch (``infos`` gains ``episode`` and ``acted``).

    Args:
        records: played episodes of one env.
        only_acting: keep only rows where the agent spoke, plus each agent's final row.
    """
    rows = []
    for e, rec in enumerate(records):
        for s in rec.steps:
            final = s["terminated"] or s["truncated"]
            if only_acting and not (s["info"]["acted"] or final):
                continue
            rows.append((e, s))
    return Transitions.from_rows(
        obs=[s["obs"] for _, s in rows],
        action=[s["action"] for _, s in rows],
        next_obs=[s["next_obs"] for _, s in rows],
        env_reward=[s["reward"] for _, s in rows],
        terminated=[s["terminated"] for _, s in rows],
        truncated=[s["truncated"] for _, s in rows],
        infos=[{**s["info"], "episode": e} for e, s in rows],
        group_ids=[e for e, _ in rows],
    )
