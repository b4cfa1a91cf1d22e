"""The grader harness: runs a test module's ``check(candidate)`` against an untrusted solution.

Runs inside the sandbox as ``python3 -I -S harness.py SOLUTION SPEC``; standard library only. The host also
imports it for :func:`plan_tests` (so host and sandbox agree on what the tests are).

Why the verdict cannot be forged by the solution:

- The solution runs in a *child* process. The tests run in this (parent) process, which never executes
  solution code: each call of ``candidate(...)`` (or of another function the tests take from the solution)
  is sent to the child, and only plain values come back, decoded by an unpickler that accepts builtin
  value types and nothing else. Comparisons, ``assert`` and builtins are the parent's own, untouched.
- The parent opens and unlinks the spec (tests, nonce) *before* the child exists and reads it only *after*
  the fork, so neither the file nor its contents ever exist where or when the solution could read them.
- The parent is made non-dumpable, so the child (same uid) cannot ptrace it or open ``/proc/PPID/{mem,fd}``.
- Results go to the parent's stdout, which the child never holds (its stdout and stderr both go to the
  harness's stderr), one line per test, tagged with a per-run random nonce that the host checks. A test
  passes only if its own line says so; a missing line is a failure.
- Helper functions the tests use that the task's prompt defines (``poly``, ``encode_cyclic``...) come from
  the trusted prompt, never from the solution; solution names never shadow builtins or test names, and the
  entry point itself can never be a builtin or a helper the tests or the prompt define.
- Whatever the solution raises reaches the tests as an ordinary ``Exception``: exceptions that trusted test
  code treats as control flow (``StopIteration`` ending a ``map``/``zip``/``for`` loop early, ``GeneratorExit``,
  ``KeyboardInterrupt``, ``SystemExit``...) become a :class:`SolutionError`, so they fail the test instead
  of cutting it short. Signals the solution sends this process (``SIGINT``...) are ignored.
"""

from __future__ import annotations

import ast
import builtins
import collections
import contextlib
import ctypes
import decimal
import fractions
import json
import os
import pickle
import select
import signal
import socket
import struct
import sys
import time
import types
from typing import ClassVar

PR_SET_DUMPABLE = 4
MAX_MESSAGE = 32 << 20
_HEADER = struct.Struct("!I")
_SETUP_NODES = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.Pass,
)
_FORBIDDEN_AT_TOP = (ast.Return, ast.Yield, ast.YieldFrom, ast.Global, ast.Nonlocal, ast.Await)


# ------------------------------------------------------------------------------------------ test planning


class TestSpecError(ValueError):
    """The test module cannot be graded (no ``check`` function, syntax error...)."""


def _bound_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            args = node.args if not isinstance(node, ast.ClassDef) else None
            if args is not None:
                for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
                    if a is not None:
                        names.add(a.arg)
        elif isinstance(node, ast.Lambda):
            for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
                names.add(a.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _loaded_names(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _is_stub(node: ast.AST) -> bool:
    """A prompt's stub of the function under test: only a docstring, ``pass``, ``...`` or imports."""
    stub_parts = (ast.Pass, ast.Import, ast.ImportFrom)
    body = getattr(node, "body", [])
    return all(
        isinstance(s, stub_parts) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)) for s in body
    )


def _check_entry_point(entry_point: str, tests: ast.Module, prelude: ast.Module) -> None:
    """The function under test must be the solution's: never a builtin, a test name or a prompt helper."""
    if not entry_point:
        return
    if not entry_point.isidentifier():
        raise TestSpecError(f"the entry point {entry_point!r} is not a Python identifier")
    if entry_point in dir(builtins) or entry_point in ("check", "candidate"):
        raise TestSpecError(
            f"the entry point {entry_point!r} is a builtin or a name the harness uses; it must be the "
            "solution's own function"
        )
    if entry_point in _bound_names(tests):
        raise TestSpecError(f"the entry point {entry_point!r} is defined by the tests themselves")
    for node in ast.walk(prelude):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point:
            if not _is_stub(node) and node in prelude.body:
                raise TestSpecError(f"the entry point {entry_point!r} is a helper the prompt implements")
        elif (
            isinstance(node, (ast.ClassDef, ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign))
            and entry_point in _bound_names(node)
            and node in prelude.body
        ):
            raise TestSpecError(f"the entry point {entry_point!r} is a name the prompt defines")


