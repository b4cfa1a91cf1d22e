"""The code family's declaration: Code-v0, its rewards and its ``info`` contract (see :mod:`rewardgym.family`)."""

from __future__ import annotations

from rewardgym.family import EnvEntry, Family, InfoField

INFO = (
    InfoField("task_id", "str", (), "the task's id"),
    InfoField("turn", "int64", (), "turns taken so far"),
    InfoField("kind", "str", (), "what the turn did (e.g. 'run', 'submit')"),
    InfoField("exec_errors", "int64", (), "error level of this turn's run (0 = ran cleanly)"),
    InfoField("prev_exec_errors", "int64", (), "error level of the previous run"),
    InfoField("pass_rate", "float64", (), "share of the hidden unit tests the submission passed (0 before it)"),
    InfoField("n_tests", "int64", (), "number of hidden unit tests of the task"),
)

FAMILY = Family(
    name="code",
    doc="Write code, run it in a sandbox, submit it for grading by unit tests.",
    envs=(
        EnvEntry(
            id="rewardgym/Code-v0",
            entry_point="rewardgym.envs.code.env:CodeEnv",
            doc="Write, run and submit code for one task per episode (graded by hidden unit tests).",
            success_key=None,
            info=INFO,
            check_kwargs={"sandbox": "process"},
        ),
    ),
    rewards=("rewardgym.envs.code.rewards",),
)
