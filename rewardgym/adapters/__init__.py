"""Adapters to the trainers users already run: TRL, verifiers and Stable-Baselines3.

- :mod:`rewardgym.adapters.trl`: :func:`~rewardgym.adapters.trl.trl_reward` turns a rewardgym reward into a
  TRL ``reward_funcs`` callable (``GRPOTrainer``), scored in one batched call, each term logged.
- :mod:`rewardgym.adapters.verifiers`: :func:`~rewardgym.adapters.verifiers.verifiers_task` turns a reward into
  a verifiers ``Task`` whose ``@vf.reward`` method scores concurrent rollouts in batches.
- :mod:`rewardgym.adapters.sb3`: :class:`~rewardgym.adapters.sb3.SB3VecEnv` exposes a Gymnasium vector env
  (the natively batched maze and robotics envs included) as a Stable-Baselines3 ``VecEnv``.

Each module imports its library lazily; nothing here is imported by ``import rewardgym``.
"""