def plan_tests(source: str, prelude: str = "", entry_point: str = "") -> dict:
    """Split ``check(candidate)`` in ``source`` into setup steps and tests.

    Each top-level statement of ``check``'s body is one step. A step is a *test* when it is not a plain
    definition/assignment and it uses the solution: ``candidate``, a name nothing in the tests or the
    prelude defines (so it must come from the solution), or something derived from those. Everything else
    is setup. With no such step (or a body that cannot be split), ``check(candidate)`` is one test.

    Returns:
        ``{"mode": "split"|"whole", "tests": [first line of each test], "kinds": ["setup"|"test", ...],
        "free": sorted names the tests expect from the solution}``.

    Raises:
        TestSpecError: the source does not parse or defines no ``check`` function.
    """
    try:
        tree = ast.parse(source)
        pre = ast.parse(prelude) if prelude else ast.Module(body=[], type_ignores=[])
    except SyntaxError as exc:
        raise TestSpecError(f"test code does not parse: {exc}") from exc
    checks = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"]
    if not checks:
        raise TestSpecError("test code must define a function check(candidate)")
    check = checks[-1]
    _check_entry_point(entry_point, tree, pre)
    defined = (_bound_names(tree) | _bound_names(pre) | set(dir(builtins))) - {entry_point}
    free = sorted((_loaded_names(tree) - defined) | {"candidate"})
    lines = source.splitlines()
    derived = set(free)
    kinds, labels = [], []
    splittable = True
    for stmt in check.body:
        top = [stmt] if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else []
        for node in (n for s in top for n in ast.walk(s)):
            if isinstance(node, _FORBIDDEN_AT_TOP):
                splittable = False
        uses = bool(_loaded_names(stmt) & derived)
        if isinstance(stmt, _SETUP_NODES) or (isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant)):
            if uses:
                derived |= _bound_names(stmt)
            kinds.append("setup")
        else:
            kinds.append("test" if uses else "setup")
            if uses:
                labels.append(lines[stmt.lineno - 1].strip()[:200] if stmt.lineno <= len(lines) else "")
    if not splittable or not labels:
        return {"mode": "whole", "tests": ["check(candidate)"], "kinds": [], "free": free}
    return {"mode": "split", "tests": labels, "kinds": kinds, "free": free}


# ------------------------------------------------------------------------------------------------ wire


def send_msg(sock: socket.socket, obj: object) -> None:
    data = pickle.dumps(obj, protocol=4)
    sock.sendall(_HEADER.pack(len(data)) + data)


def recv_exact(sock: socket.socket, n: int, deadline: float) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the solution did not answer in time")
        ready, _, _ = select.select([sock], [], [], None if remaining == float("inf") else remaining)
        if ready:
            chunk = sock.recv(min(n - len(buf), 1 << 20))
            if not chunk:
                raise EOFError("the solution process exited")
            buf += chunk
    return bytes(buf)


class _ValuesOnly(pickle.Unpickler):
    """Accepts plain values (builtin containers, numbers, strings...) and a few stdlib value types only."""

    ALLOWED = {
        ("builtins", n)
        for n in (
            "complex",
            "set",
            "frozenset",
            "bytearray",
            "range",
            "slice",
            "int",
            "float",
            "str",
            "bool",
            "list",
            "tuple",
            "dict",
            "bytes",
        )
    } | {
        ("collections", "OrderedDict"),
        ("collections", "defaultdict"),
        ("collections", "Counter"),
        ("collections", "deque"),
        ("decimal", "Decimal"),
        ("fractions", "Fraction"),
    }
    MODULES: ClassVar[dict[str, types.ModuleType]] = {
        "builtins": builtins,
        "collections": collections,
        "decimal": decimal,
        "fractions": fractions,
    }

    def find_class(self, module: str, name: str) -> object:
        if (module, name) in self.ALLOWED:
            return getattr(self.MODULES[module], name)
        raise pickle.UnpicklingError(f"the solution returned a {module}.{name}, which is not a plain value")


def recv_values(sock: socket.socket, deadline: float) -> object:
    (size,) = _HEADER.unpack(recv_exact(sock, _HEADER.size, deadline))
    if size > MAX_MESSAGE:
        raise ValueError(f"the solution sent {size} bytes (limit {MAX_MESSAGE})")
    import io

    return _ValuesOnly(io.BytesIO(recv_exact(sock, size, deadline))).load()


# ------------------------------------------------------------------------------------ the solution side


