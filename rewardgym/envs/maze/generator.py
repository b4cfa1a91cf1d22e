"""Seeded procedural mazes on an odd ``size × size`` grid, with a BFS distance map to the goal.

Layout: walls sit on even rows and columns; passage cells sit at odd ``(row, col)``, so ``size=9`` gives
4×4 passage cells. A maze is a random spanning tree of the passage cells (Kruskal's algorithm on random
edge weights: a *perfect* maze, exactly one path between any two cells), plus optional loops: with
``extra_openings=f > 0`` a fraction ``f`` of the interior walls the tree left standing is removed
(at least one, so any ``f > 0`` gives loops).

Goal placement (``goal=``): ``"random"`` (a uniform passage cell other than the start), ``"far"`` (the cell
farthest from the start by BFS; ties go to the lowest cell index) or ``"corner"`` (start in a random corner
cell, goal in the diagonally opposite one). In the other two modes the start is a uniform passage cell.

Generation reads exactly one array from the random generator (``rng.random(2·E + 2)`` for ``E`` interior
walls), so a single env and a vector env that share a seed draw identical mazes. It is cheap enough to run
on every autoreset: the spanning tree and the BFS run in plain Python over the ``(size // 2)²`` cells, and
the grid and distance arrays are assembled with NumPy, batched over several mazes at once
(:func:`generate_batch`, used by the vector env).

Grid codes (also the env's observation codes): ``0`` free, ``1`` wall, ``2`` goal (``3`` = agent is added by
the env). The distance map holds BFS steps to the goal for every free cell and ``-1`` on walls.

Example:
    >>> maze = generate_maze(0, size=7, goal="far")
    >>> maze.grid.shape, int(maze.distance[maze.goal])
    ((7, 7), 0)
    >>> bool((generate_maze(0, size=7).grid == maze.grid).all())
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from rewardgym.errors import EnvConfigError

__all__ = [
    "AGENT",
    "FREE",
    "GOAL",
    "GOAL_MODES",
    "MAX_SIZE",
    "WALL",
    "GoalMode",
    "Maze",
    "MazeBatch",
    "generate_batch",
    "generate_maze",
    "validate_maze_config",
]

FREE, WALL, GOAL, AGENT = 0, 1, 2, 3
GoalMode = Literal["random", "far", "corner"]
GOAL_MODES: tuple[str, ...] = ("random", "far", "corner")


MAX_SIZE = 1001
"""Largest maze side accepted: larger grids do not fit in memory with their distance maps and renderings."""


def validate_maze_config(size: object, goal: object, extra_openings: object) -> None:
    """Raise :class:`~rewardgym.errors.EnvConfigError` unless the maze parameters are valid."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 5 or size % 2 == 0:
        raise EnvConfigError(
            "maze size must be an odd integer >= 5 (walls on even rows/cols; size 9 = 4x4 cells), "
            f"got {size!r}"
        )
    if size > MAX_SIZE:
        raise EnvConfigError(
            f"maze size must be at most {MAX_SIZE} (a {MAX_SIZE}x{MAX_SIZE} grid already has "
            f"{(MAX_SIZE // 2) ** 2:,} cells), got {size!r}"
        )
    if goal not in GOAL_MODES:
        raise EnvConfigError(f"unknown goal mode {goal!r}; expected one of {list(GOAL_MODES)}")
    if (
        isinstance(extra_openings, bool)
        or not isinstance(extra_openings, (int, float, np.floating, np.integer))
        or not 0.0 <= float(extra_openings) <= 1.0
    ):
        raise EnvConfigError(
            f"extra_openings must be a fraction in [0, 1] (share of the remaining interior walls removed), "
            f"got {extra_openings!r}"
        )


@dataclass(frozen=True)
class _Topology:
    """Static graph of one maze size: cells, the interior walls between them, and their grid positions."""

    size: int
    n_cells: int
    edge_a: tuple[int, ...]  # cell index on one side of interior wall e
    edge_b: tuple[int, ...]
    edge_a_arr: np.ndarray
    edge_b_arr: np.ndarray
    edge_grid: np.ndarray  # (E,) flat grid index of interior wall e
    cell_grid: np.ndarray  # (n_cells,) flat grid index of each cell
    corners: tuple[int, int, int, int]  # top-left, top-right, bottom-right, bottom-left cell indices
    base: np.ndarray  # (size*size,) uint8: every interior wall standing, cells free


