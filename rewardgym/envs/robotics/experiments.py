"""The ``reach`` and ``push`` experiments of ``rewardgym reproduce``: PPO on the MuJoCo arm tasks.

``reach`` trains PPO on ``rewardgym/Reach-v0`` with the task's human-written default reward
(``robotics/reach-default-v0``: ``-distance + 0.25·success - 0.05·|a|²``) and reports the success rate
(``info["success"]`` on the episode's last step, deterministic policy, held-out targets). ``push`` runs the
same PPO settings on ``rewardgym/Push-v0`` with ``robotics/push-default-v0``.

PPO settings differ from the maze experiment where continuous control needs it: observation and reward
normalisation, no entropy bonus (a Gaussian policy's entropy bonus keeps the action noise high), the mean
action at evaluation.

Example:
    >>> exp = reach_experiment()
    >>> exp.env_id, [v.name for v in exp.variants]
    ('rewardgym/Reach-v0', ['default'])
    >>> exp.settings(quick=True).total_timesteps
    300000
"""

from __future__ import annotations

from typing import Any

from rewardgym.reproduce.experiments import Budget, Experiment, Variant

__all__ = ["CONTROL_PPO", "push_experiment", "reach_experiment"]

CONTROL_PPO: dict[str, Any] = {
    "num_envs": 32,
    "num_steps": 64,
    "learning_rate": 3e-4,
    "ent_coef": 0.0,
    "norm_obs": True,
    "norm_reward": True,
    "hidden_size": 64,
    "eval_deterministic": True,
}
"""PPO overrides shared by the arm experiments (everything else: ``PPOConfig`` defaults, CleanRL's)."""


def reach_experiment() -> Experiment:
    """PPO on ``rewardgym/Reach-v0`` with its default reward (aim: >= 90% success, 3 seeds, 15 min)."""
    return Experiment(
        name="reach",
        title="PPO on rewardgym/Reach-v0 (3-link MuJoCo arm) with the default reward",
        env_id="rewardgym/Reach-v0",
        env_kwargs={},
        ppo=dict(CONTROL_PPO),
        variants=(
            Variant("default", "default: robotics/reach-default-v0", reward="robotics/reach-default-v0"),
        ),
        full=Budget(total_timesteps=1_500_000, seeds=3, eval_every=100_000),
        quick=Budget(total_timesteps=300_000, seeds=2, eval_every=50_000, eval_episodes=32),
        success_threshold=0.9,
        notes=(
            "Success: the fingertip within 0.05 m of the target on the episode's last step (50 steps, 1 s).",
            "Evaluation targets are held out (seeded apart from training).",
            "PPO: observation and reward normalisation, no entropy bonus, 32 envs x 64 steps per update.",
        ),
    )


def push_experiment() -> Experiment:
    """PPO on ``rewardgym/Push-v0`` with the default reward (the same PPO settings as ``reach``)."""
    return Experiment(
        name="push",
        title="PPO on rewardgym/Push-v0 (3-link MuJoCo arm pushing a puck) with the default reward",
        env_id="rewardgym/Push-v0",
        env_kwargs={},
        ppo=dict(CONTROL_PPO),
        variants=(
            Variant("default", "default: robotics/push-default-v0", reward="robotics/push-default-v0"),
        ),
        full=Budget(total_timesteps=2_000_000, seeds=3, eval_every=250_000),
        quick=Budget(total_timesteps=300_000, seeds=2, eval_every=100_000, eval_episodes=32),
        success_threshold=0.5,
        notes=(
            "Success: the puck's centre within 0.05 m of the goal on the last step (100 steps, 2 s).",
            "Same PPO settings as the reach experiment.",
        ),
    )