def child_main(sock: socket.socket, source: bytes, path: str) -> None:
    """Load the solution and answer calls until the parent hangs up. Runs untrusted code; never returns."""
    module = types.ModuleType("solution")
    module.__file__ = path
    sys.modules["solution"] = module
    sys.argv = [path]
    try:
        exec(compile(source, path, "exec", dont_inherit=True), module.__dict__)
    except BaseException as exc:
        send_msg(sock, ("load_error", f"{type(exc).__name__}: {exc}"[:500]))
        os._exit(1)
    names = [k for k, v in list(module.__dict__.items()) if callable(v) and isinstance(k, str)]
    send_msg(sock, ("ready", names))
    far = float("inf")
    while True:
        try:
            (size,) = _HEADER.unpack(recv_exact(sock, _HEADER.size, far))
            seq, name, args, kwargs = pickle.loads(recv_exact(sock, size, far))
        except (EOFError, OSError):
            os._exit(0)
        try:
            value = module.__dict__[name](*args, **kwargs)
            reply: tuple = ("ok", seq, value)
            data = pickle.dumps(reply, protocol=4)
        except BaseException as exc:
            data = pickle.dumps(("err", seq, type(exc).__name__, str(exc)[:500]), protocol=4)
        sock.sendall(_HEADER.pack(len(data)) + data)


# -------------------------------------------------------------------------------------- the grader side


class SolutionError(Exception):
    """The solution raised, returned something that is not a plain value, or is gone."""


# exceptions that trusted test code may take as a signal (end of iteration, a check that failed): raised by
# the solution they would end a test early instead of failing it, so they reach the tests as SolutionError
CONTROL_FLOW: tuple[type[BaseException], ...] = (StopIteration, StopAsyncIteration, AssertionError)
# signals the solution (same uid) could send the grader to interrupt a test (KeyboardInterrupt...)
IGNORED_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM", "SIGPROF")


class _Remote:
    """Stands for one function of the solution: calls it in the child process and returns plain values."""

    def __init__(self, conn: _Connection, name: str) -> None:
        self._conn, self._name = conn, name
        self.__name__ = name

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._conn.call(self._name, args, kwargs)

    def __repr__(self) -> str:
        return f"<solution function {self._name}>"


class _Connection:
    def __init__(self, sock: socket.socket, pid: int) -> None:
        self.sock, self.pid = sock, pid
        self.seq = 0
        self.deadline = float("inf")
        self.dead: str | None = None
        self.names: set[str] = set()

    def kill(self, why: str) -> None:
        if self.dead is None:
            self.dead = why
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def handshake(self) -> None:
        try:
            msg = recv_values(self.sock, self.deadline)
        except TimeoutError:
            return self.kill("the solution did not finish loading in time")
        except Exception as exc:
            return self.kill(f"the solution failed to load ({type(exc).__name__}: {exc})")
        if isinstance(msg, tuple) and len(msg) == 2 and msg[0] == "ready" and isinstance(msg[1], list):
            self.names = {n for n in msg[1] if isinstance(n, str) and n.isidentifier()}
        elif isinstance(msg, tuple) and len(msg) == 2 and msg[0] == "load_error":
            self.kill(f"the solution failed to load: {str(msg[1])[:300]}")
        else:
            self.kill("the solution sent an unexpected greeting")
        return None

    def call(self, name: str, args: tuple, kwargs: dict) -> object:
        if self.dead is not None:
            raise SolutionError(self.dead)
        if name not in self.names:
            raise NameError(f"the solution does not define {name!r}")
        self.seq += 1
        try:
            send_msg(self.sock, (self.seq, name, args, kwargs))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise SolutionError(f"cannot pass these arguments to the solution: {exc}") from exc
        except OSError as exc:
            self.kill(f"the solution process is gone ({exc})")
            raise SolutionError(self.dead) from exc
        try:
            reply = recv_values(self.sock, self.deadline)
        except TimeoutError as exc:
            self.kill("timed out")
            raise SolutionError("timed out") from exc
        except EOFError as exc:
            self.kill("the solution process exited")
            raise SolutionError(self.dead) from exc
        except Exception as exc:
            raise SolutionError(f"bad reply from the solution: {exc}") from exc
        if not (isinstance(reply, tuple) and len(reply) >= 3 and reply[1] == self.seq):
            self.kill("the solution broke the call protocol")
            raise SolutionError(self.dead)
        if reply[0] == "ok" and len(reply) == 3:
            return reply[2]
        if reply[0] == "err" and len(reply) == 4:
            kind, message = str(reply[2]), str(reply[3])
            exc_type = getattr(builtins, kind, None)
            if (
                isinstance(exc_type, type)
                and issubclass(exc_type, Exception)
                and not issubclass(exc_type, CONTROL_FLOW)
            ):
                raise exc_type(message)
            raise SolutionError(f"{kind}: {message}")
        self.kill("the solution broke the call protocol")
        raise SolutionError(self.dead)


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return " ".join(text.split())[:200]


