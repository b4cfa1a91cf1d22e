"""The after-episode guard every single env shares: :class:`EpisodeGuard`.

An episode runs from ``reset()`` to the step that returns ``terminated`` or ``truncated``. Stepping outside
that window is a bug in the caller (the agent would be paid again for a goal it already reached, or a second
submission would be graded), so every rewardgym env refuses it with an
:class:`~rewardgym.errors.EpisodeStateError`. Vector envs reset finished sub-envs themselves (autoreset) and
do not use the guard.

Example:
    >>> guard = EpisodeGuard("Demo-v0")
    >>> guard.check()
    Traceback (most recent call last):
    ...
    rewardgym.errors.EpisodeStateError: Demo-v0: step() before reset(); call reset() to start an episode
    >>> guard.start()
    >>> guard.check()
    >>> guard.finish(terminated=True, truncated=False)
    >>> guard.check()
    Traceback (most recent call last):
    ...
    rewardgym.errors.EpisodeStateError: Demo-v0: step() after the episode ended (terminated); call reset() first
"""

from __future__ import annotations

from rewardgym.errors import EpisodeStateError

__all__ = ["EpisodeGuard"]


class EpisodeGuard:
    """Tracks whether an episode is running; :meth:`check` raises when it is not.

    Args:
        env_name: how the error names the env.

    Attributes:
        running: an episode is running (``step()`` is allowed).
    """

    __slots__ = ("_ended", "env_name", "running")

    def __init__(self, env_name: str) -> None:
        self.env_name = env_name
        self.running = False
        self._ended = ""

    def start(self) -> None:
        """Call at the end of ``reset()``."""
        self.running = True
        self._ended = ""

    def check(self) -> None:
        """Call at the start of ``step()``: raises :class:`~rewardgym.errors.EpisodeStateError` when no episode
        is running."""
        if not self.running:
            self.fail()

    def fail(self) -> None:
        """Raise the error for a ``step()`` with no episode running."""
        if not self._ended:
            raise EpisodeStateError(f"{self.env_name}: step() before reset(); call reset() to start an episode")
        raise EpisodeStateError(
            f"{self.env_name}: step() after the episode ended ({self._ended}); call reset() first"
        )

    def finish(self, terminated: bool, truncated: bool) -> None:
        """Call before ``step()`` returns: the episode is over once ``terminated`` or ``truncated``."""
        if terminated or truncated:
            self.running = False
            self._ended = "terminated" if terminated else "truncated"