@lru_cache(maxsize=32)
def _topology(size: int) -> _Topology:
    m = (size - 1) // 2
    edge_a: list[int] = []
    edge_b: list[int] = []
    edge_grid: list[int] = []
    for i in range(m):
        for j in range(m):
            c = i * m + j
            if j + 1 < m:  # wall to the right of cell (i, j)
                edge_a.append(c)
                edge_b.append(c + 1)
                edge_grid.append((2 * i + 1) * size + 2 * j + 2)
            if i + 1 < m:  # wall below cell (i, j)
                edge_a.append(c)
                edge_b.append(c + m)
                edge_grid.append((2 * i + 2) * size + 2 * j + 1)
    cell_grid = np.array([(2 * i + 1) * size + 2 * j + 1 for i in range(m) for j in range(m)], dtype=np.int64)
    base = np.full(size * size, WALL, dtype=np.uint8)
    base[cell_grid] = FREE
    return _Topology(
        size=size,
        n_cells=m * m,
        edge_a=tuple(edge_a),
        edge_b=tuple(edge_b),
        edge_a_arr=np.array(edge_a, dtype=np.int64),
        edge_b_arr=np.array(edge_b, dtype=np.int64),
        edge_grid=np.array(edge_grid, dtype=np.int64),
        cell_grid=cell_grid,
        corners=(0, m - 1, m * m - 1, m * (m - 1)),
        base=base,
    )


def _bfs(adj: list[list[int]], source: int) -> list[int]:
    dist = [-1] * len(adj)
    dist[source] = 0
    queue = [source]
    for x in queue:  # the list grows while we iterate: a FIFO queue without deque overhead
        nd = dist[x] + 1
        for y in adj[x]:
            if dist[y] < 0:
                dist[y] = nd
                queue.append(y)
    return dist


def _carve(
    rng: np.random.Generator, topo: _Topology, extra_openings: float, goal: str
) -> tuple[list[int], int, int, list[int]]:
    """Draw one maze on the cell graph.

    Returns (opened interior walls, start cell, goal cell, BFS distance of every cell to the goal cell).
    """
    n, n_edges = topo.n_cells, len(topo.edge_a)
    u = rng.random(2 * n_edges + 2)
    order = np.argsort(u[:n_edges], kind="stable").tolist()
    ea, eb = topo.edge_a, topo.edge_b
    parent = list(range(n))
    tree: list[int] = []
    rest: list[int] = []
    for k, e in enumerate(order):  # Kruskal with path halving
        a = ea[e]
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        b = eb[e]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a == b:
            rest.append(e)
            continue
        parent[a] = b
        tree.append(e)
        if len(tree) == n - 1:
            rest.extend(order[k + 1 :])
            break
    opened = tree
    if extra_openings > 0.0 and rest:
        k_extra = min(len(rest), max(1, round(extra_openings * len(rest))))
        priority = u[n_edges : 2 * n_edges].tolist()
        opened = tree + sorted(rest, key=priority.__getitem__)[:k_extra]
    adj: list[list[int]] = [[] for _ in range(n)]
    for e in opened:
        adj[ea[e]].append(eb[e])
        adj[eb[e]].append(ea[e])
    u_start, u_goal = float(u[2 * n_edges]), float(u[2 * n_edges + 1])
    if goal == "corner":
        c = int(u_start * 4)
        start, goal_cell = topo.corners[c], topo.corners[(c + 2) % 4]
    else:
        start = int(u_start * n)
        if goal == "far":
            from_start = _bfs(adj, start)
            goal_cell = from_start.index(max(from_start))
        else:
            g = int(u_goal * (n - 1))
            goal_cell = g if g < start else g + 1
    return opened, start, goal_cell, _bfs(adj, goal_cell)


