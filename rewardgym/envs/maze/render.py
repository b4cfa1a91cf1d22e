"""Maze frames: an RGB image (NumPy only) and a text picture.

Both take a ``(size, size)`` grid of observation codes (0 free, 1 wall, 2 goal, 3 agent).

Example:
    >>> import numpy as np
    >>> grid = np.ones((5, 5), dtype=np.uint8); grid[1:4, 1:4] = 0; grid[1, 1] = 3; grid[3, 3] = 2
    >>> print(ansi_frame(grid))
    #####
    #A..#
    #...#
    #..G#
    #####
    >>> rgb_frame(grid, cell_px=4).shape
    (20, 20, 3)
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["CELL_PX", "PALETTE", "ansi_frame", "rgb_frame"]

CELL_PX = 16
PALETTE = np.array(
    [
        [236, 236, 228],  # free
        [52, 58, 70],  # wall
        [70, 170, 90],  # goal
        [236, 236, 228],  # agent cell background (the agent is drawn as a disc)
    ],
    dtype=np.uint8,
)
AGENT_RGB = np.array([214, 70, 60], dtype=np.uint8)
_CHARS = np.array(list(".#GA"))


@lru_cache(maxsize=8)
def _disc(cell_px: int) -> np.ndarray:
    c = (cell_px - 1) / 2.0
    yy, xx = np.mgrid[0:cell_px, 0:cell_px]
    return (yy - c) ** 2 + (xx - c) ** 2 <= (0.38 * cell_px) ** 2


def rgb_frame(
    grid: np.ndarray, *, view: tuple[int, int, int, int] | None = None, cell_px: int = CELL_PX
) -> np.ndarray:
    """Draw ``grid`` as an ``(size·cell_px, size·cell_px, 3)`` uint8 image.

    Args:
        grid: (size, size) observation codes.
        view: ``(row0, col0, row1, col1)`` (exclusive ends) of the agent's partial view; cells outside it
            are dimmed. None: nothing is dimmed.
        cell_px: pixels per cell.
    """
    img = PALETTE[grid]
    if view is not None:
        r0, c0, r1, c1 = view
        dim = np.ones(grid.shape, dtype=bool)
        dim[max(r0, 0) : max(r1, 0), max(c0, 0) : max(c1, 0)] = False
        img[dim] = img[dim] // 2 + 40
    frame = np.repeat(np.repeat(img, cell_px, axis=0), cell_px, axis=1)
    for r, c in np.argwhere(grid == 3):
        block = frame[r * cell_px : (r + 1) * cell_px, c * cell_px : (c + 1) * cell_px]
        block[_disc(cell_px)] = AGENT_RGB
    return frame


def ansi_frame(grid: np.ndarray) -> str:
    """Draw ``grid`` as text: ``#`` wall, ``.`` free, ``G`` goal, ``A`` agent."""
    return "\n".join("".join(row) for row in _CHARS[grid])
