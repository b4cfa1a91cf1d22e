"""``rewardgym/Code-v0``: write code, run it in a sandbox, submit it for grading by unit tests.

The agent sees a task (a function to write) and, each turn, sends a text action:

- ``<run>CODE</run>``: run CODE in a fresh sandbox; the observation shows its exit code, stdout and stderr.
- ``<submit>CODE</submit>``: grade CODE against the task's hidden tests in a fresh sandbox holding only
  the solution and the grader; the episode ends and the env reward is the pass rate.

Anything else gets a feedback observation explaining the format. The episode is truncated after
``max_turns`` turns. Tasks: the bundled set (default, offline), HumanEval (``tasks="humaneval"``), or any
HumanEval/MBPP-format JSONL (``tasks="path.jsonl"``).

Rewards (``code/...``, see :mod:`rewardgym.envs.code.rewards`): ``pass-rate-v0``, ``all-pass-v0``,
``partial-credit-v0`` (difficulty-weighted), ``format-v0`` and ``exec-feedback-v0`` (error deltas between
runs; gate it on the outcome with :class:`~rewardgym.rewards.compose.Gate`).

Example:
    >>> import gymnasium as gym, rewardgym
    >>> env = gym.make("rewardgym/Code-v0", sandbox="process")  # doctest: +SKIP
    >>> obs, info = env.reset(seed=0)  # doctest: +SKIP
    >>> obs, r, term, trunc, info = env.step("<submit>def f(): pass</submit>")  # doctest: +SKIP
"""

from rewardgym.envs.code.tasks import CodeTask, load_tasks

__all__ = ["CodeTask", "load_tasks"]