@dataclass(frozen=True)
class MazeBatch:
    """``k`` mazes of one size, stacked.

    Attributes:
        grid: (k, size, size) uint8 codes (0 free, 1 wall, 2 goal).
        distance: (k, size, size) int32 BFS steps to the goal; -1 on walls.
        start: (k,) int64 flat grid index of each start cell.
        goal: (k,) int64 flat grid index of each goal cell.
    """

    grid: np.ndarray
    distance: np.ndarray
    start: np.ndarray
    goal: np.ndarray


@dataclass(frozen=True)
class Maze:
    """One maze.

    Attributes:
        grid: (size, size) uint8 codes (0 free, 1 wall, 2 goal).
        distance: (size, size) int32 BFS steps to the goal from every free cell; -1 on walls.
        start: (row, col) of the start cell.
        goal: (row, col) of the goal cell.
    """

    grid: np.ndarray
    distance: np.ndarray
    start: tuple[int, int]
    goal: tuple[int, int]

    @property
    def size(self) -> int:
        """Side length of the grid."""
        return int(self.grid.shape[0])


def generate_batch(
    rngs: Sequence[np.random.Generator],
    size: int = 9,
    *,
    extra_openings: float = 0.0,
    goal: GoalMode = "far",
) -> MazeBatch:
    """Draw one maze from each generator in ``rngs`` and stack them (same result as one call per rng).

    Args:
        rngs: one NumPy generator per maze; each is advanced by exactly one ``random`` call.
        size: odd grid side, >= 5.
        extra_openings: fraction in [0, 1] of the walls left by the spanning tree to remove (loops).
        goal: ``"random"``, ``"far"`` or ``"corner"``.

    Raises:
        EnvConfigError: invalid ``size``, ``goal`` or ``extra_openings``.
    """
    validate_maze_config(size, goal, extra_openings)
    topo = _topology(int(size))
    k, n_edges, area = len(rngs), len(topo.edge_a), topo.size * topo.size
    opened = np.zeros((k, n_edges), dtype=bool)
    cell_dist = np.empty((k, topo.n_cells), dtype=np.int32)
    starts = np.empty(k, dtype=np.int64)
    goals = np.empty(k, dtype=np.int64)
    for i, rng in enumerate(rngs):
        edges, s, g, d = _carve(rng, topo, float(extra_openings), goal)
        opened[i, edges] = True
        cell_dist[i] = d
        starts[i], goals[i] = s, g
    rows = np.arange(k)
    grid = np.tile(topo.base, (k, 1))
    grid[:, topo.edge_grid] = np.where(opened, FREE, WALL).astype(np.uint8)
    grid[rows, topo.cell_grid[goals]] = GOAL
    dist = np.full((k, area), -1, dtype=np.int32)
    cd2 = 2 * cell_dist
    dist[:, topo.cell_grid] = cd2
    through = np.minimum(cd2[:, topo.edge_a_arr], cd2[:, topo.edge_b_arr]) + 1
    dist[:, topo.edge_grid] = np.where(opened, through, -1)
    side = (k, topo.size, topo.size)
    return MazeBatch(grid.reshape(side), dist.reshape(side), topo.cell_grid[starts], topo.cell_grid[goals])


def generate_maze(
    rng: np.random.Generator | int | None = None,
    size: int = 9,
    *,
    extra_openings: float = 0.0,
    goal: GoalMode = "far",
) -> Maze:
    """Draw one maze.

    Args:
        rng: a NumPy generator (advanced by one ``random`` call), an int seed, or None for fresh entropy.
        size: odd grid side, >= 5 (``size=9`` is 4×4 passage cells).
        extra_openings: fraction in [0, 1] of the walls the spanning tree left to remove (0: perfect maze).
        goal: ``"random"``, ``"far"`` or ``"corner"``.

    Raises:
        EnvConfigError: invalid ``size``, ``goal`` or ``extra_openings``.

    Example:
        >>> maze = generate_maze(3, size=9, extra_openings=0.2)
        >>> int((maze.distance >= 0).sum()) > 16
        True
    """
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    batch = generate_batch([rng], size, extra_openings=extra_openings, goal=goal)
    s, g = int(batch.start[0]), int(batch.goal[0])
    return Maze(batch.grid[0], batch.distance[0], divmod(s, size), divmod(g, size))