def run_tests(spec: dict, plan: dict, conn: _Connection, emit: object) -> None:
    """Execute the planned steps; ``emit(index, passed, reason)`` per test."""
    entry = spec.get("entry_point") or ""
    ns: dict = {"__name__": "__grader__", "__builtins__": builtins}
    if spec.get("prelude"):
        exec(compile(spec["prelude"], "<prompt>", "exec"), ns)
        ns.pop(entry, None)  # the prompt's stub of the function under test is not trusted to stand in
    exec(compile(spec["tests"], "<tests>", "exec"), ns)
    for name in plan["free"]:
        if name == "candidate":
            ns[name] = _Remote(conn, entry)
        elif name not in ns:
            ns[name] = _Remote(conn, name)
    emit_fn = emit  # type: ignore[assignment]
    per_test = float(spec["test_timeout"])
    overall = float(spec["deadline"])
    if plan["mode"] == "whole":
        conn.deadline = min(time.monotonic() + per_test, overall)
        try:
            ns["check"](ns["candidate"])
            emit_fn(0, True, "ok")
        except BaseException as exc:
            emit_fn(0, False, _describe(exc))
        return
    tree = ast.parse(spec["tests"])
    check = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"][-1]
    index = 0
    broken: str | None = None
    for stmt, kind in zip(check.body, plan["kinds"]):
        code = compile(ast.Module(body=[stmt], type_ignores=[]), "<tests>", "exec")
        conn.deadline = min(time.monotonic() + per_test, overall)
        if kind == "setup":
            if broken is None:
                try:
                    exec(code, ns)
                except BaseException as exc:
                    broken = f"setup failed: {_describe(exc)}"
            continue
        if broken is not None:
            emit_fn(index, False, broken)
        else:
            try:
                exec(code, ns)
                emit_fn(index, True, "ok")
            except BaseException as exc:
                emit_fn(index, False, _describe(exc))
        index += 1


def _set_nondumpable() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    ul = ctypes.c_ulong
    if libc.prctl(ctypes.c_int(PR_SET_DUMPABLE), ul(0), ul(0), ul(0), ul(0)) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def main(argv: list[str]) -> int:
    solution_path, spec_path = argv[1], argv[2]
    spec_fd = os.open(spec_path, os.O_RDONLY | os.O_CLOEXEC)
    os.unlink(spec_path)
    with open(solution_path, "rb") as fh:
        source = fh.read()
    _set_nondumpable()
    for name in IGNORED_SIGNALS:
        with contextlib.suppress(AttributeError, OSError, ValueError):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    started = time.monotonic()
    parent_sock, child_sock = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        try:
            for name in IGNORED_SIGNALS:  # the solution gets the usual dispositions back
                with contextlib.suppress(AttributeError, OSError, ValueError):
                    handler = signal.default_int_handler if name == "SIGINT" else signal.SIG_DFL
                    signal.signal(getattr(signal, name), handler)
            os.close(spec_fd)
            parent_sock.close()
            os.dup2(2, 1)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            keep = child_sock.fileno()
            os.closerange(3, keep)
            os.closerange(keep + 1, 1 << 16)
            child_main(child_sock, source, solution_path)
        finally:
            os._exit(1)
    child_sock.close()
    chunks = []
    while chunk := os.read(spec_fd, 1 << 20):
        chunks.append(chunk)
    os.close(spec_fd)
    spec = json.loads(b"".join(chunks))
    nonce = spec["nonce"]
    spec["deadline"] = started + float(spec["budget"])

    def emit(index: int, passed: bool, reason: str) -> None:
        os.write(1, f"{nonce} {index} {int(passed)} {' '.join(reason.split())[:200]}\n".encode())

    plan = plan_tests(spec["tests"], spec.get("prelude", ""), spec.get("entry_point") or "")
    os.write(1, f"{nonce} BEGIN {len(plan['tests'])}\n".encode())
    conn = _Connection(parent_sock, pid)
    conn.deadline = min(started + float(spec["test_timeout"]), spec["deadline"])
    conn.handshake()
    run_tests(spec, plan, conn, emit)
    os.write(1, f"{nonce} END {len(plan['tests'])}\n".encode())
    conn.kill("finished")
    os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
