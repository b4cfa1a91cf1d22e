"""Reproduce the baseline results: experiment definitions, a parallel runner and a report writer.

``rewardgym reproduce maze [--quick] [--seeds N] [--out DIR]`` trains ``baselines/ppo.py`` once per
(reward variant, seed) and writes ``<out>/maze.md`` (table), ``maze.png`` (learning curves) and
``maze.json`` (raw curves). See ``docs/reproduce.md``.

Example:
    >>> from rewardgym.reproduce import EXPERIMENTS
    >>> EXPERIMENTS["maze"].env_id
    'rewardgym/Maze-v0'
"""

from rewardgym.reproduce.experiments import EXPERIMENTS, Budget, Experiment, PreferenceSettings, Variant

__all__ = ["EXPERIMENTS", "Budget", "Experiment", "PreferenceSettings", "Variant"]
