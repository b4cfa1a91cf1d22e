""":class:`MazeVectorEnv`: N mazes stepped together in one set of NumPy array operations.

All N mazes live in stacked flat arrays (cell codes, BFS distance maps, agent observation grid), and the agent
positions are flat indices into them, so a step is a handful of gathers and ``where``\\ s over N rows.
The only Python loop runs over the sub-envs being reset, to draw their new mazes from their own generators.

It behaves exactly like ``gymnasium.vector.SyncVectorEnv`` over N :class:`~rewardgym.envs.maze.env.MazeEnv`:

- **seeding**: ``reset(seed=s)`` seeds sub-env ``i`` as ``MazeEnv.reset(seed=s + i)`` would (a list of seeds
  is used as is); each sub-env keeps its own generator, so later autoresets draw the same mazes too;
- **autoreset**: Gymnasium's ``NEXT_STEP`` mode by default: a sub-env that terminated or truncated on step t is
  reset on step t+1, where its action is ignored, its reward is 0 and terminated/truncated are False.
  ``autoreset_mode="SameStep"`` (``AutoresetMode.SAME_STEP``, what Stable-Baselines3 and CleanRL's loops
  expect) resets it within step t instead: the step returns the new episode's first observation and reset info,
  the finished episode's reward and flags, and its last observation and info in ``info["final_obs"]`` /
  ``info["final_info"]`` (with ``_final_obs`` / ``_final_info`` and, inside ``final_info``, ``_key`` masks);
- **infos**: column-wise, the single env's keys (``agent_pos`` (N, 2), ``goal_pos`` (N, 2), ``distance``,
  ``prev_distance``, ``bumped``, ``success``), with the dtypes ``SyncVectorEnv`` gives them. Every sub-env
  reports every key on every step, so Gymnasium's ``_key`` masks (which would always be all True) are left
  out: they would double the columns a reward wrapper has to carry.

Returned arrays are fresh each step; the env keeps no reference to them.

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> envs = gym.make_vec("rewardgym/Maze-v0", num_envs=8, vectorization_mode="vector_entry_point", size=7)
    >>> obs, infos = envs.reset(seed=0)
    >>> obs.shape, infos["distance"].shape
    ((8, 7, 7), (8,))
    >>> obs, rewards, terminated, truncated, infos = envs.step(envs.action_space.sample())
    >>> rewards.dtype, infos["agent_pos"].shape
    (dtype('float64'), (8, 2))
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rewardgym.envs.maze.env import RENDER_MODES, validate_env_config
from rewardgym.envs.maze.generator import AGENT, WALL, GoalMode, generate_batch
from rewardgym.envs.maze.render import ansi_frame, rgb_frame
from rewardgym.errors import EnvConfigError, InvalidActionError

__all__ = ["MazeVectorEnv"]


class MazeVectorEnv(VectorEnv):
    """N procedurally generated mazes, batched (see the module docstring for the exact semantics).

    Args:
        num_envs: number of sub-envs N.
        size, view_radius, goal, extra_openings, max_steps, fixed_maze, render_mode, flat_obs: as for
            :class:`~rewardgym.envs.maze.env.MazeEnv`, shared by every sub-env.
        autoreset_mode: ``AutoresetMode.NEXT_STEP`` (default) or ``AutoresetMode.SAME_STEP`` (or their values,
            ``"NextStep"`` / ``"SameStep"``).

    Raises:
        EnvConfigError: an invalid kwarg.

    Example:
        >>> envs = MazeVectorEnv(4, size=9, view_radius=1)
        >>> obs, _ = envs.reset(seed=3)
        >>> obs.shape
        (4, 3, 3)
    """

    metadata: dict[str, Any] = {  # noqa: RUF012 - gymnasium's attribute
        "autoreset_mode": AutoresetMode.NEXT_STEP,
        "render_modes": RENDER_MODES,
        "render_fps": 8,
    }

    def __init__(
        self,
        num_envs: int = 1,
        size: int = 9,
        view_radius: int | None = None,
        goal: GoalMode = "far",
        extra_openings: float = 0.0,
        max_steps: int | None = None,
        fixed_maze: bool = False,
        render_mode: str | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        flat_obs: bool = False,
    ) -> None:
        validate_env_config(size, view_radius, goal, extra_openings, max_steps, render_mode)
        if not isinstance(flat_obs, (bool, np.bool_)):
            raise EnvConfigError(f"flat_obs must be a bool, got {flat_obs!r}")
        self.flat_obs = bool(flat_obs)
        try:
            mode = AutoresetMode(autoreset_mode)
        except ValueError:
            mode = None
        if mode not in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
            raise EnvConfigError(
                f"autoreset_mode must be AutoresetMode.NEXT_STEP or SAME_STEP ('NextStep' / 'SameStep'), "
                f"got {autoreset_mode!r}"
            )
        self.metadata = {**type(self).metadata, "autoreset_mode": mode}
        self._same_step = mode == AutoresetMode.SAME_STEP
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise EnvConfigError(f"num_envs must be an integer >= 1, got {num_envs!r}")
        self.num_envs = n = int(num_envs)
        self.size = s = int(size)
        self.view_radius = None if view_radius is None else int(view_radius)
        self.goal_mode = goal
        self.extra_openings = float(extra_openings)
        self.max_steps = 4 * s * s if max_steps is None else int(max_steps)
        self.fixed_maze = bool(fixed_maze)
        self.render_mode = render_mode
        side = s if self.view_radius is None else 2 * self.view_radius + 1
        shape = (side * side,) if self.flat_obs else (side, side)
        self.single_observation_space = spaces.Box(0, 3, shape=shape, dtype=np.uint8)
        self.single_action_space = spaces.Discrete(4)
        self.observation_space = batch_space(self.single_observation_space, n)
        self.action_space = batch_space(self.single_action_space, n)

        self._pad = pad = self.view_radius or 0
        self._cols = p = s + 2 * pad
        self._area = area = p * p
        self._off = np.arange(n, dtype=np.int64) * area  # flat offset of each sub-env
        self._delta = np.array([-p, 1, p, -1], dtype=np.int64)
        rc = np.indices((p, p)).reshape(2, -1).T - pad
        self._rc = rc.astype(np.int64)  # padded local flat index -> (row, col) in the maze
        if self.view_radius is not None:
            k = self.view_radius
            dr, dc = np.mgrid[-k : k + 1, -k : k + 1]
            self._window = (dr * p + dc).reshape(-1).astype(np.int64)
        # Per-sub-env state, flat over all N padded grids.
        self._base = np.full(n * area, WALL, dtype=np.uint8)  # codes without the agent
        self._view = np.full(n * area, WALL, dtype=np.uint8)  # codes with the agent
        self._dist = np.full(n * area, -1, dtype=np.int32)
        self._pos = self._off.copy()  # global flat index of each agent
        self._start = self._off.copy()
        self._goal = np.zeros((n, 2), dtype=np.int64)
        self._d = np.zeros(n, dtype=np.int64)  # current BFS distance
        self._steps = np.zeros(n, dtype=np.int64)
        self._autoreset = np.zeros(n, dtype=bool)
        self._rngs: list[np.random.Generator] | None = None

    # --- internals -------------------------------------------------------------------------------------
    def _regenerate(self, rows: np.ndarray) -> None:
        """Draw new mazes for ``rows``, each from its sub-env's own generator."""
        assert self._rngs is not None
        rngs = [self._rngs[i] for i in rows.tolist()]
        batch = generate_batch(rngs, self.size, extra_openings=self.extra_openings, goal=self.goal_mode)
        pad, s, n, p = self._pad, self.size, self.num_envs, self._cols
        self._base.reshape(n, p, p)[rows, pad : pad + s, pad : pad + s] = batch.grid
        self._dist.reshape(n, p, p)[rows, pad : pad + s, pad : pad + s] = batch.distance
        sr, sc = np.divmod(batch.start, s)
        self._start[rows] = self._off[rows] + (sr + pad) * p + sc + pad
        self._goal[rows, 0], self._goal[rows, 1] = np.divmod(batch.goal, s)

    def _restart(self, rows: np.ndarray) -> None:
        """Put the agents of ``rows`` back on their start cells in their current mazes."""
        base2d = self._base.reshape(self.num_envs, self._area)
        self._view.reshape(self.num_envs, self._area)[rows] = base2d[rows]
        start = self._start[rows]
        self._pos[rows] = start
        self._view[start] = AGENT
        self._d[rows] = self._dist[start]
        self._steps[rows] = 0

    def _observe(self) -> np.ndarray:
        n = self.num_envs
        if self.view_radius is None:
            obs = self._view.reshape(n, self._cols, self._cols).copy()
        else:
            w = 2 * self.view_radius + 1
            obs = self._view[self._pos[:, None] + self._window].reshape(n, w, w)
        return obs.reshape(n, -1) if self.flat_obs else obs

    def _infos(self, prev: np.ndarray, bumped: np.ndarray, success: np.ndarray) -> dict[str, Any]:
        d = self._d.copy()
        return {
            "agent_pos": self._rc[self._pos - self._off],
            "goal_pos": self._goal.copy(),
            "distance": d,
            "prev_distance": prev,
            "bumped": bumped,
            "success": success,
        }

    def _actions(self, actions: Any) -> np.ndarray:
        a = np.asarray(actions)
        if a.shape != (self.num_envs,) or a.dtype.kind not in "iub":
            shown = actions if a.size <= 16 else f"<array of shape {a.shape}, dtype {a.dtype}>"
            raise InvalidActionError(
                f"invalid maze actions {shown!r}: expected {self.num_envs} integers in [0, 3] "
                "(MultiDiscrete of Discrete(4): 0 up, 1 right, 2 down, 3 left)"
            )
        if a.dtype != np.int64:
            a = a.astype(np.int64)
        if (a.view(np.uint64) > 3).any():  # negative actions are huge when viewed unsigned: one check
            rows = np.flatnonzero((a < 0) | (a > 3))
            raise InvalidActionError(
                f"invalid maze action(s) {a[rows[:5]].tolist()} for sub-env(s) {rows[:5].tolist()}: "
                "expected integers in [0, 3] (Discrete(4): 0 up, 1 right, 2 down, 3 left)"
            )
        return self._delta[a]

    # --- gymnasium API ---------------------------------------------------------------------------------
    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every sub-env; ``seed=s`` seeds sub-env i with ``s + i`` (a list gives one seed each)."""
        if options:
            raise EnvConfigError(f"MazeVectorEnv.reset takes no options, got {sorted(options)}")
        n = self.num_envs
        if isinstance(seed, (list, tuple)):
            if len(seed) != n:
                raise EnvConfigError(f"seed list must have num_envs={n} entries, got {len(seed)}")
            seeds: list[int | None] = list(seed)
        else:
            seeds = [None if seed is None else int(seed) + i for i in range(n)]
        first = self._rngs is None
        if self._rngs is None:
            self._rngs = [seeding.np_random(sd)[0] for sd in seeds]
        else:
            for i, sd in enumerate(seeds):
                if sd is not None:
                    self._rngs[i] = seeding.np_random(sd)[0]
        rows = np.arange(n)
        if self.fixed_maze and not first:  # keep the mazes, except where a seed was given
            rows = np.array([i for i, sd in enumerate(seeds) if sd is not None], dtype=np.int64)
        if rows.size:
            self._regenerate(rows)
        self._restart(np.arange(n))
        self._autoreset[:] = False
        zeros = np.zeros(n, dtype=bool)
        return self._observe(), self._infos(self._d.copy(), zeros, zeros.copy())

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Advance every sub-env one step (sub-envs that ended on the previous step are reset instead)."""
        if self._rngs is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        delta = self._actions(actions)
        pos = self._pos
        target = pos + delta
        td = self._dist[target]
        bumped = td < 0
        new = np.where(bumped, pos, target)
        prev = self._d
        d = np.where(bumped, prev, td)
        success = d == 0
        self._steps += 1
        truncated = self._steps >= self.max_steps
        view = self._view
        view[pos] = self._base[pos]
        view[new] = AGENT
        self._pos, self._d = new, d
        reward = success.astype(np.float64)
        terminated = success.copy()
        if self._same_step:
            return self._finish_same_step(reward, terminated, truncated, prev, bumped, success)
        if self._autoreset.any():
            rows = np.flatnonzero(self._autoreset)
            if not self.fixed_maze:
                self._regenerate(rows)
            self._restart(rows)
            prev[rows] = self._d[rows]
            for out in (reward, terminated, truncated, bumped, success):
                out[rows] = 0
        self._autoreset = terminated | truncated
        return self._observe(), reward, terminated, truncated, self._infos(prev, bumped, success)

    def _finish_same_step(
        self, reward: np.ndarray, terminated: np.ndarray, truncated: np.ndarray,
        prev: np.ndarray, bumped: np.ndarray, success: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """``SAME_STEP``: reset the sub-envs that just ended and report their last step under ``final_*``."""
        done = terminated | truncated
        if not done.any():
            return self._observe(), reward, terminated, truncated, self._infos(prev, bumped, success)
        rows = np.flatnonzero(done)
        last_obs, last_info = self._observe(), self._infos(prev, bumped, success)
        final_obs = np.full(self.num_envs, None, dtype=object)
        for i in rows.tolist():
            final_obs[i] = last_obs[i]
        final_info: dict[str, Any] = {}
        for key, col in last_info.items():
            keep = done.reshape(-1, *([1] * (col.ndim - 1)))
            final_info[key] = np.where(keep, col, np.zeros_like(col))
            final_info[f"_{key}"] = done.copy()
        if not self.fixed_maze:
            self._regenerate(rows)
        self._restart(rows)
        prev = prev.copy()
        prev[rows] = self._d[rows]
        bumped, success = bumped.copy(), success.copy()
        bumped[rows] = False
        success[rows] = False
        infos = self._infos(prev, bumped, success)
        extra = {"final_obs": final_obs, "_final_obs": done.copy(), "final_info": final_info, "_final_info": done}
        return self._observe(), reward, terminated, truncated, {**infos, **extra}

    def greedy_actions(self) -> np.ndarray:
        """The shortest-path action of every sub-env (the move to the neighbour nearest the goal by BFS).

        An oracle for demos, tests and imitation baselines; it reads the maze, so it is not a policy an agent
        could learn from its observation alone.

        Example:
            >>> envs = MazeVectorEnv(num_envs=2, size=7)
            >>> _ = envs.reset(seed=0)
            >>> reached = np.zeros(2, dtype=bool)
            >>> for _ in range(40):
            ...     _, reward, terminated, *_ = envs.step(envs.greedy_actions())
            ...     reached |= terminated
            >>> reached.tolist()
            [True, True]
        """
        if self._rngs is None:
            raise gym.error.ResetNeeded("call reset() before greedy_actions()")
        neighbour = self._dist[self._pos[:, None] + self._delta[None, :]].astype(np.int64)  # (N, 4)
        neighbour[neighbour < 0] = np.iinfo(np.int64).max  # walls
        return neighbour.argmin(axis=1)

    def render(self) -> tuple[Any, ...] | None:
        """One frame per sub-env (``"rgb_array"`` images or ``"ansi"`` text), like ``SyncVectorEnv``."""
        if self.render_mode is None or self._rngs is None:
            return None
        n, p, pad, s = self.num_envs, self._cols, self._pad, self.size
        grids = self._view.reshape(n, p, p)[:, pad : pad + s, pad : pad + s]
        if self.render_mode == "ansi":
            return tuple(ansi_frame(g) for g in grids)
        frames = []
        for g, (r, c) in zip(grids, self._rc[self._pos - self._off].tolist()):
            k = self.view_radius
            frames.append(rgb_frame(g, view=None if k is None else (r - k, c - k, r + k + 1, c + k + 1)))
        return tuple(frames)
