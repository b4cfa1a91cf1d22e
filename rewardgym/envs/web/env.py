"""``WebEnv``: a Gymnasium env over the local web apps, with goals from the task generator.

Registered as ``rewardgym/WebShop-v0``, ``rewardgym/WebBooking-v0`` and ``rewardgym/WebMail-v0``.

- **Observation** (``obs_mode="dict"``, the default): ``{"goal", "url", "page", "feedback"}``, each a
  :class:`gymnasium.spaces.Text`. ``page`` is the accessibility-tree style text of the current page
  (element ids in brackets), cut to ``viewport_lines`` lines (``scroll`` moves the window); ``url`` is the
  path on the site; ``feedback`` says why the last action did nothing ("" otherwise). With
  ``screenshot=True`` (Chromium backend) a ``"screenshot"`` (H, W, 3) uint8 array is added.
  ``obs_mode="text"`` gives one Text with all of it, ready for an LLM prompt.
- **Action**: a string, see :mod:`rewardgym.envs.web.actions`. Anything that does not parse or cannot be
  done leaves the page as it was and explains why in ``feedback``.
- **Episode end**: terminated once the site records something final (an order, a booking, sent or
  archived mail) or after ``answer(...)``; truncated after ``max_steps`` steps.
- **Reward**: the share of the task's checks that the server state passes (partial credit per attribute),
  given when the episode ends, 0 before. ``info`` carries ``web_task`` and ``web_outcome`` (JSON) so the
  ``web/*`` rewards recompute it from a batch, plus ``score``, ``success`` and ``checks``.
- **Episode**: :meth:`WebEnv.episode` gives the episode as a one-row :class:`~rewardgym.types.Episodes`
  (the protocol of :mod:`rewardgym.rollout`), which the ``web/*`` rewards and LLM judges score. To add a
  judge to the reward, wrap the env: ``rewardgym.wrap(env, {"sum": {"web/outcome-v0": 1.0, judge: 0.5}})``
  scores the judge when the episode ends.

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> env = gym.make("rewardgym/WebShop-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs["url"]
    '/shop/'
    >>> obs, reward, terminated, truncated, info = env.step("click(999)")
    >>> obs["feedback"]
    'there is no element [999] on this page; element ids are the numbers in brackets'
    >>> env.close()
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rewardgym.envs.guard import EpisodeGuard
from rewardgym.envs.web.actions import ActionSyntaxError, parse_action
from rewardgym.envs.web.apps.server import acquire_server, release_server
from rewardgym.envs.web.backends.base import BACKENDS, Backend, make_backend
from rewardgym.envs.web.dom import Node, ascii_text, hidden_in_tree
from rewardgym.envs.web.observation import (
    CHARSET,
    MAX_FEEDBACK,
    MAX_GOAL,
    MAX_URL,
    clip,
    format_observation,
    page_text,
)
from rewardgym.envs.web.tasks.generator import APPS, SPLITS, TaskGenerator, WebTask
from rewardgym.errors import EnvConfigError
from rewardgym.types import Episodes

__all__ = ["CHARSET", "WebEnv", "format_observation"]

_IDS = "element ids are the numbers in brackets"


class WebEnv(gym.Env):
    """A web task on a local app (shop, booking or mail), over the ``http`` or ``chromium`` backend.

    Args:
        app: ``"shop"``, ``"booking"`` or ``"mail"``.
        backend: ``"http"`` (default, no JavaScript) or ``"chromium"`` (Playwright + system Chromium).
        split: ``"train"`` or ``"test"`` tasks.
        max_steps: steps before truncation.
        viewport_lines: page lines shown at a time (``scroll`` moves by a screen).
        max_page_chars: hard cap on the ``page`` text.
        screenshot: add a screenshot to the observation (Chromium backend only).
        render_mode: ``"ansi"`` (the text observation) or ``"rgb_array"`` (Chromium only).
        world_seed: seeds the app's content (catalogue, hotels, mailbox).
        obs_mode: ``"dict"`` or ``"text"``.
        backend_options: extra options of the backend (Chromium: ``viewport``, ``executable_path``).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        app: str = "shop",
        *,
        backend: str = "http",
        split: str = "train",
        max_steps: int = 30,
        viewport_lines: int = 60,
        max_page_chars: int = 8000,
        screenshot: bool = False,
        render_mode: str | None = None,
        world_seed: int = 0,
        obs_mode: str = "dict",
        backend_options: dict[str, Any] | None = None,
    ) -> None:
        if app not in APPS:
            raise EnvConfigError(f"app must be one of {list(APPS)}, got {app!r}")
        if backend not in BACKENDS:
            raise EnvConfigError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
        if split not in SPLITS:
            raise EnvConfigError(f"split must be one of {list(SPLITS)}, got {split!r}")
        if obs_mode not in ("dict", "text"):
            raise EnvConfigError(f"obs_mode must be 'dict' or 'text', got {obs_mode!r}")
        for name, value, low in (
            ("max_steps", max_steps, 1),
            ("viewport_lines", viewport_lines, 5),
            ("max_page_chars", max_page_chars, 200),
        ):
            if not isinstance(value, int) or value < low:
                raise EnvConfigError(f"{name} must be an int >= {low}, got {value!r}")
        modes = ["ansi", "rgb_array"] if backend == "chromium" else ["ansi"]
        self.metadata = {**type(self).metadata, "render_modes": modes}
        if render_mode is not None and render_mode not in modes:
            raise EnvConfigError(
                f"render_mode must be one of {modes} with backend={backend!r}, got {render_mode!r}"
            )
        if screenshot and backend != "chromium":
            raise EnvConfigError("screenshot=True needs backend='chromium'")
        if obs_mode == "text" and screenshot:
            raise EnvConfigError("screenshot=True needs obs_mode='dict'")
        self.app, self.backend_name, self.split, self.max_steps = app, backend, split, max_steps
        self.viewport_lines, self.max_page_chars, self.render_mode = (
            viewport_lines,
            max_page_chars,
            render_mode,
        )
        self.obs_mode, self.screenshot, self.world_seed = obs_mode, screenshot, int(world_seed)
        self._backend_options = dict(backend_options or {})

        self._server = acquire_server()
        self._session = self._server.create_tenant(self.world_seed)
        self.generator = TaskGenerator(app, world=self._server.app(app, self.world_seed))
        self._backend: Backend | None = None
        self._closed = False
        self.task: WebTask | None = None
        self._guard = EpisodeGuard(f"rewardgym/Web{app.capitalize()}-v0")

        text = {
            "goal": spaces.Text(MAX_GOAL, min_length=0, charset=CHARSET),
            "url": spaces.Text(MAX_URL, min_length=0, charset=CHARSET),
            "page": spaces.Text(max_page_chars, min_length=0, charset=CHARSET),
            "feedback": spaces.Text(MAX_FEEDBACK, min_length=0, charset=CHARSET),
        }
        if screenshot:
            w, h = self._backend_options.get("viewport", (800, 600))
            text["screenshot"] = spaces.Box(0, 255, (h, w, 3), np.uint8)
        if obs_mode == "text":
            total = MAX_GOAL + MAX_URL + max_page_chars + MAX_FEEDBACK + 40
            self.observation_space: spaces.Space = spaces.Text(total, min_length=0, charset=CHARSET)
        else:
            self.observation_space = spaces.Dict(text)
        self.action_space: spaces.Space = spaces.Text(500, min_length=0, charset=CHARSET)

    # ---- gymnasium API -------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start a new task: restore the session's initial server state and open the start page.

        ``options={"task": WebTask | dict | json}`` runs that task; otherwise one is sampled from the
        split with a seed drawn from the env's RNG.
        """
        super().reset(seed=seed)
        if self._closed:
            raise EnvConfigError("this env is closed; make a new one")
        given = (options or {}).get("task")
        if given is not None:
            self.task = given if isinstance(given, WebTask) else WebTask.from_json(given)
            if self.task.app != self.app:
                raise EnvConfigError(
                    f"options['task'] is a {self.task.app!r} task, this env serves {self.app!r}"
                )
        else:
            self.task = self.generator.sample(int(self.np_random.integers(0, 2**31 - 1)), self.split)
        self._server.restore(self._session)
        if self._backend is None:
            self._backend = make_backend(self.backend_name, **self._backend_options)
            self._backend.open(self._server.base_url, self._session)
        self._backend.reset_history()
        feedback = self._backend.goto(self._server.base_url + self.task.start_url)
        self._steps, self._offset, self._answer, self._doc = 0, 0, None, self._backend.document
        self._transcript: list[dict[str, str]] = []
        self._ended = False
        self._guard.start()
        self._last_outcome = self._outcome()
        return self._observation(feedback), self._info(self._last_outcome, "")

    def step(self, action: Any):
        """Apply one text action; see the module docstring for what is returned."""
        self._guard.check()
        self._steps += 1
        feedback = self._execute(action)
        outcome = self._outcome()
        self._last_outcome = outcome
        terminated = bool(outcome["committed"] or self._answer is not None)
        truncated = not terminated and self._steps >= self.max_steps
        self._ended = terminated or truncated
        self._guard.finish(terminated, truncated)
        self._transcript.append(
            {"action": ascii_text(str(action))[:500], "url": self._url(), "feedback": feedback}
        )
        info = self._info(outcome, feedback)
        reward = info["score"] if terminated or truncated else 0.0
        return self._observation(feedback), float(reward), terminated, truncated, info

    def render(self) -> Any:
        """``ansi``: the text observation; ``rgb_array``: a screenshot (Chromium backend)."""
        if self.render_mode == "rgb_array":
            return None if self._backend is None else self._backend.screenshot()
        if self.render_mode == "ansi":
            return "" if self._backend is None else self._text_observation("")
        return None

    def close(self) -> None:
        """Close the browser client and the session; the shared server stops with its last env."""
        if self._closed:
            return
        self._closed = True
        if self._backend is not None:
            self._backend.close()
            self._backend = None
        self._server.drop_tenant(self._session)
        release_server(self._server)

    # ---- outcome, for rewards and judges -------------------------------------------------------------
    def _outcome(self) -> dict[str, Any]:
        outcome = self._server.outcome(self._session, self.app)
        outcome["answer"] = self._answer
        return outcome

    def _info(self, outcome: dict[str, Any], feedback: str) -> dict[str, Any]:
        assert self.task is not None
        checks = self.generator.family.checks(self.task.kind, self.task.params, outcome)
        score = float(np.mean(list(checks.values()))) if checks else 0.0
        return {
            "web_task": self.task.to_json(),
            "web_outcome": json.dumps(outcome, sort_keys=True),
            "score": score,
            "success": bool(checks) and all(checks.values()),
            "checks": json.dumps(checks, sort_keys=True),
            "feedback": feedback,
            "steps": self._steps,
        }

    def episode(self) -> Episodes:
        """The current episode as a one-row :class:`~rewardgym.types.Episodes` (see :mod:`rewardgym.rollout`).

        prompt = the goal; completion = what a judge reads (the final answer, what the site recorded, the
        actions); ``infos`` = ``web_task``, ``web_outcome``, ``score``, ``success``, ``checks`` (what the
        ``web/*`` rewards grade); the transcript of actions and the env return (the final score once the
        episode has ended, else 0).

        Raises:
            EnvConfigError: before the first ``reset()``.
        """
        if self.task is None:
            raise EnvConfigError("call reset() before episode(): no episode has started")
        info = self._info(self._last_outcome, "")
        actions = "\n".join(
            f"{i + 1}. {t['action']} -> {t['url']}" + (f" ({t['feedback']})" if t["feedback"] else "")
            for i, t in enumerate(self._transcript)
        )
        completion = (
            f"Final answer: {self._answer if self._answer is not None else '(none)'}\n"
            f"Site records: {info['web_outcome']}\nActions:\n{actions}"
        )
        keep = ("web_task", "web_outcome", "score", "success", "checks")
        return Episodes.from_rows(
            prompts=[self.task.goal],
            completions=[completion],
            infos=[{k: info[k] for k in keep}],
            transcripts=[self._transcript],
            env_returns=[info["score"] if self._ended else 0.0],
        )

    # ---- actions ---------------------------------------------------------------------------------------
    def _execute(self, action: Any) -> str:
        assert self._backend is not None
        try:
            act = parse_action(action)
        except ActionSyntaxError as exc:
            return clip(str(exc), MAX_FEEDBACK)
        b, doc = self._backend, self._backend.document
        if act.name in ("click", "type", "select"):
            node = doc.element(act.args[0])
            if node is None:
                return f"there is no element [{act.args[0]}] on this page; {_IDS}"
            if hidden_in_tree(node):
                return f"element [{act.args[0]}] is not visible on the page"
            rid, role = act.args[0], node.role
            if act.name == "click":
                feedback = b.click(node)
            elif act.name == "type":
                text = act.args[1]
                feedback = (
                    b.type(node, text.rstrip("\n"), submit=text.endswith("\n"))
                    if role == "textbox"
                    else f"[{rid}] is a {role}, not a textbox"
                )
            else:
                feedback = (
                    self._select(node, act.args[1])
                    if role == "combobox"
                    else f"[{rid}] is a {role}, not a combobox"
                )
        elif act.name == "scroll":
            direction = {"down": 1, "up": -1}.get(act.args[0].strip().lower())
            if direction is None:
                return f"scroll takes 'down' or 'up', got {act.args[0]!r}"
            total = len(self._doc.render())
            step = max(1, self.viewport_lines - 5)
            self._offset = min(max(0, self._offset + direction * step), max(0, total - self.viewport_lines))
            b.scroll(direction)
            feedback = ""
        elif act.name == "goto":
            feedback = self._goto(act.args[0])
        elif act.name == "back":
            feedback = b.back()
        else:  # answer
            self._answer = ascii_text(act.args[0])[:MAX_FEEDBACK]
            feedback = ""
        if b.document is not self._doc:
            self._doc, self._offset = b.document, 0
        return clip(feedback, MAX_FEEDBACK)

    def _select(self, node: Node, wanted: str) -> str:
        assert self._backend is not None
        opts = node.options()
        key = " ".join(wanted.lower().split())
        for value, label, _ in opts:
            if key in (" ".join(label.lower().split()), value.lower()):
                return self._backend.select(node, value)
        names = ", ".join(label for _, label, _ in opts[:40])
        return f"no option {wanted!r} in [{node.rid}]; options: {names}"

    def _goto(self, target: str) -> str:
        assert self._backend is not None
        base = self._server.base_url
        target = target.strip()
        if target.startswith("/"):
            return self._backend.goto(base + target)
        if target.startswith(base + "/") or target == base:
            return self._backend.goto(target if target != base else base + "/")
        if "://" in target or target.startswith("//"):
            return f"only this site's pages can be opened (paths like /shop/ or {base}/...)"
        from urllib.parse import urljoin

        return self._backend.goto(urljoin(self._backend.document.url, target))

    # ---- observation ---------------------------------------------------------------------------------
    def _url(self) -> str:
        url = self._doc.url
        base = self._server.base_url
        return clip(url[len(base) :] if url.startswith(base) else url, MAX_URL)

    def _page_text(self) -> str:
        return page_text(
            self._doc, offset=self._offset, viewport_lines=self.viewport_lines, max_chars=self.max_page_chars
        )

    def _text_observation(self, feedback: str) -> str:
        assert self.task is not None
        obs = {"goal": self.task.goal, "url": self._url(), "page": self._page_text(), "feedback": feedback}
        return format_observation(obs)

    def _observation(self, feedback: str) -> Any:
        assert self.task is not None and self._backend is not None
        if self.obs_mode == "text":
            return clip(self._text_observation(feedback), self.observation_space.max_length)  # type: ignore[attr-defined]
        obs: dict[str, Any] = {
            "goal": clip(self.task.goal, MAX_GOAL),
            "url": self._url(),
            "page": self._page_text(),
            "feedback": clip(feedback, MAX_FEEDBACK),
        }
        if self.screenshot:
            obs["screenshot"] = self._backend.screenshot()
        return obs

    # ---- pickle / deepcopy ---------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """Pickle / deep-copy support: the site state of this env's session travels as a snapshot.

        :meth:`__setstate__` opens a session of its own on its process's server and restores the snapshot into
        it. The ``http`` browser travels whole (page, form values typed so far, history) and is rebound to the
        new session; a Chromium browser cannot travel, so the copy opens a new one on the same page (form
        values typed but not submitted, and the back-history, are not carried over).
        """
        state = self.__dict__.copy()
        live = not self._closed
        state["_site_snapshot"] = self._server.snapshot(self._session) if live else None
        page = None
        if live and self._backend is not None and not hasattr(self._backend, "rebind"):
            try:
                page = self._backend.document.url
            except RuntimeError:  # no page loaded yet
                page = None
            state["_backend"] = None
        origin = self._server.base_url if live else ""
        state["_page_path"] = page[len(origin) :] if page and page.startswith(origin) else None
        state["_server"] = state["_session"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        site, path = state.pop("_site_snapshot", None), state.pop("_page_path", None)
        self.__dict__.update(state)
        if self._closed:
            self._backend = None
            return
        self._server = acquire_server()
        self._session = self._server.create_tenant(self.world_seed)
        if site is not None:
            self._server.restore(self._session, site)
        if self._backend is not None:
            self._backend.rebind(self._server.base_url, self._session)  # type: ignore[attr-defined]
        elif path is not None:
            self._backend = make_backend(self.backend_name, **self._backend_options)
            self._backend.open(self._server.base_url, self._session)
            self._backend.goto(self._server.base_url + path)
            self._doc = self._backend.document
