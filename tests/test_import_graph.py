"""Imports go one way, and nothing imports in a circle.

Every module of backend/, adapters/ and aurora/ is parsed (not imported), with the imports made
inside functions too: a deferred import still ties the two modules together. Cycles are looked
for among backend's modules, among backend's packages (`backend.services`, `backend.store`, ...)
and among aurora/state's modules; the ones not untied yet are listed in `KNOWN_CYCLES`, so a
new one fails here, and so does one that grows.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("backend", "adapters", "aurora")

Graph = dict[str, set[str]]

KNOWN_CYCLES: tuple[frozenset[str], ...] = ()

# (importer, what it must not import, why)
RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("aurora", ("backend", "adapters"), "the UI reaches the backend over HTTP only"),
    ("adapters", ("backend", "aurora"), "adapters import nothing of ours"),
    ("backend.query", ("backend.routes", "backend.services"), "the compiler is pure"),
    ("backend.security", ("backend.http_errors",), "it raises; the API layer renders"),
    ("backend.services", ("backend.http_errors",), "they raise; the API layer renders"),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _our_modules() -> dict[str, Path]:
    return {
        _module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }


def _imported_names(name: str, path: Path) -> set[str]:
    """What the file names in its imports: `from a import b` gives `a.b` (maybe a module)."""
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module a dotted name lives in: itself, or the nearest enclosing one of ours."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name if name in modules else None


def build_graph() -> Graph:
    modules = _our_modules()
    graph: Graph = {}
    for name, path in modules.items():
        targets = {_resolve(n, modules) for n in _imported_names(name, path)}
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def collapse(graph: Graph, key: Callable[[str], str | None]) -> Graph:
    """The graph between groups of modules (`key` None leaves a module out)."""
    out: Graph = {}
    for name, targets in graph.items():
        group = key(name)
        if group is not None:
            groups = {key(target) for target in targets} - {None, group}
            out.setdefault(group, set()).update(g for g in groups if g is not None)
    return out


def _reach(graph: Graph, start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def cycles(graph: Graph) -> set[frozenset[str]]:
    """The strongly connected parts with more than one member: modules importing in a circle."""
    reach = {name: _reach(graph, name) for name in graph}
    return {
        frozenset({name} | {o for o in reach[name] if name in reach.get(o, ())})
        for name in graph
        if name in reach[name]
    }


def _within(prefix: str) -> Callable[[str], str | None]:
    return lambda name: name if name == prefix or name.startswith(prefix + ".") else None


def _backend_package(name: str) -> str | None:
    # all_models imports every model module so that Alembic sees them: a registry, not a use.
    if not name.startswith("backend.") or name == "backend.store.all_models":
        return None
    return ".".join(name.split(".")[:2])


GRAPH = build_graph()
SCOPES = {
    "backend modules": collapse(GRAPH, _within("backend")),
    "backend packages": collapse(GRAPH, _backend_package),
    "aurora/state modules": collapse(GRAPH, _within("aurora.state")),
}


def _unknown(found: Iterable[frozenset[str]]) -> list[list[str]]:
    return [sorted(c) for c in found if not any(c <= known for known in KNOWN_CYCLES)]


@pytest.mark.parametrize("scope", SCOPES)
def test_no_import_cycle_beyond_the_known_ones(scope: str) -> None:
    assert _unknown(cycles(SCOPES[scope])) == [], f"new import cycle among {scope}"


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize(("importer", "forbidden", "why"), RULES)
def test_imports_go_one_way(importer: str, forbidden: tuple[str, ...], why: str) -> None:
    wrong = sorted(
        f"{name} -> {target}"
        for name, targets in GRAPH.items()
        if _under(name, importer)
        for target in targets
        if any(_under(target, f) for f in forbidden)
    )
    assert wrong == [], why


def test_the_checks_see_a_cycle_and_imports_made_inside_functions() -> None:
    assert "backend.store.engine" in GRAPH["backend.store.migrate"]  # imported at the top
    assert "backend.catalog.warehouse" in GRAPH["backend.wiring"]  # imported in a function
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {frozenset("abc")}
    assert _unknown([frozenset({"backend.store.engine", "backend.store.migrate"})])
