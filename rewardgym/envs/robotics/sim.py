"""The simulation core shared by the single and the batched robotics envs.

An :class:`ArmSim` holds one ``MjModel`` and ``N`` simulations and steps any subset of them in one call, through
one of two backends that give the same bits: ``"batch"`` (MuJoCo's C thread pool, ``mujoco.batch``, one call
for all rows; see :mod:`rewardgym.envs.robotics.batched`) and ``"loop"`` (``N`` ``MjData`` stepped from Python,
optionally over a thread pool: ``mj_step1``/``mj_step2`` release the GIL). Observations, ``info`` columns
and the env's own reward are computed for all rows at once with NumPy. The single env is an ``ArmSim`` with
``N = 1`` and the vector env one with ``N = num_envs``, so both run the very same code: same seeds and
actions give the same trajectories.

Each env step applies the action for ``frame_skip`` physics steps as ``mj_step2`` then ``mj_step1``
(``mj_forward`` after a reset), so positions, contacts and sensors always describe the state that the
observation reports, not the one a physics step earlier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import numpy as np

from rewardgym.envs.robotics._mujoco import load_model, load_mujoco
from rewardgym.envs.robotics.batched import BatchEngine, RowData
from rewardgym.envs.robotics.rewards import evaluate_terms, linear_terms
from rewardgym.errors import EnvConfigError, InvalidActionError

__all__ = ["BACKENDS", "ArmSim", "norm3"]

BACKENDS = ("loop", "batch")
"""Stepping backends of :class:`ArmSim`: a Python loop over ``MjData`` or MuJoCo's C batch (same results)."""


def _positive(name: str, value: Any, kind: type = float) -> Any:
    ok = (
        isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and value > 0
    )
    if not ok or (kind is int and int(value) != value):
        raise EnvConfigError(f"{name} must be a positive {kind.__name__}, got {value!r}")
    return kind(value)


def norm3(v: np.ndarray) -> np.ndarray:
    """Row norms of ``(N, 3)`` vectors, element-wise (the same bits for a row whatever ``N`` is)."""
    return np.sqrt(v[:, 0] * v[:, 0] + v[:, 1] * v[:, 1] + v[:, 2] * v[:, 2])


