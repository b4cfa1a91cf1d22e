"""A simulated two-node Ray cluster on this machine (``ray.cluster_utils.Cluster``): the workers are spread
over both nodes, results still equal the in-process ones, and losing a whole node loses only its work."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from rewardgym.types import Episodes
from tests.distributed.test_vector import maze_actions, rollout_pair

pytestmark = pytest.mark.slow


def test_vector_env_and_scorer_span_two_nodes_and_survive_losing_one(ray_two_nodes):
    from rewardgym.distributed import RayScorer, RayVectorEnv
    from tests.distributed.faulty import MisbehavingReward

    cluster = ray_two_nodes
    kwargs = {"size": 7, "max_steps": 20}
    envs = RayVectorEnv("rewardgym/Maze-v0", 6, num_workers=2, env_kwargs=kwargs, on_worker_loss="truncate")
    local = gym.make_vec("rewardgym/Maze-v0", num_envs=6, vectorization_mode="vector_entry_point", **kwargs)
    try:
        nodes = [w["node_id"] for w in envs.where()]
        assert len(set(nodes)) == 2  # SPREAD placed one worker on each node
        rollout_pair(envs, local, 30, seed=4, actions=maze_actions(np.random.default_rng(5)))

        batch = Episodes(prompts=[""] * 6, completions=["a" * i for i in range(1, 7)])
        with RayScorer(MisbehavingReward(), num_workers=2, chunk_size=2) as scorer:
            assert len({w["node_id"] for w in scorer.where()}) == 2
            assert scorer.score(batch).scores.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]

        # the second node goes away: the worker that lived there is replaced on the head node
        lost = nodes.index(next(n.node_id for n in cluster.worker_nodes))
        cluster.remove_node(next(iter(cluster.worker_nodes)))
        a = np.zeros(6, dtype=np.int64)
        truncated, infos = envs.step(a)[3:]
        rows = slice(envs.offsets[lost], envs.offsets[lost + 1])
        assert truncated[rows].all() and infos["worker_lost"][rows].all()
        assert not infos["worker_lost"][envs.offsets[1 - lost]: envs.offsets[2 - lost]].any()
        envs.step(a)
        assert envs.step(a)[0].shape == (6, 7, 7)
        assert len({w["node_id"] for w in envs.where()}) == 1
    finally:
        envs.close()
        local.close()
