"""``CodeEnv``: the multi-turn coding environment registered as ``rewardgym/Code-v0``.

Observations and actions are :class:`gymnasium.spaces.Text` (printable ASCII plus newlines and tabs;
characters outside that set in observations are shown as ``?``). See :mod:`rewardgym.envs.code` for the
action format.

``info`` of every step has the same keys: ``task_id``, ``turn``, ``kind`` (``"run"``, ``"submit"`` or
``"invalid"``), ``exec_errors`` (0 = the run exited cleanly, 1 = it failed, 2 = it timed out, ran out of
memory or was killed; for other steps the previous value), ``prev_exec_errors``, ``pass_rate`` (0.0 until
the submission; check ``kind``) and ``n_tests``.

Example:
    >>> env = CodeEnv(sandbox="process")  # doctest: +SKIP
    >>> obs, info = env.reset(seed=1)  # doctest: +SKIP
    >>> env.step("<run>print(2 + 2)</run>")[0].splitlines()[1]  # doctest: +SKIP
    '--- stdout ---'
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from typing import Any, ClassVar

import gymnasium as gym
from gymnasium import spaces

from rewardgym.envs.code.tasks import CodeTask, load_tasks
from rewardgym.envs.guard import EpisodeGuard
from rewardgym.errors import EnvConfigError, InvalidActionError
from rewardgym.types import Episodes

__all__ = ["CHARSET", "CodeEnv", "extract_code", "parse_action"]

CHARSET = "".join(sorted(set(string.printable)))
_CHARS = frozenset(CHARSET)
_TAG = re.compile(r"<(run|submit)>(.*?)</\1>", re.DOTALL)
_FENCE = re.compile(r"```[A-Za-z0-9_+-]*[ \t]*\n(.*?)```", re.DOTALL)
FORMAT_HELP = (
    "Act with exactly one of:\n"
    "<run>\nCODE\n</run>      runs CODE in a fresh sandbox and shows its output\n"
    "<submit>\nCODE\n</submit>   grades CODE (the complete solution) against hidden tests; ends the episode"
)


def extract_code(text: str) -> str:
    """The code inside a Markdown fence if there is one, else the text itself (stripped of blank edges)."""
    fence = _FENCE.search(text)
    return (fence.group(1) if fence else text).strip("\n")


def parse_action(action: str) -> tuple[str, str] | None:
    """``("run" | "submit", code)`` for a well-formed action, None otherwise (no tag, or several)."""
    tags = _TAG.findall(action)
    if len(tags) != 1:
        return None
    kind, body = tags[0]
    return kind, extract_code(body)


def _check_encodable(action: str) -> None:
    """Raise (before the turn is counted) for text that cannot be written to a file: a lone surrogate."""
    try:
        action.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidActionError(
            f"Code-v0 action has a character that is not valid Unicode text ({action[exc.start]!r}, a lone "
            f"surrogate, at position {exc.start}); send valid UTF-8 text. The turn was not counted"
        ) from None


def _clip(text: str, limit: int) -> str:
    text = "".join(c if c in _CHARS else "?" for c in text)
    if len(text) <= limit:
        return text
    half = max(0, (limit - 40) // 2)
    return text[:half] + f"\n...[{len(text) - 2 * half} characters cut]...\n" + text[-half:]


class CodeEnv(gym.Env[str, str]):
    """Write, run and submit code for one task per episode.

    Args:
        tasks: ``"bundled"`` (default), ``"humaneval"``, a HumanEval/MBPP ``.jsonl`` path, or task records.
        task_ids: restrict to these task ids.
        max_turns: turns per episode (runs + invalid actions + the submission).
        sandbox: backend name (``"auto"``, ``"process"``, ``"docker"``) or a Sandbox; started on first use.
        run_timeout_s: wall-clock limit of one ``<run>``.
        grade_timeout_s: wall-clock budget for grading the submission.
        memory_mb: address-space limit per process.
        max_obs_chars: observation length limit.
        max_action_chars: action length limit (longer actions get feedback, not a run).
        render_mode: None or ``"ansi"`` (the last observation).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 1}

    def __init__(
        self,
        tasks: Any = "bundled",
        *,
        task_ids: Sequence[str] | None = None,
        max_turns: int = 8,
        sandbox: Any = "auto",
        run_timeout_s: float = 5.0,
        grade_timeout_s: float = 10.0,
        memory_mb: int = 512,
        max_obs_chars: int = 8192,
        max_action_chars: int = 16384,
        render_mode: str | None = None,
    ) -> None:
        self.tasks: list[CodeTask] = load_tasks(tasks)
        if task_ids is not None:
            by_id = {t.task_id: t for t in self.tasks}
            missing = [i for i in task_ids if i not in by_id]
            if missing:
                raise EnvConfigError(f"task_ids {missing[:5]} are not in the task set")
            self.tasks = [by_id[i] for i in task_ids]
        if not (isinstance(max_turns, int) and max_turns >= 1):
            raise EnvConfigError(f"max_turns must be an int >= 1, got {max_turns!r}")
        if render_mode not in (None, "ansi"):
            raise EnvConfigError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        if max_obs_chars < 256:
            raise EnvConfigError(f"max_obs_chars must be >= 256, got {max_obs_chars}")
        self.max_turns, self.render_mode = max_turns, render_mode
        self.run_timeout_s, self.grade_timeout_s, self.memory_mb = run_timeout_s, grade_timeout_s, memory_mb
        self.max_obs_chars, self.max_action_chars = max_obs_chars, max_action_chars
        self._sandbox_spec = sandbox
        self._sandbox: Any = None
        self._grader: Any = None
        self.observation_space = spaces.Text(max_length=max_obs_chars, charset=CHARSET)
        self.action_space = spaces.Text(max_length=max_action_chars, min_length=0, charset=CHARSET)
        self.task: CodeTask = self.tasks[0]
        self.turn = 0
        self.transcript: list[dict[str, Any]] = []
        self.submission: str | None = None
        self._errors = 1
        self._return = 0.0
        self._last_obs = ""
        self._guard = EpisodeGuard("rewardgym/Code-v0")

    # ------------------------------------------------------------------------------------- sandbox

    @property
    def sandbox(self) -> Any:
        """The sandbox (created on first use)."""
        if self._sandbox is None:
            from rewardgym.sandbox import Sandbox, shared_sandbox

            spec = self._sandbox_spec
            self._sandbox = spec if isinstance(spec, Sandbox) else shared_sandbox(spec)
        return self._sandbox

    @property
    def grader(self) -> Any:
        """The grader: a fresh sandbox per submission, holding only the solution and the tests."""
        if self._grader is None:
            from rewardgym.sandbox.grading import Grader

            self._grader = Grader(self.sandbox, timeout_s=self.grade_timeout_s, memory_mb=self.memory_mb)
        return self._grader

    # ---------------------------------------------------------------------------------------- API

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict]:
        super().reset(seed=seed)
        task_id = (options or {}).get("task_id")
        if task_id is not None:
            matches = [t for t in self.tasks if t.task_id == task_id]
            if not matches:
                raise EnvConfigError(f"options['task_id']={task_id!r} is not in the task set")
            self.task = matches[0]
        else:
            self.task = self.tasks[int(self.np_random.integers(len(self.tasks)))]
        self.turn, self.transcript, self.submission, self._errors, self._return = 0, [], None, 1, 0.0
        self._guard.start()
        text = (
            f"Task {self.task.task_id}: write the Python function `{self.task.entry_point}`.\n\n"
            f"{self.task.prompt}\n\n{FORMAT_HELP}\nYou have {self.max_turns} turns."
        )
        self._last_obs = _clip(text, self.max_obs_chars)
        return self._last_obs, self._info("reset", 0.0, 0)

    def step(self, action: str) -> tuple[str, float, bool, bool, dict]:
        if not isinstance(action, str):
            raise InvalidActionError(
                f"Code-v0 actions are text (str) such as '<run>print(1)</run>', got {type(action).__name__}"
            )
        self._guard.check()
        _check_encodable(action)
        self.turn += 1
        parsed = parse_action(action) if len(action) <= self.max_action_chars else None
        reward, terminated, pass_rate, n_tests = 0.0, False, 0.0, 0
        prev = self._errors
        if parsed is None:
            kind = "invalid"
            why = "too long" if len(action) > self.max_action_chars else "not understood"
            body = f"Your action was {why}.\n{FORMAT_HELP}"
            self.transcript.append({"kind": kind, "code": "", "exec_errors": self._errors})
        elif parsed[0] == "run":
            kind, body = "run", self._run(parsed[1])
        else:
            kind, terminated = "submit", True
            body, pass_rate, n_tests = self._submit(parsed[1])
            reward = pass_rate
        truncated = not terminated and self.turn >= self.max_turns
        header = f"[turn {self.turn}/{self.max_turns}] "
        if truncated:
            body += "\nOut of turns: the episode ends without a submission."
        self._last_obs = _clip(header + body, self.max_obs_chars)
        info = self._info(kind, pass_rate, n_tests)
        info["prev_exec_errors"] = prev
        self._return += float(reward)
        self._guard.finish(terminated, truncated)
        return self._last_obs, float(reward), terminated, truncated, info

    def _info(self, kind: str, pass_rate: float, n_tests: int) -> dict[str, Any]:
        return {
            "task_id": self.task.task_id,
            "turn": self.turn,
            "kind": kind,
            "exec_errors": self._errors,
            "prev_exec_errors": self._errors,
            "pass_rate": pass_rate,
            "n_tests": n_tests,
        }

    def _run(self, code: str) -> str:
        result = self.sandbox.run(
            {"main.py": code}, ["python3", "main.py"], timeout_s=self.run_timeout_s, memory_mb=self.memory_mb
        )
        if result.timed_out or result.memory_exceeded or (result.exit_code or 0) < 0:
            self._errors = 2
        else:
            self._errors = int(result.exit_code != 0)
        self.transcript.append(
            {"kind": "run", "code": code, "exec_errors": self._errors, "exit_code": result.exit_code}
        )
        status = "timed out" if result.timed_out else f"exit code {result.exit_code}"
        if result.memory_exceeded:
            status += ", memory limit exceeded"
        room = max(64, (self.max_obs_chars - 200) // 2)
        return (
            f"run finished: {status}\n--- stdout ---\n{_clip(result.stdout, room)}\n"
            f"--- stderr ---\n{_clip(result.stderr, room)}"
        )

    def _submit(self, code: str) -> tuple[str, float, int]:
        program = self.task.program(code)
        verdict = self.grader.grade(program, self.task.suite())
        self.submission = program
        self.transcript.append(
            {"kind": "submit", "code": program, "exec_errors": self._errors, "pass_rate": verdict.pass_rate}
        )
        text = f"submitted: {verdict.n_passed}/{verdict.n_tests} tests passed (pass rate {verdict.pass_rate:.2f})."
        if verdict.error:
            text += f"\nThe grader reports: {verdict.error[:300]}"
        return text, verdict.pass_rate, verdict.n_tests

    def episode(self) -> Episodes:
        """The current episode as a one-row :class:`~rewardgym.types.Episodes` (the episode protocol of
        :mod:`rewardgym.rollout`): prompt = the task, completion = the submitted program ("" without one),
        ``infos`` = ``task_id``, ``tests``, ``entry_point``, ``prelude`` (what the ``code/`` rewards grade),
        the transcript of turns and the env return.

        Raises:
            EnvConfigError: before the first ``reset()``.
        """
        if not (self._guard.running or self.turn):
            raise EnvConfigError("call reset() before episode(): no episode has started")
        task = self.task
        return Episodes.from_rows(
            prompts=[task.prompt],
            completions=[self.submission or ""],
            infos=[
                {"task_id": task.task_id, "tests": task.tests, "entry_point": task.entry_point, "prelude": task.prelude}
            ],
            transcripts=[self.transcript],
            env_returns=[self._return],
        )

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return self._last_obs
        return None
