"""The single maze env and its generator: Gymnasium conformance, maze properties, dynamics, errors."""

from __future__ import annotations

import warnings
from collections import deque

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rewardgym  # noqa: F401 - registers the env
from rewardgym.envs.maze.env import MazeEnv
from rewardgym.envs.maze.generator import generate_maze
from rewardgym.errors import EnvConfigError, InvalidActionError, RewardGymError

MOVES = {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}


def grid_bfs(free: np.ndarray, source: tuple[int, int]) -> np.ndarray:
    """Reference BFS over free cells (independent of the generator's own distance map); -1 = unreachable."""
    dist = np.full(free.shape, -1, dtype=np.int64)
    dist[source] = 0
    queue = deque([source])
    while queue:
        r, c = queue.popleft()
        for dr, dc in MOVES.values():
            y, x = r + dr, c + dc
            if 0 <= y < free.shape[0] and 0 <= x < free.shape[1] and free[y, x] and dist[y, x] < 0:
                dist[y, x] = dist[r, c] + 1
                queue.append((y, x))
    return dist


def cells_and_edges(grid: np.ndarray) -> tuple[int, int]:
    """Passage cells and open interior walls (graph edges between cells)."""
    free = grid != 1
    cells = int(free[1::2, 1::2].sum())
    edges = int(free[1::2, 2:-1:2].sum() + free[2:-1:2, 1::2].sum())
    return cells, edges


