"""MuJoCo's C thread-pool stepping (``mujoco.batch``) behind :class:`~rewardgym.envs.robotics.sim.ArmSim`.

The ``"batch"`` backend keeps every simulation as one row of MuJoCo's integration state (``time``, ``qpos``,
``qvel``, ``qacc_warmstart``, ``ctrl``, ``mocap_pos``, ...) inside a ``mujoco.batch.Batch`` with one ``MjData``
per row (``persistent=True``). One call steps every row ``frame_skip`` times on MuJoCo's own thread pool, the
GIL released, and finishes with the position and velocity stages at the new state: the same ``mj_step2`` /
``mj_step1`` sequence as the ``"loop"`` backend, warm-start accelerations included, so both give the same
bits at any thread count. ``qpos`` / ``qvel`` are read as views of the state rows, with no per-row copy.

Example:
    >>> import numpy as np
    >>> from rewardgym.envs.robotics._mujoco import load_model
    >>> engine = BatchEngine(load_model("reach.xml"), 2, num_threads=1)
    >>> engine.reset(np.arange(2), np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 3)))
    >>> engine.step(None, np.ones((2, 3)), 2)
    >>> bool((engine.qvel[:, 0] > 0).all())
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rewardgym.envs.robotics._mujoco import load_mujoco
from rewardgym.errors import EnvConfigError

__all__ = ["BatchEngine"]


def _batch_module() -> Any:
    mj = load_mujoco()
    try:
        from mujoco import batch
    except ImportError:  # pragma: no cover - depends on the installed MuJoCo
        raise EnvConfigError(
            f"backend='batch' needs MuJoCo's batch module (mujoco >= 4.0), found mujoco {mj.__version__}; "
            "upgrade with pip install -U mujoco, or pass backend='loop'"
        ) from None
    return batch


class BatchEngine:
    """``num_envs`` simulations of ``model`` stepped by MuJoCo's batch thread pool.

    Args:
        model: the ``MjModel`` (the batch keeps a copy: edit the model before building the engine).
        num_envs: number of rows.
        num_threads: threads of the pool, the calling thread included.
    """

    def __init__(self, model: Any, num_envs: int, num_threads: int) -> None:
        self.model, self.num_envs, self.num_threads = model, num_envs, num_threads
        self._build(None)

    def _build(self, rows: np.ndarray | None) -> None:
        mj, batch = load_mujoco(), _batch_module()
        self._vel = int(mj.mjtStage.mjSTAGE_VEL)
        self._b = b = batch.Batch(self.model, self.num_envs, nthread=self.num_threads, persistent=True)
        if rows is not None:
            b.state[:] = rows
        self.qpos, self.qvel = b.bind("qpos"), b.bind("qvel")
        self._mocap, self._ctrl, self._ncon = b.bind("mocap_pos"), b.bind("ctrl"), b.bind("ncon")
        # The state row mj_resetData gives (written instead of resetting the row's whole MjData: same state)
        fresh, spec = mj.MjData(self.model), int(mj.mjtState.mjSTATE_INTEGRATION)
        self._initial = np.empty(mj.mj_stateSize(self.model, spec))
        mj.mj_getState(self.model, fresh, self._initial, spec)
        assert self._initial.shape == (b.nstate,)
        nq, nv = int(self.model.nq), int(self.model.nv)
        offset = 1  # the rows start with time, then qpos and qvel side by side
        self.state = b.state[:, offset : offset + nq + nv]
        assert np.shares_memory(self.state, self.qpos) and self.state.shape[1] == nq + nv
        b.forward(stage=self._vel)  # derived fields (contacts) of the restored rows

    def reset(self, rows: np.ndarray, qpos: np.ndarray, qvel: np.ndarray, mocap: np.ndarray) -> None:
        """The reset state row then the given initial state in each row of ``rows``, positions and velocities
        computed (as ``mj_forward`` does, but for the accelerations the next step recomputes)."""
        ids = rows.astype(np.int32)
        self._b.state[ids] = self._initial
        self.qpos[ids], self.qvel[ids], self._mocap[ids, 0] = qpos, qvel, mocap
        self._b.forward(ids, stage=self._vel)

    def step(self, rows: np.ndarray | None, ctrl: np.ndarray, frame_skip: int) -> None:
        """Apply ``ctrl`` (one per row of ``rows``; None: all rows) for ``frame_skip`` physics steps."""
        ids = None if rows is None else rows.astype(np.int32)
        if ids is None:
            self._ctrl[:] = ctrl
        else:
            self._ctrl[ids] = ctrl
        self._b.step(ids, nstep=frame_skip, stage=self._vel)

    def touching(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """The rows of ``rows`` with at least one contact at the current state."""
        rows = np.asarray(rows, dtype=np.intp)
        return rows[self._ncon[rows] > 0]

    def row_data(self, i: int, data: Any = None) -> Any:
        """A copy of row ``i``'s ``MjData`` (state and derived fields, contacts included)."""
        return self._b.get_data(int(i), data)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle / deep-copy support: the state rows travel; the batch and its views are rebuilt."""
        return {
            "model": self.model,
            "num_envs": self.num_envs,
            "num_threads": self.num_threads,
            "rows": np.array(self._b.state),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.model, self.num_envs, self.num_threads = state["model"], state["num_envs"], state["num_threads"]
        self._build(state["rows"])


class RowData(Sequence[Any]):
    """``sim.data`` of the batch backend: ``data[i]`` is a fresh copy of row ``i``'s ``MjData`` (read it, render
    it; writes to the copy do not reach the simulation)."""

    def __init__(self, engine: BatchEngine) -> None:
        self._engine = engine

    def __len__(self) -> int:
        return self._engine.num_envs

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(f"row {i} out of range for {len(self)} simulations")
        return self._engine.row_data(i % len(self))