class ArmSim:
    """``N`` copies of a planar 3-link arm task, stepped together. Subclasses define the task.

    Args:
        num_envs: number of independent simulations (rows).
        reward: the env's own reward: a registered name or spec built only from ``robotics/*`` terms and
            weighted sums (None: the task's default).
        success_radius: metres; see the task.
        terminate_on_success: end the episode (``terminated``) on the first successful step.
        frame_skip: physics steps (0.01 s each) per env step.
        clip_actions: clip actions to ``[-1, 1]`` (True) or reject out-of-range actions (False).
        num_threads: threads stepping the rows (1: the calling thread only).
        backend: ``"loop"`` (a Python loop over one ``MjData`` per row) or ``"batch"`` (MuJoCo's C thread pool,
            ``mujoco.batch``; ``data[i]`` is then a copy of row ``i``). Both give the same results.
    """

    asset: ClassVar[str]
    default_reward: ClassVar[str]
    obs_dim: ClassVar[int]
    zone_geom: ClassVar[str] = "target_zone"
    option_slots: ClassVar[dict[str, tuple[str, slice]]] = {"arm_qpos": ("qpos", slice(0, 3))}
    """Reset options: ``{name: (part, slice)}``; e.g. ``options={"arm_qpos": [0, 1, 0]}``."""
    info_keys: ClassVar[tuple[str, ...]]
    """The keys :meth:`info` returns, in order."""

    def __init__(
        self,
        num_envs: int,
        *,
        reward: Any = None,
        success_radius: float = 0.05,
        terminate_on_success: bool = False,
        frame_skip: int = 2,
        clip_actions: bool = True,
        num_threads: int = 1,
        backend: str = "loop",
    ) -> None:
        from rewardgym.rewards.spec import build_reward

        if backend not in BACKENDS:
            raise EnvConfigError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
        self.backend = backend
        self.num_envs = _positive("num_envs", num_envs, int)
        self.success_radius = _positive("success_radius", success_radius)
        self.frame_skip = _positive("frame_skip", frame_skip, int)
        self.num_threads = _positive("num_threads", num_threads, int)
        self.terminate_on_success = bool(terminate_on_success)
        self.clip_actions = bool(clip_actions)
        self.reward_fn = build_reward(reward if reward is not None else self.default_reward)
        self.reward_terms = linear_terms(self.reward_fn)
        missing = sorted({k for _, _, t in self.reward_terms for k in t.requires} - set(self.info_keys))
        if missing:
            raise EnvConfigError(
                f"reward {self.reward_fn.display_name!r} reads info {missing}, which "
                f"{type(self).__name__} does not "
                f"report; it reports {list(self.info_keys)}"
            )

        self._mj = mj = load_mujoco()
        self.model = m = load_model(self.asset)
        self.nq, self.nv, self.nu = int(m.nq), int(m.nv), int(m.nu)
        self.dt = float(m.opt.timestep) * self.frame_skip
        self._state_spec = int(mj.mjtState.mjSTATE_QPOS) | int(mj.mjtState.mjSTATE_QVEL)
        self.mocap = np.zeros((self.num_envs, 3))
        self.action = np.zeros((self.num_envs, self.nu))
        self.prev_action = np.zeros((self.num_envs, self.nu))
        self.contact = np.zeros(self.num_envs, dtype=bool)
        self.fingertip_contact = np.zeros(self.num_envs, dtype=bool)

        # Planar kinematics of the arm, read from the model: fingertip = sum_i l_i (cos phi_i, sin phi_i).
        b = m.body
        self._links = np.array([b("link1").pos[0], b("link2").pos[0], m.site("fingertip").pos[0]])
        self._base = np.array(b("link0").pos, dtype=float)
        zone = m.geom(self.zone_geom)
        zone.size[0] = self.success_radius  # the drawn zone is the success region
        self._object_geom = -1
        arm_bodies = [b("link0").id, b("link1").id, b("link2").id]
        self._arm_geoms = np.flatnonzero(np.isin(m.geom_bodyid, arm_bodies))
        self._tip_geom = m.geom("fingertip").id
        self._rows = np.arange(self.num_envs)
        self._engine: BatchEngine | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._start_backend(fresh=True)
        self._tip: np.ndarray | None = None  # fingertip() of the current state, until the next step / reset

    def _start_backend(self, fresh: bool) -> None:
        """Set up the backend after the model's edits (``fresh``) or on a copy (the engine or data came along)."""
        if self.backend == "batch":
            if fresh:
                self._engine = BatchEngine(self.model, self.num_envs, self.num_threads)
            assert self._engine is not None
            self.state = self._engine.state  # a view of the engine's state rows: no copy after a step
            self.data: Sequence[Any] = RowData(self._engine)
            self._scratch = self._mj.MjData(self.model)  # contacts of a touching row are read through it
            return
        if fresh:
            self.data = [self._mj.MjData(self.model) for _ in range(self.num_envs)]
            self.state = np.zeros((self.num_envs, self.nq + self.nv))
        self._pool = ThreadPoolExecutor(self.num_threads) if self.num_threads > 1 else None

    # -- task-specific hooks --------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Initial ``(qpos, qvel, mocap_pos)`` of one episode, drawn from ``rng``."""
        raise NotImplementedError

    def observe(self) -> np.ndarray:
        """Observations of all rows, ``(N, obs_dim)`` float64."""
        raise NotImplementedError

    def info(self) -> dict[str, np.ndarray]:
        """Info columns of all rows (fresh arrays, ``N`` rows each)."""
        raise NotImplementedError

    # -- shared machinery ------------------------------------------------------------------------------
    @property
    def qpos(self) -> np.ndarray:
        return self.state[:, : self.nq]

    @property
    def qvel(self) -> np.ndarray:
        return self.state[:, self.nq :]

    def arm_start(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Arm joints near straight (±0.1 rad) and nearly at rest, like Gymnasium's Reacher."""
        return rng.uniform(-0.1, 0.1, size=3), rng.uniform(-0.005, 0.005, size=3)

    def fingertip(self) -> np.ndarray:
        """Fingertip positions ``(N, 3)`` from the joint angles (planar forward kinematics; read-only)."""
        if self._tip is not None:
            return self._tip
        # Element-wise arithmetic only (no BLAS, no reductions): a row's result must not depend on N.
        q = self.qpos
        l0, l1, l2 = self._links
        phi0, phi1 = q[:, 0], q[:, 0] + q[:, 1]
        phi2 = phi1 + q[:, 2]
        out = np.empty((self.num_envs, 3))
        out[:, 0] = self._base[0] + (l0 * np.cos(phi0) + l1 * np.cos(phi1) + l2 * np.cos(phi2))
        out[:, 1] = self._base[1] + (l0 * np.sin(phi0) + l1 * np.sin(phi1) + l2 * np.sin(phi2))
        out[:, 2] = self._base[2]
        out.flags.writeable = False
        self._tip = out
        return out

    def arm_features(self) -> list[np.ndarray]:
        """cos and sin of the 3 joint angles and the 3 joint velocities."""
        q = self.qpos[:, :3]
        return [np.cos(q), np.sin(q), self.qvel[:, :3]]

    def check_actions(self, actions: Any, rows: int | None) -> np.ndarray:
        """Validate ``actions`` and clip (or reject) them to ``[-1, 1]``; returns ``(rows or 1, nu)``.

        ``rows=None`` expects one action of shape ``(nu,)`` (the single env), else ``(rows, nu)``.
        """
        expected = (self.nu,) if rows is None else (rows, self.nu)
        try:
            a = np.asarray(actions, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidActionError(f"expected a numeric action array of shape {expected}: {exc}") from exc
        if a.shape != expected:
            raise InvalidActionError(f"expected an action of shape {expected}, got shape {a.shape}")
        if not np.isfinite(a).all():
            raise InvalidActionError(f"actions must be finite, got {a.tolist()}")
        if not self.clip_actions and (np.abs(a) > 1.0).any():
            raise InvalidActionError(
                f"actions must lie in [-1, 1] (clip_actions=False), got {a.tolist()}; "
                "pass clip_actions=True to clip"
            )
        return np.clip(a, -1.0, 1.0).reshape(-1, self.nu)

    def reset_rows(
        self,
        rows: Sequence[int],
        rngs: Sequence[np.random.Generator],
        options: Mapping[str, Any] | None = None,
    ) -> None:
        """Start a new episode in each row of ``rows``, sampling from the matching generator.

        ``options`` may pin parts of the initial state (see :attr:`option_slots`); the random draws are made
        all the same, so the rest of the episode is unchanged.
        """
        pins = self._pins(options or {})
        self._tip = None
        mj, m = self._mj, self.model
        starts = []
        for i, rng in zip(rows, rngs):
            qpos, qvel, mocap = self.sample(rng)
            parts = {"qpos": qpos, "mocap": mocap}
            for target, where, value in pins:
                parts[target][where] = value
            self.mocap[i] = mocap
            self.action[i] = 0.0
            self.prev_action[i] = 0.0
            if self._engine is not None:
                starts.append((qpos, qvel, mocap))
                continue
            d = self.data[i]
            mj.mj_resetData(m, d)
            d.qpos[:], d.qvel[:], d.mocap_pos[0] = qpos, qvel, mocap
            mj.mj_forward(m, d)
            self._read(i)
        if self._engine is not None and starts:
            idx = np.asarray(rows, dtype=np.intp)
            qpos, qvel, mocap = (np.stack(col) for col in zip(*starts))
            self._engine.reset(idx, qpos, qvel, mocap)
            self._read_contacts(idx)

    def _pins(self, options: Mapping[str, Any]) -> list[tuple[str, slice, np.ndarray]]:
        unknown = sorted(set(options) - set(self.option_slots))
        if unknown:
            raise EnvConfigError(
                f"unknown reset option(s) {unknown}; this task takes {sorted(self.option_slots)}"
            )
        pins = []
        for key, value in options.items():
            target, where = self.option_slots[key]
            size = where.stop - where.start
            arr = np.asarray(value, dtype=np.float64).reshape(-1)
            if arr.shape != (size,) or not np.isfinite(arr).all():
                raise EnvConfigError(f"reset option {key!r} must be {size} finite numbers, got {value!r}")
            pins.append((target, where, arr))
        return pins

    def step_rows(self, rows: np.ndarray | None, actions: np.ndarray) -> None:
        """Apply ``actions`` (already checked, one per row of ``rows``; ``rows=None``: every row, in order) for
        ``frame_skip`` physics steps."""
        self._tip = None
        if rows is None:
            self.prev_action[:] = self.action
            self.action[:] = actions
        else:
            self.prev_action[rows] = self.action[rows]
            self.action[rows] = actions
        if self._engine is not None:
            self._engine.step(rows, actions, self.frame_skip)
            self._read_contacts(self._rows if rows is None else rows)
            return
        rows = self._rows if rows is None else rows
        if self._pool is not None and len(rows) >= 2 * self.num_threads:
            list(self._pool.map(self._advance, np.array_split(rows, self.num_threads)))
        else:
            self._advance(rows)

    def _advance(self, rows: np.ndarray) -> None:
        mj, m, k = self._mj, self.model, self.frame_skip
        step1, step2 = mj.mj_step1, mj.mj_step2
        for i in rows:
            d = self.data[i]
            d.ctrl[:] = self.action[i]
            for _ in range(k):
                step2(m, d)
                step1(m, d)
            self._read(i)

    def _read(self, i: int) -> None:
        d = self.data[i]
        self._mj.mj_getState(self.model, d, self.state[i], self._state_spec)
        self._contacts(i, d)

    def _read_contacts(self, rows: np.ndarray) -> None:
        """Contact flags of ``rows`` (batch backend): only rows with a contact have their ``MjData`` copied."""
        if self._object_geom < 0:
            return
        assert self._engine is not None
        self.contact[rows] = self.fingertip_contact[rows] = False
        for i in self._engine.touching(rows):
            self._contacts(i, self._engine.row_data(i, self._scratch))

    def _contacts(self, i: int, d: Any) -> None:
        n = d.ncon
        if n and self._object_geom >= 0:
            pairs = d.contact.geom[:n]
            touching = (pairs == self._object_geom).any(axis=1)
            other = pairs[touching].ravel()
            self.contact[i] = bool(np.isin(other, self._arm_geoms).any())
            self.fingertip_contact[i] = bool((other == self._tip_geom).any())
        else:
            self.contact[i] = self.fingertip_contact[i] = False

    def reward(self, info: dict[str, np.ndarray]) -> np.ndarray:
        """The env's own reward of every row, from its info columns."""
        return evaluate_terms(self.reward_terms, info)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle / deep-copy support: MuJoCo's model and data (or the batch engine's state rows) copy
        themselves; the module handle, thread pool and views are left out and rebuilt by :meth:`__setstate__`."""
        state = self.__dict__.copy()
        state["_mj"] = None
        state["_pool"] = None
        if self._engine is not None:
            for key in ("state", "data", "_scratch"):
                state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("backend", "loop")
        self.__dict__.setdefault("_engine", None)
        self._mj = load_mujoco()
        self._start_backend(fresh=False)

    def close(self) -> None:
        """Stop the thread pool (the MuJoCo structures are freed with the object)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
