"""Text tasks a policy LLM is trained on: prompts or env episodes in, token-exact scored episodes out.

A task turns integer keys (prompt indices or env seeds; training and held-out keys never overlap) into
:class:`ScoredEpisode` s: the episode's token ids, the loss mask of the policy's own tokens, the reward
with every term of its breakdown, and a success flag. Groups of episodes share a key (GRPO).

- :class:`PhraseTask` (``"phrase-bleu"``): single turn. The prompt asks to repeat an object phrase drawn
  from the referential game's attributes; scored by any reward on :class:`~rewardgym.types.Episodes`
  (default ``text/bleu-v0``, the token-BLEU kernel) against the phrase as reference.
- :class:`DialogueTask` (``"referential"``): episodes of a rewardgym dialogue env in which the policy plays
  one agent and scripted agents the others; multi-turn (every observation of the policy's agent becomes a
  user turn, the policy's messages are the trained tokens); rewarded through ``rewardgym.wrap`` (step and
  episode rewards alike, every term in ``info["reward_terms"]``), default ``dialogue/referential-accuracy-v0``.

Both give TRL-style views for a peer trainer: :meth:`trl_rows` (prompt rows) and :meth:`score_texts`
(rewards of text completions).

Example:
    >>> task = PhraseTask()
    >>> task.keys("train", 3), task.keys("eval", 2)[0] >= task.n_train
    ([0, 1, 2], True)
    >>> task.references(0) == [task.phrase(0)]
    True
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from rewardgym.errors import RewardGymError
from rewardgym.llm.sampling import TokenSampler
from rewardgym.llm.turns import Conversation
from rewardgym.types import Episodes

__all__ = ["TASKS", "DialogueTask", "PhraseTask", "ScoredEpisode", "TaskError", "make_task"]


class TaskError(RewardGymError, ValueError):
    """A task was asked for an unknown split or name, or more keys than it has."""


@dataclass
class ScoredEpisode:
    """One finished, scored episode.

    Attributes:
        ids: every token of the episode (prompt, policy turns, environment turns).
        mask: 1 on the policy's sampled tokens (trained), 0 elsewhere.
        reward: the episode's total reward.
        terms: every reward term (summed over the episode), ``"total"`` included.
        success: the task's success flag (1.0 / 0.0).
        key: the prompt / seed key; episodes of one GRPO group share it.
        turns: policy turns in the episode.
        text: the policy's messages, joined by newlines (for logs).
    """

    ids: list[int]
    mask: list[int]
    reward: float
    terms: dict[str, float] = field(default_factory=dict)
    success: float = 0.0
    key: int = 0
    turns: int = 1
    text: str = ""


def _split_keys(split: str, n: int, n_train: int, n_eval: int) -> list[int]:
    if split not in ("train", "eval"):
        raise TaskError(f"split must be 'train' or 'eval', got {split!r}")
    limit = n_train if split == "train" else n_eval
    if not 0 <= n <= limit:
        raise TaskError(f"asked for {n} {split} keys; this task has {limit}")
    return list(range(n)) if split == "train" else [n_train + i for i in range(n)]


class PhraseTask:
    """Repeat a short object phrase; scored by a reward on ``Episodes`` with ``infos["references"]``.

    The 216 phrases ``"<size> <colour> <pattern> <shape>"`` of the referential game's objects are
    shuffled once (fixed seed); the last ``n_eval`` are held out for evaluation.

    Args:
        reward: a registered name, spec dict or Reward scoring ``Episodes`` (default ``text/bleu-v0``).
        n_eval: held-out phrases.
        success_at: an episode succeeds when its reward is at least this.
    """

    name = "phrase-bleu"
    template = "Repeat this phrase exactly, and write nothing else: {phrase}"

    def __init__(self, reward: Any = "text/bleu-v0", *, n_eval: int = 48, success_at: float = 0.99) -> None:
        from rewardgym.envs.dialogue.referential import ATTRIBUTES
        from rewardgym.rewards.spec import build_reward

        phrases = [" ".join(p) for p in itertools.product(*ATTRIBUTES.values())]
        order = np.random.default_rng(20_260_101).permutation(len(phrases))
        self.phrases = [phrases[int(i)] for i in order]
        if not 0 < n_eval < len(self.phrases):
            raise TaskError(f"n_eval must be in [1, {len(self.phrases) - 1}], got {n_eval}")
        self.n_eval = int(n_eval)
        self.n_train = len(self.phrases) - self.n_eval
        self.reward = build_reward(reward)
        self.success_at = float(success_at)

    def keys(self, split: str, n: int) -> list[int]:
        """The first ``n`` keys of ``"train"`` or ``"eval"`` (disjoint)."""
        return _split_keys(split, n, self.n_train, self.n_eval)

    def phrase(self, key: int) -> str:
        """The phrase of a key."""
        return self.phrases[int(key)]

    def references(self, key: int) -> list[str]:
        """Reference answers of a key."""
        return [self.phrase(key)]

    def prompt(self, key: int) -> list[dict[str, str]]:
        """The chat prompt of a key."""
        return [{"role": "user", "content": self.template.format(phrase=self.phrase(key))}]

    def trl_rows(self, keys: Sequence[int]) -> list[dict[str, Any]]:
        """Prompt rows for a TRL-style trainer: ``{"prompt": chat, "key": key, "references": [...]}``."""
        return [{"prompt": self.prompt(k), "key": int(k), "references": self.references(k)} for k in keys]

    def score_texts(self, keys: Sequence[int], texts: Sequence[str]) -> dict[str, torch.Tensor]:
        """The reward breakdown (``"total"`` and every term) of text completions."""
        batch = Episodes.from_rows(
            prompts=[self.prompt(k)[0]["content"] for k in keys],
            completions=[t.strip() for t in texts],
            infos=[{"references": self.references(k)} for k in keys],
        )
        return {k: v.float().cpu() for k, v in self.reward.breakdown(batch).items()}

    def rollout(self, sampler: TokenSampler, tokenizer: Any, keys: Sequence[int], *, group_size: int,
                max_new_tokens: int, temperature: float, seed: int | None) -> list[ScoredEpisode]:
        """Sample ``group_size`` completions per key and score them in one reward call."""
        convs = [Conversation(tokenizer, self.prompt(k)) for k in keys for _ in range(group_size)]
        flat_keys = [int(k) for k in keys for _ in range(group_size)]
        samples = sampler.sample([c.ids for c in convs], max_new_tokens=max_new_tokens,
                                 temperature=temperature, seed=seed)
        texts = [c.add_policy_turn(s.completion_ids) for c, s in zip(convs, samples)]
        terms = self.score_texts(flat_keys, texts)
        out = []
        for i, (conv, key) in enumerate(zip(convs, flat_keys)):
            row = {name: float(v[i]) for name, v in terms.items()}
            total = row["total"]
            out.append(ScoredEpisode(conv.ids, conv.mask, total, row, float(total >= self.success_at), key,
                                     1, texts[i]))
        return out


class DialogueTask:
    """Episodes of a dialogue env: the policy plays ``agent``, scripted ``partners`` play everyone else.

    Args:
        env: dialogue env name (``rewardgym.envs.dialogue.make``).
        agent: the agent id the policy plays.
        partners: scripted policy name for the other agents (``rewardgym.envs.dialogue.agents``).
        reward: reward for the policy's agent (name, spec or Reward), paid through the env's reward wrapper.
        env_kwargs: env constructor arguments.
        n_train: training seeds ``0..n_train-1``; held-out seeds start at ``eval_offset``.
        n_eval: held-out seeds.
        eval_offset: first held-out seed.
        max_new_tokens_total: cap on policy turns per episode is the env's own turn limit.
    """

    name = "referential"

    def __init__(
        self,
        env: str = "referential-v0",
        *,
        agent: str = "speaker_0",
        partners: str = "literal",
        reward: Any = "dialogue/referential-accuracy-v0",
        env_kwargs: dict[str, Any] | None = None,
        n_train: int = 1_000_000,
        n_eval: int = 10_000,
        eval_offset: int = 10_000_000,
    ) -> None:
        from rewardgym.envs import dialogue

        self.env_name = env
        self.agent = agent
        self.partners = partners
        self.reward_spec = reward
        self.env_kwargs = dict(env_kwargs or {})
        self.n_train, self.n_eval, self.eval_offset = int(n_train), int(n_eval), int(eval_offset)
        if self.eval_offset < self.n_train:
            raise TaskError(f"eval_offset ({eval_offset}) must be >= n_train ({n_train}): held-out seeds")
        probe = dialogue.make(env, **self.env_kwargs)
        if agent not in probe.possible_agents:
            raise TaskError(f"{env} has no agent {agent!r}; its agents are {probe.possible_agents}")

    def keys(self, split: str, n: int) -> list[int]:
        """The first ``n`` seeds of ``"train"`` or ``"eval"`` (disjoint)."""
        keys = _split_keys(split, n, self.n_train, self.n_eval)
        return keys if split == "train" else [self.eval_offset + k - self.n_train for k in keys]

    def _make(self) -> tuple[Any, dict[str, Any]]:
        import rewardgym
        from rewardgym.envs import dialogue
        from rewardgym.envs.dialogue.agents import make_agent

        # the one reward path: step rewards each step, episode rewards on the step that ends the episode
        env = rewardgym.wrap(dialogue.make(self.env_name, **self.env_kwargs), {self.agent: self.reward_spec})
        partners = {a: make_agent(self.partners, env=self.env_name, agent_id=a)
                    for a in env.possible_agents if a != self.agent}
        return env, partners

    def _advance(self, env: Any, partners: dict[str, Any], obs: dict, infos: dict, acc: dict) -> tuple:
        """Let scripted partners speak until it is the policy's turn or the episode is over."""
        while env.agents:
            speaker = infos[env.agents[0]]["speaker"]
            if speaker == self.agent or not speaker:
                break
            msg = partners[speaker].act(obs[speaker], infos[speaker])
            obs, rewards, _, _, infos = env.step({speaker: msg})
            self._collect(acc, rewards, infos)
        return obs, infos

    def _collect(self, acc: dict, rewards: dict, infos: dict) -> None:
        if self.agent in rewards:
            acc["reward"] += float(rewards[self.agent])
            for name, v in infos.get(self.agent, {}).get("reward_terms", {}).items():
                acc["terms"][name] = acc["terms"].get(name, 0.0) + float(v)

    def first_observations(self, keys: Sequence[int]) -> list[str]:
        """The policy agent's first observation for each seed (its prompt)."""
        out = []
        for k in keys:
            env, partners = self._make()
            obs, infos = env.reset(seed=int(k))
            acc: dict[str, Any] = {"reward": 0.0, "terms": {}}
            obs, infos = self._advance(env, partners, obs, infos, acc)
            out.append(str(obs[self.agent]))
        return out

    def trl_rows(self, keys: Sequence[int]) -> list[dict[str, Any]]:
        """Prompt rows for a TRL-style trainer: the first observation as one user message, and the seed."""
        return [{"prompt": [{"role": "user", "content": o}], "key": int(k)}
                for k, o in zip(keys, self.first_observations(keys))]

    def score_texts(self, keys: Sequence[int], texts: Sequence[str]) -> dict[str, torch.Tensor]:
        """Play each seed with ``text`` as the policy's every message; the breakdown of the episode rewards."""
        eps = [self._play(int(k), lambda _obs, t=t: t) for k, t in zip(keys, texts)]
        names = sorted({n for e in eps for n in e["terms"]} | {"total"})
        return {n: torch.tensor([e["reward"] if n == "total" else e["terms"].get(n, 0.0) for e in eps])
                for n in names}

    def _play(self, key: int, policy: Any) -> dict[str, Any]:
        env, partners = self._make()
        obs, infos = env.reset(seed=key)
        acc: dict[str, Any] = {"reward": 0.0, "terms": {}}
        obs, infos = self._advance(env, partners, obs, infos, acc)
        while env.agents:
            obs, rewards, _, _, infos = env.step({self.agent: policy(obs[self.agent])})
            self._collect(acc, rewards, infos)
            obs, infos = self._advance(env, partners, obs, infos, acc)
        return acc

    def _success(self, env: Any, reward: float) -> float:
        metrics = getattr(env.unwrapped, "metrics", None)
        if callable(metrics):
            m = metrics()
            for k in ("accuracy", "success", "agreement"):
                if k in m:
                    return float(m[k] >= 1.0)
        return float(reward > 0)

    def rollout(self, sampler: TokenSampler, tokenizer: Any, keys: Sequence[int], *, group_size: int,
                max_new_tokens: int, temperature: float, seed: int | None) -> list[ScoredEpisode]:
        """Play ``group_size`` episodes per seed, sampling every policy turn of all live episodes together."""
        flat_keys = [int(k) for k in keys for _ in range(group_size)]
        games = []
        for k in flat_keys:
            env, partners = self._make()
            obs, infos = env.reset(seed=k)
            acc: dict[str, Any] = {"reward": 0.0, "terms": {}, "texts": []}
            obs, infos = self._advance(env, partners, obs, infos, acc)
            games.append({"env": env, "partners": partners, "obs": obs, "infos": infos, "acc": acc,
                          "conv": None})
        turn = 0
        while True:
            live = [g for g in games if g["env"].agents]
            if not live:
                break
            for g in live:
                o = str(g["obs"][self.agent])
                if g["conv"] is None:
                    g["conv"] = Conversation(tokenizer, o)
                else:
                    g["conv"].add_env_turn(o)
            samples = sampler.sample([g["conv"].ids for g in live], max_new_tokens=max_new_tokens,
                                     temperature=temperature, seed=None if seed is None else seed + turn)
            for g, s in zip(live, samples):
                text = g["conv"].add_policy_turn(s.completion_ids)
                g["acc"]["texts"].append(text)
                obs, rewards, _, _, infos = g["env"].step({self.agent: text.strip()})
                self._collect(g["acc"], rewards, infos)
                g["obs"], g["infos"] = self._advance(g["env"], g["partners"], obs, infos, g["acc"])
            turn += 1
        out = []
        for g, k in zip(games, flat_keys):
            acc, conv = g["acc"], g["conv"]
            if conv is None:
                raise TaskError(f"{self.env_name} seed {k}: the episode ended before {self.agent} spoke")
            terms = {**acc["terms"], "total": acc["reward"]}
            out.append(ScoredEpisode(conv.ids, conv.mask, acc["reward"], terms,
                                     self._success(g["env"], acc["reward"]), k, len(acc["texts"]),
                                     "\n".join(acc["texts"])))
        return out


TASKS: dict[str, Any] = {
    "phrase-bleu": PhraseTask,
    "referential": lambda **kw: DialogueTask("referential-v0", **{
        "env_kwargs": {"hard": True, "n_candidates": 4}, **kw}),
}
"""Task name -> factory (keyword arguments go to the task's constructor)."""


def make_task(name: str, **kwargs: Any) -> PhraseTask | DialogueTask:
    """Build a task by name (``"phrase-bleu"`` or ``"referential"``).

    Raises:
        TaskError: unknown name.
    """
    if name not in TASKS:
        raise TaskError(f"unknown task {name!r}; expected one of {sorted(TASKS)}")
    return TASKS[name](**kwargs)
