"""The ``code/`` rewards (importing this package registers them; grading starts a sandbox only when used).

- ``code/pass-rate-v0``: fraction of unit tests passed (:mod:`.pass_rate`).
- ``code/all-pass-v0``: 1 if every test passes (:mod:`.all_pass`).
- ``code/partial-credit-v0``: difficulty-weighted partial credit (:mod:`.partial_credit`).
- ``code/format-v0``: well-formed action / parseable code (:mod:`.format`).
- ``code/exec-feedback-v0``: error deltas between runs, a process reward (:mod:`.exec_feedback`).

Example:
    >>> import rewardgym
    >>> sorted(rewardgym.list_rewards("code/"))[:2]
    ['code/all-pass-v0', 'code/exec-feedback-v0']
"""

from rewardgym.envs.code.rewards.all_pass import AllPass
from rewardgym.envs.code.rewards.exec_feedback import ExecFeedback
from rewardgym.envs.code.rewards.format import Format
from rewardgym.envs.code.rewards.partial_credit import PartialCredit
from rewardgym.envs.code.rewards.pass_rate import PassRate

__all__ = ["AllPass", "ExecFeedback", "Format", "PartialCredit", "PassRate"]
