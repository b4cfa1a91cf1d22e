"""Learned rewards: segments, oracles, the Bradley–Terry ensemble, the online loop, the registered reward."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import rewardgym
from rewardgym.errors import RewardGymError, RewardSpecError
from rewardgym.rewards.learned import (
    PreferenceLearner,
    PreferenceOracle,
    PreferenceReward,
    RewardEnsemble,
    RewardModelConfig,
    Segments,
    SyntheticOracle,
    TextOracle,
)
from rewardgym.testing import check_reward_fn

PROGRESS = {"sum": [
    {"reward": "maze/goal-v0"},
    {"reward": {"reward": {"name": "maze/distance-potential-v0", "kwargs": {"gamma": 1.0}}},
     "as": "progress"},
]}
GRID = gym.spaces.Box(0, 3, (9, 9), dtype=np.uint8)


def maze_rollout(seed: int, *, n_envs: int = 64, steps: int = 64, length: int = 8) -> Segments:
    """Random-policy segments from one fixed 9×9 maze (every sub-env shares the layout)."""
    envs = gym.make_vec("rewardgym/Maze-v0", num_envs=n_envs, vectorization_mode="vector_entry_point",
                        fixed_maze=True)
    obs, _ = envs.reset(seed=[7] * n_envs)
    rng = np.random.default_rng(seed)
    cols: dict[str, list] = {k: [] for k in ("obs", "act", "next", "valid", "term", "trunc")}
    infos: dict[str, list] = {k: [] for k in ("distance", "prev_distance", "success", "bumped")}
    prev_done = np.zeros(n_envs, dtype=bool)
    for _ in range(steps):
        action = rng.integers(0, 4, n_envs)
        nxt, _, term, trunc, info = envs.step(action)
        for k, v in zip(cols, (obs, action, nxt, ~prev_done, term, trunc)):
            cols[k].append(v)
        for k in infos:
            infos[k].append(info[k])
        prev_done, obs = term | trunc, nxt
    envs.close()

    def st(x: list) -> torch.Tensor:
        return torch.as_tensor(np.stack(x))

    return Segments.from_rollout(
        obs=st(cols["obs"]), actions=st(cols["act"]), next_obs=st(cols["next"]), valid=st(cols["valid"]),
        terminated=st(cols["term"]), truncated=st(cols["trunc"]), infos={k: st(v) for k, v in infos.items()},
        length=length,
    )


def random_pairs(seg: Segments, n: int, seed: int) -> tuple[Segments, Segments]:
    g = torch.Generator().manual_seed(seed)
    a, b = (torch.randint(len(seg), (n,), generator=g) for _ in range(2))
    return seg.select(a), seg.select(b)


@pytest.fixture(scope="module")
def maze_segments() -> tuple[Segments, Segments]:
    return maze_rollout(0), maze_rollout(1)


def test_segments_from_rollout_cuts_windows_and_skips_empty_ones() -> None:
    T, N = 8, 3
    obs = torch.arange(T * N, dtype=torch.float32).reshape(T, N, 1)
    valid = torch.ones(T, N, dtype=torch.bool)
    valid[4:, 2] = False  # env 2's second window has no real transition
    seg = Segments.from_rollout(obs=obs, actions=torch.zeros(T, N, dtype=torch.long), next_obs=obs + 1,
                                valid=valid, length=4)
    assert (len(seg), seg.length) == (5, 4)
    assert seg.obs[0, :, 0].tolist() == [0.0, 3.0, 6.0, 9.0]  # env 0, steps 0..3
    flat = seg.transitions()
    assert len(flat) == 20 and flat.group_ids.tolist()[:5] == [0, 0, 0, 0, 1]
    assert seg.returns(torch.ones(20)).tolist() == [4.0] * 5
    with pytest.raises(RewardGymError, match="segment length"):
        Segments.from_rollout(obs=obs, actions=obs, next_obs=obs, valid=valid, length=9)


def test_synthetic_oracle_orders_by_return_and_counts_queries(maze_segments) -> None:
    seg, _ = maze_segments
    oracle = SyntheticOracle(PROGRESS)
    assert isinstance(oracle, PreferenceOracle)
    left, right = random_pairs(seg, 200, seed=0)
    labels = oracle.label(left, right)
    diff = oracle.returns(left) - oracle.returns(right)
    assert torch.equal(labels[diff > 0], torch.ones(int((diff > 0).sum())))
    assert torch.equal(labels[diff < 0], torch.zeros(int((diff < 0).sum())))
    assert torch.all(labels[diff == 0] == 0.5)
    assert oracle.queries == 200
    noisy = SyntheticOracle(PROGRESS, noise=0.3, seed=1)
    flipped = (noisy.label(left, right) != labels)[labels != 0.5].float().mean().item()
    assert 0.2 < flipped < 0.4
    with pytest.raises(RewardSpecError, match="noise"):
        SyntheticOracle(PROGRESS, noise=0.7)


def test_text_oracle_parses_a_labellers_answers(maze_segments) -> None:
    """The labeller is a scripted stand-in for a person or an LLM (the real boundary is text in, text out)."""
    seg, _ = maze_segments
    seen: list[str] = []

    def labeller(prompts: list[str]) -> list[str]:
        seen.extend(prompts)
        return ["A", "b, because it is closer", "=", "no idea"][: len(prompts)]

    oracle = TextOracle(labeller)
    labels = oracle.label(*random_pairs(seg, 4, seed=2))
    assert labels[:3].tolist() == [1.0, 0.0, 0.5] and torch.isnan(labels[3])
    assert oracle.queries == 4
    assert "Attempt A" in seen[0] and "@" in seen[0] and "moves:" in seen[0]


def test_reward_model_ranks_held_out_segments_like_the_oracle(maze_segments) -> None:
    train, held_out = maze_segments
    oracle = SyntheticOracle(PROGRESS)
    left, right = random_pairs(train, 400, seed=3)
    labels = oracle.label(left, right)
    model = RewardEnsemble(RewardModelConfig.from_spaces(GRID, gym.spaces.Discrete(4), members=2, seed=0))
    model.fit(left, right, labels, steps=400, batch_size=32)
    t_left, t_right = random_pairs(held_out, 400, seed=4)
    t_labels = oracle.label(t_left, t_right)
    agreement = model.accuracy(t_left, t_right, t_labels)  # strict labels only; chance is 0.5
    assert agreement >= 0.8, agreement
    assert model.disagreement(t_left, t_right).shape == (400,)


def test_calibrate_and_save_load_round_trip(tmp_path, maze_segments) -> None:
    seg, _ = maze_segments
    cfg = RewardModelConfig.from_spaces(GRID, gym.spaces.Discrete(4), members=2, shift="max")
    model = RewardEnsemble(cfg)
    model.calibrate(seg)
    flat = seg.transitions()
    r = model(flat.obs, flat.action, flat.next_obs)[seg.valid.reshape(-1)]
    assert r.max().item() == pytest.approx(0.0, abs=1e-5) and r.std().item() == pytest.approx(1.0, rel=1e-3)
    model.config.shift = 0.75
    model.calibrate(seg)
    r = model(flat.obs, flat.action, flat.next_obs)[seg.valid.reshape(-1)]
    assert torch.quantile(r, 0.75).item() == pytest.approx(0.0, abs=1e-4)
    with pytest.raises(RewardSpecError, match="quantile"):
        RewardModelConfig(obs_shape=(3,), shift=1.5)
    path = model.save(tmp_path / "rm.pt")
    reward = rewardgym.make_reward("learned/preference-v0", path=str(path))
    assert isinstance(reward, PreferenceReward)
    assert torch.allclose(reward(flat), model(flat.obs, flat.action, flat.next_obs), atol=1e-6)
    check_reward_fn(reward, flat.select(list(range(32))))


def test_registered_reward_checks_and_rejects_bad_input(tmp_path) -> None:
    from rewardgym.testing import check_all_rewards

    assert check_all_rewards(["learned/preference-v0"]) == {"learned/preference-v0": "ok"}
    with pytest.raises(RewardSpecError, match="exactly one"):
        rewardgym.make_reward("learned/preference-v0")
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(RewardSpecError, match="cannot load"):
        rewardgym.make_reward("learned/preference-v0", path=str(tmp_path / "junk.pt"))
    small = rewardgym.make_reward("learned/preference-v0", config={"obs_shape": [5, 5], "obs_values": 4,
                                                                  "n_actions": 4})
    from rewardgym.rewards.learned.preference import example_batch

    batch = example_batch()
    with pytest.raises(RewardGymError, match="shape"):
        small(batch.select([0]).__class__(obs=torch.zeros(1, 3, 3), action=torch.zeros(1, dtype=torch.long),
                                          next_obs=torch.zeros(1, 3, 3), env_reward=torch.zeros(1),
                                          terminated=torch.zeros(1, dtype=torch.bool),
                                          truncated=torch.zeros(1, dtype=torch.bool)))
    with pytest.raises(RewardSpecError, match="inputs"):
        RewardModelConfig(obs_shape=(3,), inputs=("reward",))


class _Rollout:
    """The fields of ``baselines/ppo.py``'s Rollout that the learner reads."""

    def __init__(self, seg: Segments, iteration: int) -> None:
        # Segments are (P, L); a rollout is (T, N): use L as T and P as N.
        self.obs, self.actions, self.next_obs = (x.transpose(0, 1) for x in
                                                 (seg.obs, seg.action, seg.next_obs))
        self.valid, self.terminated, self.truncated = (x.transpose(0, 1) for x in
                                                        (seg.valid, seg.terminated, seg.truncated))
        self.infos = {k: v.transpose(0, 1) for k, v in seg.infos.items()}
        self.rewards = torch.full(self.valid.shape, 123.0)
        self.iteration, self.global_step = iteration, iteration * self.valid.numel()


def test_online_learner_spends_its_budget_and_relabels_rollouts(maze_segments) -> None:
    seg, _ = maze_segments
    model = RewardEnsemble(RewardModelConfig.from_spaces(GRID, gym.spaces.Discrete(4)))
    oracle = SyntheticOracle(PROGRESS)
    learner = PreferenceLearner(model, oracle, budget=50, first_round=20, every=1, until=1.0,
                                segment_length=8, fit_steps=20)

    class Config:
        num_envs, num_steps, total_timesteps = 64, 16, 64 * 16 * 4

    learner.on_train_start(Config, None)
    logs = {}
    for it in range(1, 5):
        rollout = _Rollout(seg.select(list(range(64))), it)
        logs = learner.on_rollout_end(rollout)
        assert not torch.any(rollout.rewards == 123.0)  # relabelled with the model ...
        assert torch.all(rollout.rewards[~rollout.valid] == 0)  # ... and 0 on autoreset steps
    assert learner.queries == oracle.queries == 50
    assert logs["preferences/queries"] == 50 and len(learner.labels) == 50
    with pytest.raises(RewardSpecError, match="PreferenceOracle"):
        PreferenceLearner(model, object())  # type: ignore[arg-type]
