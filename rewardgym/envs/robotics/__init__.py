"""MuJoCo arm tasks with composable reward terms: ``rewardgym/Reach-v0`` and ``rewardgym/Push-v0``.

- :mod:`~rewardgym.envs.robotics.env`: the single envs, with the observation and ``info`` specification.
- :mod:`~rewardgym.envs.robotics.vector`: natively batched versions (the ``vector_entry_point``).
- :mod:`~rewardgym.envs.robotics.rewards`: the ``robotics/*`` reward terms and each task's default reward.
- :mod:`~rewardgym.envs.robotics.adapter`: :class:`MujocoInfo`, the same ``info`` keys for Gymnasium's
  Reacher-v5 / Pusher-v5, so the same reward terms score them.
- :mod:`~rewardgym.envs.robotics.render`: ``rgb_array`` frames, GIFs and PNG strips (``rewardgym render``).

Needs the ``robotics`` extra (``pip install "rewardgym[robotics]"``); importing this package does not import
MuJoCo, which is loaded when an env is made.

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> env = gym.make("rewardgym/Push-v0")
    >>> obs, info = env.reset(seed=0)
    >>> info["object_goal_distance"] > 0.05
    True
"""
