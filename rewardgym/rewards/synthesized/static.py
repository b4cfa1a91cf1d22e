"""Static checks on LLM-written reward code, before it is ever run (and it only ever runs in the sandbox).

A candidate must be a small module that defines ``compute_reward(obs, action, next_obs, info)``. The checks:

- it parses, is at most ``max_chars`` long, and defines that function with exactly four positional
  parameters (no ``*args``/``**kwargs``);
- the top level holds only imports, function definitions, constant assignments and a docstring (nothing
  runs at import time);
- **imports**: only ``math`` and ``torch`` (configurable);
- **names**: builtins only from a small allow-list (no ``open``, ``exec``, ``eval``, ``compile``,
  ``__import__``, ``getattr``, ``globals``, ``type``...);
- **attributes**: nothing starting with ``_`` (no dunder walks such as ``().__class__``), no ``format`` /
  ``format_map`` (format strings can reach attributes), ``torch.<x>`` only from a list of numeric
  functions (no ``torch.load``, ``torch.save``, ``torch.hub``, ``torch.utils``, ``torch.os``...), and no
  method known to touch memory, files or devices (``storage``, ``data_ptr``, ``tofile``...);
- **statements**: no ``class``, ``global``/``nonlocal``, ``with``, ``async``, ``yield``;
- **module names** (``torch``, ``math``, their ``as`` aliases, ``torch.linalg``) only ever as
  ``module.<function>``: never bare, assigned, passed, returned or rebound, so ``t = torch; t.os...``,
  ``f(torch)``, ``[torch][0].load`` or ``la = torch.linalg`` cannot hide an attribute from the checks above.

The checker also records which batch columns the code reads, so only those are sent to the sandbox.

Example:
    >>> report = check_reward_source('''
    ... import math
    ... def compute_reward(obs, action, next_obs, info):
    ...     d = info["distance"]
    ...     return [-x for x in d], {"distance": [-x for x in d]}
    ... ''')
    >>> report.ok, sorted(report.info_keys), sorted(report.columns)
    (True, ['distance'], [])
    >>> check_reward_source("import os\\ndef compute_reward(a, b, c, d): return os.system('x')").errors[0]
    "line 1: import of 'os' is not allowed (allowed: math, torch)"
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["ALLOWED_BUILTINS", "ALLOWED_TORCH", "FUNCTION_NAME", "StaticReport", "check_reward_source"]

FUNCTION_NAME = "compute_reward"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


COLUMNS = ("obs", "action", "next_obs", "info")

ALLOWED_BUILTINS: frozenset[str] = _words(
    "Exception False None True ValueError ZeroDivisionError abs all any bool dict enumerate filter float "
    "int isinstance len list map max min pow print range reversed round set sorted str sum tuple zip"
)
"""Builtins a candidate may use (every other builtin name is rejected)."""

ALLOWED_TORCH: frozenset[str] = _words(
    "Tensor abs all any arange as_tensor atan2 bool cat cdist ceil clamp clip cos cumsum dot e exp exp2 "
    "float float32 float64 floor full full_like inf int32 int64 isfinite isnan linalg linspace log log1p "
    "logical_and logical_not logical_or long matmul max maximum mean min minimum nan nan_to_num "
    "norm ones ones_like pi pow prod relu round sigmoid sign sin softmax sqrt square stack std sum tanh "
    "tensor vector_norm where zeros zeros_like"
)
"""``torch.<name>`` attributes a candidate may use (numeric functions and dtypes only)."""

_FORBIDDEN_ATTRS = _words(
    "cr_frame cuda data_ptr environ f_back f_globals f_locals format format_map from_file fromfile "
    "gi_frame load modules mro numpy_ pin_memory popen register_hook save share_memory_ storage "
    "subclasses system tb_frame to_dlpack tofile untyped_storage"
)
_FORBIDDEN_NODES: dict[type, str] = {
    ast.ClassDef: "class definitions",
    ast.Global: "global statements",
    ast.Nonlocal: "nonlocal statements",
    ast.With: "with statements",
    ast.AsyncWith: "async code",
    ast.AsyncFor: "async code",
    ast.AsyncFunctionDef: "async code",
    ast.Await: "async code",
    ast.Yield: "generators (yield)",
    ast.YieldFrom: "generators (yield)",
}
_BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass
class StaticReport:
    """The outcome of :func:`check_reward_source`.

    Attributes:
        ok: no errors.
        errors: human-readable problems, each with its line number (fed back to the LLM).
        columns: which of ``obs``, ``action``, ``next_obs`` the code reads.
        info_keys: the ``info`` keys it reads, or None when it uses ``info`` in a way that needs every key.
        uses_torch: it imports torch.
    """

    ok: bool
    errors: list[str] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)
    info_keys: set[str] | None = field(default_factory=set)
    uses_torch: bool = False


def _line(node: ast.AST) -> str:
    return f"line {getattr(node, 'lineno', '?')}"


def check_reward_source(
    source: str,
    *,
    allowed_imports: Iterable[str] = ("math", "torch"),
    max_chars: int = 20_000,
) -> StaticReport:
    """Check ``source`` (see the module docstring); never executes it."""
    allowed = frozenset(allowed_imports)
    if not isinstance(source, str) or not source.strip():
        return StaticReport(False, ["the code is empty"])
    if len(source) > max_chars:
        return StaticReport(False, [f"the code is {len(source)} characters long; the limit is {max_chars}"])
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return StaticReport(False, [f"line {exc.lineno}: syntax error: {exc.msg}"])
    errors: list[str] = []
    torch_aliases: set[str] = set()
    report = StaticReport(True)
    errors += _module_name_errors(tree)

    node: ast.AST
    for node in tree.body:  # the module top level
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # docstring
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and _is_constant(node.value):
            continue
        errors.append(f"{_line(node)}: only imports, functions and constants may appear at the top level")

    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == FUNCTION_NAME]
    if not functions:
        errors.append(f"no top-level function `{FUNCTION_NAME}(obs, action, next_obs, info)` is defined")
    else:
        args = functions[-1].args
        if args.vararg or args.kwarg or args.kwonlyargs or len(args.posonlyargs) + len(args.args) != 4:
            errors.append(
                f"{_line(functions[-1])}: `{FUNCTION_NAME}` must take exactly four positional parameters "
                "(obs, action, next_obs, info)"
            )

    for node in ast.walk(tree):
        kind = _FORBIDDEN_NODES.get(type(node))
        if kind:
            errors.append(f"{_line(node)}: {kind} are not allowed")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                if root not in allowed or alias.name != root:
                    errors.append(
                        f"{_line(node)}: import of {alias.name!r} is not allowed (allowed: "
                        f"{', '.join(sorted(allowed))})"
                    )
                elif root == "torch":
                    torch_aliases.add(alias.asname or root)
                    report.uses_torch = True
        elif isinstance(node, ast.ImportFrom):
            if node.module not in allowed or node.level:
                errors.append(
                    f"{_line(node)}: import from {node.module!r} is not allowed (allowed: {', '.join(sorted(allowed))})"
                )
            elif node.module == "torch":
                report.uses_torch = True
                bad = [a.name for a in node.names if a.name not in ALLOWED_TORCH]
                if bad:
                    errors.append(f"{_line(node)}: torch.{bad[0]} is not allowed")
            elif any(a.name == "*" or a.name.startswith("_") for a in node.names):
                errors.append(f"{_line(node)}: `from {node.module} import *` and private names are not allowed")
        elif isinstance(node, ast.Name):
            if node.id.startswith("__") or (node.id in _BUILTIN_NAMES and node.id not in ALLOWED_BUILTINS):
                errors.append(f"{_line(node)}: the name {node.id!r} is not allowed")
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                errors.append(f"{_line(node)}: access to the private attribute {node.attr!r} is not allowed")
            elif node.attr in _FORBIDDEN_ATTRS:
                errors.append(f"{_line(node)}: the attribute {node.attr!r} is not allowed")
            elif _torch_root(node, torch_aliases) and node.attr not in ALLOWED_TORCH:
                errors.append(f"{_line(node)}: torch.{node.attr} is not allowed (numeric functions only)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "__" in node.value:
            errors.append(f"{_line(node)}: strings containing '__' are not allowed")

    if functions and not errors:
        _record_columns(functions[-1], report)
    report.errors = sorted(errors, key=_line_number)
    report.ok = not errors
    return report


def _module_name_errors(tree: ast.Module) -> list[str]:
    """Module names may appear only as ``module.<attribute>`` (an alias would escape the attribute checks)."""
    modules: set[str] = set()
    linalg: set[str] = set()  # names bound to torch.linalg by `from torch import linalg`
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "torch":
            linalg.update(a.asname or a.name for a in node.names if a.name == "linalg")
    if not modules and not linalg:
        return []
    parents: dict[ast.AST, ast.AST] = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent

    def as_attribute_base(node: ast.AST) -> bool:
        parent = parents.get(node)
        return isinstance(parent, ast.Attribute) and parent.value is node

    errors = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in modules | linalg:
            if not (isinstance(node.ctx, ast.Load) and as_attribute_base(node)):
                errors.append(
                    f"{_line(node)}: the module name {node.id!r} may only be used as {node.id}.<function> "
                    "(no aliases, no passing or rebinding it)"
                )
            elif node.id in linalg and parents[node].attr not in ALLOWED_TORCH:  # type: ignore[attr-defined]
                errors.append(f"{_line(node)}: torch.linalg.{parents[node].attr} is not allowed")  # type: ignore[attr-defined]
        elif isinstance(node, ast.arg) and node.arg in modules | linalg:
            errors.append(f"{_line(node)}: a parameter may not reuse the module name {node.arg!r}")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "linalg"
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and not as_attribute_base(node)
        ):
            name = node.value.id
            errors.append(f"{_line(node)}: {name}.linalg may only be used as {name}.linalg.<function>")
    return errors


def _line_number(message: str) -> int:
    head = message.split(":", 1)[0]
    return int(head[5:]) if head.startswith("line ") and head[5:].isdigit() else 0


def _is_constant(node: ast.AST | None) -> bool:
    if node is None:
        return True
    return all(
        isinstance(
            n,
            (
                ast.Constant,
                ast.Tuple,
                ast.List,
                ast.Dict,
                ast.Set,
                ast.UnaryOp,
                ast.BinOp,
                ast.Load,
                ast.USub,
                ast.UAdd,
                ast.operator,
            ),
        )
        for n in ast.walk(node)
    )


def _torch_root(node: ast.Attribute, aliases: set[str]) -> bool:
    """True when ``node`` is ``torch.<attr>`` (or ``torch.linalg.<attr>``) for an imported torch alias."""
    value = node.value
    if isinstance(value, ast.Attribute) and value.attr == "linalg":
        value = value.value
    return isinstance(value, ast.Name) and value.id in aliases


def _record_columns(fn: ast.FunctionDef, report: StaticReport) -> None:
    params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
    by_param = dict(zip(params, COLUMNS))
    keys: set[str] | None = set()
    parents: dict[ast.AST, ast.AST] = {}
    parent: ast.AST | None
    for parent in ast.walk(fn):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent
    for node in ast.walk(fn):
        if not isinstance(node, ast.Name) or node.id not in by_param or isinstance(node.ctx, ast.Store):
            continue
        column = by_param[node.id]
        if column != "info":
            report.columns.add(column)
            continue
        parent = parents.get(node)
        key = None
        if isinstance(parent, ast.Subscript) and parent.value is node:
            key = parent.slice
        elif isinstance(parent, ast.Attribute) and parent.attr == "get":
            call = parents.get(parent)
            if isinstance(call, ast.Call) and call.args:
                key = call.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and keys is not None:
            keys.add(key.value)
        else:
            keys = None  # info used dynamically: send every key
    report.info_keys = keys
