from __future__ import annotations
"""Maze rewards — placeholder until the maze family lands."""
