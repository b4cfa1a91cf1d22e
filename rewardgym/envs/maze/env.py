"""``rewardgym/Maze-v0``: find the goal in a procedurally generated grid maze.

Every reset draws a new maze from the env's ``np_random`` (seed it with ``reset(seed=...)``) unless
``fixed_maze=True``; see :mod:`rewardgym.envs.maze.generator` for the layout and the generator.
``gymnasium.make_vec("rewardgym/Maze-v0", num_envs=N)`` gives the natively batched
:class:`~rewardgym.envs.maze.vector.MazeVectorEnv`, which matches N of these envs step for step.

**Observation**: ``Box(0, 3, shape, uint8)`` of cell codes ``0`` free, ``1`` wall, ``2`` goal, ``3`` agent.
Full view (``view_radius=None``): the whole ``(size, size)`` grid. Partial view (``view_radius=r``): the
``(2r+1, 2r+1)`` window centred on the agent (the agent is always at the centre); cells outside the grid
read as wall. ``flat_obs=True`` gives the same codes flattened row-major to ``(side * side,)``, the 1-D vector an
MLP policy (CleanRL's ``ppo.py``, SB3's ``MlpPolicy``) takes as is.

**Actions**: ``Discrete(4)``: ``0`` up, ``1`` right, ``2`` down, ``3`` left. A move into a wall leaves the
agent in place (``info["bumped"]``). Anything else raises :class:`~rewardgym.errors.InvalidActionError`.

**Env reward**: 1.0 on the step that reaches the goal (the episode terminates), else 0.0. The episode is
truncated after ``max_steps`` steps (default ``4·size²``); the env does this itself, no ``TimeLimit``.

**info contract** (from ``reset`` and every ``step``; the maze rewards read only these keys):

- ``agent_pos``: int64 (2,) ``(row, col)`` of the agent after the step.
- ``goal_pos``: int64 (2,) ``(row, col)`` of the goal.
- ``distance``: int, BFS steps from the agent to the goal after the step (0 at the goal).
- ``prev_distance``: int, the same before the step (``reset``: equal to ``distance``).
- ``bumped``: bool, the move hit a wall (``reset``: False).
- ``success``: bool, the agent reached the goal on this step (``reset``: False).

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> env = gym.make("rewardgym/Maze-v0", size=7, view_radius=2)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, int(obs[2, 2])
    ((5, 5), 3)
    >>> obs, reward, terminated, truncated, info = env.step(1)
    >>> info["distance"] - info["prev_distance"] in (-1, 0, 1)
    True
"""

from __future__ import annotations

import operator
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rewardgym.envs.guard import EpisodeGuard
from rewardgym.envs.maze.generator import AGENT, WALL, GoalMode, Maze, generate_maze, validate_maze_config
from rewardgym.envs.maze.render import ansi_frame, rgb_frame
from rewardgym.errors import EnvConfigError, InvalidActionError

__all__ = ["ACTIONS", "MazeEnv", "validate_env_config"]

ACTIONS: tuple[str, ...] = ("up", "right", "down", "left")
RENDER_MODES: list[str] = ["rgb_array", "ansi"]


def validate_env_config(
    size: object,
    view_radius: object,
    goal: object,
    extra_openings: object,
    max_steps: object,
    render_mode: object,
) -> None:
    """Raise :class:`~rewardgym.errors.EnvConfigError` naming the first invalid maze-env kwarg."""
    validate_maze_config(size, goal, extra_openings)
    if view_radius is not None and (
        isinstance(view_radius, bool) or not isinstance(view_radius, (int, np.integer)) or view_radius < 0
    ):
        raise EnvConfigError(f"view_radius must be None (full view) or an integer >= 0, got {view_radius!r}")
    if max_steps is not None and (
        isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1
    ):
        raise EnvConfigError(f"max_steps must be None (4*size*size) or an integer >= 1, got {max_steps!r}")
    if render_mode is not None and render_mode not in RENDER_MODES:
        raise EnvConfigError(f"render_mode must be None or one of {RENDER_MODES}, got {render_mode!r}")


