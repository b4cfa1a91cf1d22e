"""Procedurally generated grid mazes (see :mod:`rewardgym.envs.maze.env`)."""
