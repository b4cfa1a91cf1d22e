"""Seeded, parameterised task generators of the web envs, with disjoint train/test splits.

- :mod:`~rewardgym.envs.web.tasks.generator`: :class:`TaskGenerator`, :class:`WebTask`, the split logic and
  the per-app registry (``APPS``).
- :mod:`~rewardgym.envs.web.tasks.shop`, :mod:`~rewardgym.envs.web.tasks.booking`,
  :mod:`~rewardgym.envs.web.tasks.mail`: each app's task family (goals, checks on the final state, an expert).

Task modules import the apps (for their catalogues), never the backends or the env.
"""

from rewardgym.envs.web.tasks.generator import APPS, SPLITS, TaskFamily, TaskGenerator, WebTask, normalize

__all__ = ["APPS", "SPLITS", "TaskFamily", "TaskGenerator", "WebTask", "normalize"]