def action_error(action: Any) -> InvalidActionError:
    """The error for an action outside ``Discrete(4)``."""
    return InvalidActionError(
        f"invalid maze action {action!r}: expected an integer in [0, 3] (Discrete(4): "
        f"0 up, 1 right, 2 down, 3 left)"
    )


class MazeEnv(gym.Env[np.ndarray, np.int64]):
    """A procedurally generated grid maze (see the module docstring for spaces, reward and info).

    Args:
        size: odd grid side >= 5 (walls on even rows/cols; ``size=9`` is 4×4 passage cells).
        view_radius: None for the full grid, else the radius ``r`` of a ``(2r+1)²`` egocentric view.
        goal: goal placement, ``"far"`` (farthest cell from the start), ``"random"`` or ``"corner"``.
        extra_openings: fraction in [0, 1] of the walls left by the spanning tree to remove (loops).
        max_steps: steps before truncation; None = ``4·size²``.
        fixed_maze: keep the maze across unseeded resets (a new one is drawn on the first reset and on every
            ``reset(seed=...)``).
        render_mode: ``"rgb_array"`` (16 px per cell) or ``"ansi"``.
        flat_obs: observations flattened to ``(side * side,)`` instead of ``(side, side)``.

    Attributes:
        maze: the current :class:`~rewardgym.envs.maze.generator.Maze` (None before the first reset).

    Raises:
        EnvConfigError: an invalid kwarg (the message names it and what is expected).

    Example:
        >>> env = MazeEnv(size=9, goal="corner", render_mode="ansi")
        >>> _, info = env.reset(seed=1)
        >>> info["distance"] > 0 and env.render().count("A") == 1
        True
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": RENDER_MODES, "render_fps": 8}

    def __init__(
        self,
        size: int = 9,
        view_radius: int | None = None,
        goal: GoalMode = "far",
        extra_openings: float = 0.0,
        max_steps: int | None = None,
        fixed_maze: bool = False,
        render_mode: str | None = None,
        flat_obs: bool = False,
    ) -> None:
        validate_env_config(size, view_radius, goal, extra_openings, max_steps, render_mode)
        if not isinstance(flat_obs, (bool, np.bool_)):
            raise EnvConfigError(f"flat_obs must be a bool, got {flat_obs!r}")
        self.flat_obs = bool(flat_obs)
        self.size = int(size)
        self._guard = EpisodeGuard("rewardgym/Maze-v0")
        self.view_radius = None if view_radius is None else int(view_radius)
        self.goal_mode = goal
        self.extra_openings = float(extra_openings)
        self.max_steps = 4 * self.size * self.size if max_steps is None else int(max_steps)
        self.fixed_maze = bool(fixed_maze)
        self.render_mode = render_mode
        side = self.size if self.view_radius is None else 2 * self.view_radius + 1
        shape = (side * side,) if self.flat_obs else (side, side)
        self.observation_space = spaces.Box(0, 3, shape=shape, dtype=np.uint8)
        self.action_space = spaces.Discrete(4)
        self._pad = self.view_radius or 0
        p = self.size + 2 * self._pad
        self._delta = (-p, 1, p, -1)
        self._cols = p
        self.maze: Maze | None = None
        self._grid = np.empty(0, dtype=np.uint8)  # padded flat codes (no agent)
        self._dist = np.empty(0, dtype=np.int32)  # padded flat BFS distances, -1 on walls
        self._pos = 0  # padded flat index of the agent
        self._steps = 0

    # --- helpers -------------------------------------------------------------------------------------
    def _load(self, maze: Maze) -> None:
        self.maze = maze
        pad, s = self._pad, self.size
        p = s + 2 * pad
        grid = np.full((p, p), WALL, dtype=np.uint8)
        grid[pad : pad + s, pad : pad + s] = maze.grid
        dist = np.full((p, p), -1, dtype=np.int32)
        dist[pad : pad + s, pad : pad + s] = maze.distance
        self._grid, self._dist = grid.reshape(-1), dist.reshape(-1)

    def _rc(self, flat: int) -> tuple[int, int]:
        r, c = divmod(flat, self._cols)
        return r - self._pad, c - self._pad

    def _obs(self) -> np.ndarray:
        obs = self._grid_obs()
        return obs.reshape(-1) if self.flat_obs else obs

    def _grid_obs(self) -> np.ndarray:
        r, c = self._rc(self._pos)
        if self.view_radius is None:
            obs = self.maze.grid.copy()  # type: ignore[union-attr]
            obs[r, c] = AGENT
            return obs
        w = 2 * self.view_radius + 1
        obs = self._grid.reshape(self._cols, self._cols)[r : r + w, c : c + w].copy()
        obs[self.view_radius, self.view_radius] = AGENT
        return obs

    def _info(self, prev: int, bumped: bool) -> dict[str, Any]:
        goal = self.maze.goal  # type: ignore[union-attr]
        d = int(self._dist[self._pos])
        return {
            "agent_pos": np.array(self._rc(self._pos), dtype=np.int64),
            "goal_pos": np.array(goal, dtype=np.int64),
            "distance": d,
            "prev_distance": prev,
            "bumped": bumped,
            "success": d == 0,
        }

    def _start_flat(self, options: dict[str, Any] | None) -> int:
        assert self.maze is not None
        start = self.maze.start
        if options:
            unknown = set(options) - {"start"}
            if unknown:
                raise EnvConfigError(f"unknown reset option(s) {sorted(unknown)}; MazeEnv accepts 'start'")
            if "start" in options:
                try:
                    r, c = (int(x) for x in options["start"])
                except (TypeError, ValueError):
                    r, c = -1, -1
                start = (r, c)
                if not (0 <= r < self.size and 0 <= c < self.size and self.maze.distance[r, c] > 0):
                    raise EnvConfigError(
                        f"reset option start={options['start']!r} must be the (row, col) of a free, non-goal "
                        f"cell of this {self.size}x{self.size} maze"
                    )
        return (start[0] + self._pad) * self._cols + start[1] + self._pad

    # --- gymnasium API ---------------------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode (a new maze unless ``fixed_maze``).

        ``options={"start": (row, col)}`` places the agent on that free cell instead of the maze's start.
        """
        super().reset(seed=seed)
        if self.maze is None or not self.fixed_maze or seed is not None:
            extra, goal = self.extra_openings, self.goal_mode
            self._load(generate_maze(self.np_random, self.size, extra_openings=extra, goal=goal))
        self._pos = self._start_flat(options)
        self._steps = 0
        self._guard.start()
        d = int(self._dist[self._pos])
        return self._obs(), self._info(d, False)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Move one cell; see the module docstring for the reward and the info keys."""
        try:
            a = operator.index(action)
        except TypeError:
            raise action_error(action) from None
        if not 0 <= a < 4:
            raise action_error(action)
        if not self._guard.running:
            self._guard.fail()
        prev = int(self._dist[self._pos])
        target = self._pos + self._delta[a]
        bumped = bool(self._dist[target] < 0)
        if not bumped:
            self._pos = target
        self._steps += 1
        info = self._info(prev, bumped)
        success = info["success"]
        truncated = self._steps >= self.max_steps
        if success or truncated:
            self._guard.finish(success, truncated)
        return self._obs(), float(success), success, truncated, info

    def render(self) -> np.ndarray | str | None:  # type: ignore[override]
        """An RGB frame (``"rgb_array"``) or a text picture (``"ansi"``) of the whole maze."""
        if self.render_mode is None or self.maze is None:
            return None
        grid = self.maze.grid.copy()
        r, c = self._rc(self._pos)
        grid[r, c] = AGENT
        if self.render_mode == "ansi":
            return ansi_frame(grid)
        view = None
        if self.view_radius is not None:
            k = self.view_radius
            view = (r - k, c - k, r + k + 1, c + k + 1)
        return rgb_frame(grid, view=view)
