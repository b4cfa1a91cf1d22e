"""The package's shape: no import cycles, nothing imported from baselines/, families stay in their folders."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "rewardgym"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PKG.rglob("*.py")) if "csrc" not in p.parts}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, *, top_level_only: bool) -> Iterator[str]:
    """Modules imported by ``path`` (relative imports resolved; ``from X import Y`` is ``X.Y`` if that is a module)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def walk(nodes: list[ast.stmt]) -> Iterator[ast.stmt]:
        for node in nodes:
            if isinstance(node, ast.If) and _is_type_checking(node):
                continue
            yield node
            if isinstance(node, (ast.If, ast.Try)):
                for block in (node.body, node.orelse, *(h.body for h in getattr(node, "handlers", []))):
                    yield from walk(block)

    nodes = walk(tree.body) if top_level_only else (n for n in ast.walk(tree) if isinstance(n, ast.stmt))
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield full if full in MODULES else base


def _graph() -> dict[str, set[str]]:
    return {m: {i for i in _imports(p, top_level_only=True) if i in MODULES and i != m} for m, p in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_inside_the_package() -> None:
    assert len(MODULES) > 100
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_package_never_imports_from_baselines() -> None:
    offenders = {m for m, p in MODULES.items() for i in _imports(p, top_level_only=False)
                 if i == "baselines" or i.startswith("baselines.")}
    assert offenders == set()
    loaders = {m for m, p in MODULES.items() if "spec_from_file_location" in p.read_text(encoding="utf-8")}
    assert loaders == {"rewardgym.training.loader"}  # the one loader of the baseline scripts


FAMILIES = sorted(p.parent.name for p in (PKG / "envs").glob("*/__init__.py"))


@pytest.mark.parametrize("family", FAMILIES)
def test_no_family_imports_the_top_level_cli(family: str) -> None:
    prefix = f"rewardgym.envs.{family}"
    offenders = {m for m, p in MODULES.items() if m.startswith(prefix)
                 for i in _imports(p, top_level_only=False) if i == "rewardgym.cli" or i.startswith("rewardgym.cli.")}
    assert offenders == set()


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_declares_itself_in_its_folder(family: str) -> None:
    assert (PKG / "envs" / family / "family.py").is_file()


def test_nothing_outside_the_families_lists_them() -> None:
    """The central places that used to list families by hand now read the declarations."""
    central = ["envs/__init__.py", "rewards/builtin.py", "cli.py", "rewards/synthesized/envspec.py",
               "reproduce/experiments.py", "family.py", "testing/env_checker.py"]
    for rel in central:
        text = (PKG / rel).read_text(encoding="utf-8")
        for family in FAMILIES:
            assert f"rewardgym.envs.{family}" not in text, (rel, family)