# --- Gymnasium conformance ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"view_radius": 2},
        {"view_radius": 0, "size": 5},
        {"goal": "random", "extra_openings": 0.3, "size": 11},
        {"goal": "corner", "view_radius": 3, "fixed_maze": True},
    ],
)
@pytest.mark.parametrize("render_mode", [None, "rgb_array", "ansi"])
def test_check_env(kwargs: dict, render_mode: str | None) -> None:
    env = gym.make("rewardgym/Maze-v0", render_mode=render_mode, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any checker warning fails the test
        check_env(env.unwrapped, skip_render_check=False)
    env.close()


def test_spaces_and_metadata() -> None:
    env = MazeEnv(size=11, view_radius=3)
    assert env.observation_space == gym.spaces.Box(0, 3, (7, 7), np.uint8)
    assert env.action_space == gym.spaces.Discrete(4)
    assert MazeEnv().observation_space.shape == (9, 9)
    assert set(env.metadata["render_modes"]) == {"rgb_array", "ansi"} and env.metadata["render_fps"] > 0
    assert MazeEnv(size=9).max_steps == 4 * 9 * 9


# --- generator properties ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [5, 7, 9, 15])
@pytest.mark.parametrize("goal", ["far", "random", "corner"])
def test_perfect_mazes_are_connected_trees(size: int, goal: str) -> None:
    for seed in range(25):
        maze = generate_maze(seed, size, goal=goal)
        m = (size - 1) // 2
        cells, edges = cells_and_edges(maze.grid)
        assert cells == m * m
        assert edges == cells - 1, f"seed {seed}: a perfect maze is a tree"
        assert (maze.grid[0] == 1).all() and (maze.grid[-1] == 1).all()
        assert (maze.grid[:, 0] == 1).all() and (maze.grid[:, -1] == 1).all()
        assert (maze.grid[::2, ::2] == 1).all(), "wall posts stay"
        ref = grid_bfs(maze.grid != 1, maze.goal)
        assert ((ref >= 0) == (maze.grid != 1)).all(), "every free cell reaches the goal"
        assert np.array_equal(maze.distance, np.where(maze.grid != 1, ref, -1)), "distance map is BFS to goal"
        assert maze.distance[maze.start] > 0
        assert maze.grid[maze.goal] == 2 and (maze.grid == 2).sum() == 1


@pytest.mark.parametrize("fraction", [0.05, 0.3, 1.0])
def test_extra_openings_make_loops(fraction: float) -> None:
    size, m = 11, 5
    rest = 2 * m * (m - 1) - (m * m - 1)  # interior walls a spanning tree leaves standing
    for seed in range(20):
        maze = generate_maze(seed, size, extra_openings=fraction)
        cells, edges = cells_and_edges(maze.grid)
        assert edges - (cells - 1) == max(1, round(fraction * rest)), "loops = extra openings"
        ref = grid_bfs(maze.grid != 1, maze.goal)
        assert np.array_equal(maze.distance, np.where(maze.grid != 1, ref, -1))


def test_goal_modes() -> None:
    for seed in range(30):
        far = generate_maze(seed, 9, goal="far")
        from_start = grid_bfs(far.grid != 1, far.start)
        assert from_start[far.goal] == from_start[1::2, 1::2].max(), "far goal is a farthest cell"
        corner = generate_maze(seed, 9, goal="corner")
        corners = {(1, 1), (1, 7), (7, 7), (7, 1)}
        assert corner.start in corners and corner.goal in corners
        assert corner.start[0] != corner.goal[0] and corner.start[1] != corner.goal[1], "opposite corners"
        rnd = generate_maze(seed, 9, goal="random")
        assert rnd.start != rnd.goal
    goals = {generate_maze(seed, 9, goal="random").goal for seed in range(60)}
    assert len(goals) > 8, "random goals spread over the maze"


def test_same_seed_same_maze_different_seeds_differ() -> None:
    a, b = generate_maze(7, 11, extra_openings=0.2), generate_maze(7, 11, extra_openings=0.2)
    assert np.array_equal(a.grid, b.grid) and a.start == b.start
    layouts = {generate_maze(seed, 11).grid.tobytes() for seed in range(40)}
    assert len(layouts) == 40
    env = MazeEnv(size=11)
    o1, i1 = env.reset(seed=3)
    o2, i2 = env.reset(seed=3)
    o3, _ = env.reset(seed=4)
    assert np.array_equal(o1, o2) and np.array_equal(i1["goal_pos"], i2["goal_pos"])
    assert not np.array_equal(o1, o3)


def test_each_reset_draws_a_new_maze_unless_fixed() -> None:
    env = MazeEnv(size=11)
    env.reset(seed=0)
    layouts = {env.reset()[0].tobytes() for _ in range(10)}
    assert len(layouts) == 10
    fixed = MazeEnv(size=11, fixed_maze=True)
    first, _ = fixed.reset(seed=0)
    assert all(np.array_equal(fixed.reset()[0], first) for _ in range(5))
    assert not np.array_equal(fixed.reset(seed=1)[0], first), "an explicit seed draws a new fixed maze"


# --- dynamics and the info contract ------------------------------------------------------------------


def test_info_contract_and_moves() -> None:
    env = MazeEnv(size=9, max_steps=10_000)
    obs, info = env.reset(seed=11)
    assert set(info) == {"agent_pos", "goal_pos", "distance", "prev_distance", "bumped", "success"}
    assert info["prev_distance"] == info["distance"] and not info["bumped"] and not info["success"]
    grid = env.maze.grid
    rng = np.random.default_rng(0)
    for _ in range(400):
        pos = tuple(info["agent_pos"])
        assert obs[pos] == 3 and (obs == 3).sum() == 1
        a = int(rng.integers(4))
        obs, reward, terminated, _, info = env.step(a)
        dr, dc = MOVES[a]
        target = (pos[0] + dr, pos[1] + dc)
        hit = grid[target] == 1
        assert info["bumped"] == hit
        assert tuple(info["agent_pos"]) == (pos if hit else target)
        assert info["agent_pos"].dtype == np.int64 and info["agent_pos"].shape == (2,)
        assert info["distance"] == env.maze.distance[tuple(info["agent_pos"])]
        assert info["distance"] - info["prev_distance"] in ((0,) if hit else (-1, 1))
        assert terminated == info["success"] == (info["distance"] == 0) == (reward == 1.0)
        assert tuple(info["goal_pos"]) == env.maze.goal
        if terminated:
            obs, info = env.reset()
            grid = env.maze.grid


def test_optimal_walk_reaches_goal() -> None:
    env = MazeEnv(size=13, extra_openings=0.2)
    _, info = env.reset(seed=5)
    steps, terminated = 0, False
    while not terminated and steps < 1000:
        r, c = info["agent_pos"]
        target = info["distance"] - 1
        downhill = [a for a, (dr, dc) in MOVES.items() if env.maze.distance[r + dr, c + dc] == target]
        _, reward, terminated, truncated, info = env.step(downhill[0])
        steps += 1
    assert terminated and reward == 1.0 and info["success"] and not truncated
    assert steps == int(env.maze.distance[env.maze.start])


def test_truncates_at_max_steps() -> None:
    env = MazeEnv(size=9, max_steps=7)
    env.reset(seed=0)
    flags = [env.step(0)[3] for _ in range(7)]  # pressing "up" never reaches a far goal in 7 steps
    assert flags == [False] * 6 + [True]


def test_partial_view_is_a_window_of_the_padded_grid() -> None:
    k = 2
    env, full = MazeEnv(size=9, view_radius=k), MazeEnv(size=9)
    for seed in range(5):
        part_obs, info = env.reset(seed=seed)
        full_obs, _ = full.reset(seed=seed)
        rng = np.random.default_rng(seed)
        for _ in range(60):
            padded = np.pad(full_obs, k, constant_values=1)  # out of bounds reads as wall
            r, c = info["agent_pos"]
            assert np.array_equal(part_obs, padded[r : r + 2 * k + 1, c : c + 2 * k + 1])
            assert part_obs[k, k] == 3
            a = int(rng.integers(4))
            part_obs, _, term, _, info = env.step(a)
            full_obs, _, _, _, _ = full.step(a)
            if term:
                break


def test_reset_start_option() -> None:
    env = MazeEnv(size=9, fixed_maze=True)
    env.reset(seed=0)
    free = [tuple(p) for p in np.argwhere(env.maze.distance > 0)]
    obs, info = env.reset(options={"start": free[3]})
    assert tuple(info["agent_pos"]) == free[3] and obs[free[3]] == 3
    for bad in [(0, 0), (1, 1, 1), "ab", 5, (99, 1)]:
        with pytest.raises(EnvConfigError, match="free, non-goal"):
            env.reset(options={"start": bad})
    with pytest.raises(EnvConfigError, match="unknown reset option"):
        env.reset(options={"begin": (1, 1)})


def test_render_modes() -> None:
    env = MazeEnv(size=9, render_mode="rgb_array")
    _, info = env.reset(seed=2)
    frame = env.render()
    assert frame.shape == (9 * 16, 9 * 16, 3) and frame.dtype == np.uint8
    r, c = info["agent_pos"]
    centre = frame[r * 16 + 8, c * 16 + 8]
    gr, gc = info["goal_pos"]
    assert not np.array_equal(centre, frame[gr * 16 + 8, gc * 16 + 8])
    assert not np.array_equal(frame[0, 0], frame[16 + 8, 16 + 8]) or env.maze.grid[1, 1] == 1
    text_env = MazeEnv(size=9, render_mode="ansi")
    _, info = text_env.reset(seed=2)
    rows = text_env.render().splitlines()
    assert len(rows) == 9 and all(len(row) == 9 for row in rows)
    assert rows[r][c] == "A" and rows[gr][gc] == "G" and rows[0] == "#" * 9
    assert MazeEnv().render() is None


# --- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", [4, -1, 1.5, "up", None, np.array([0, 1])])
def test_invalid_action(action: object) -> None:
    for env in (MazeEnv(), gym.make("rewardgym/Maze-v0")):
        env.reset(seed=0)
        with pytest.raises(InvalidActionError, match=r"\[0, 3\]") as exc:
            env.step(action)
        assert repr(action)[:10] in str(exc.value)
        assert isinstance(exc.value, RewardGymError)


def test_numpy_integer_actions_are_accepted() -> None:
    env = MazeEnv()
    env.reset(seed=0)
    env.step(np.int64(1))
    env.step(np.array(2))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"size": 8}, "odd integer >= 5"),
        ({"size": 3}, "odd integer >= 5"),
        ({"size": 9.0}, "odd integer >= 5"),
        ({"view_radius": -1}, "view_radius"),
        ({"view_radius": 1.5}, "view_radius"),
        ({"goal": "middle"}, "unknown goal mode 'middle'"),
        ({"extra_openings": 1.5}, r"extra_openings must be a fraction in \[0, 1\]"),
        ({"extra_openings": -0.1}, "extra_openings"),
        ({"max_steps": 0}, "max_steps"),
        ({"render_mode": "rgb"}, "render_mode"),
    ],
)
@pytest.mark.filterwarnings("ignore:.*render_mode")  # gymnasium's own warning before the constructor raises
def test_bad_kwargs(kwargs: dict, match: str) -> None:
    with pytest.raises(EnvConfigError, match=match):
        MazeEnv(**kwargs)
    with pytest.raises(EnvConfigError, match=match):
        gym.make("rewardgym/Maze-v0", **kwargs)
