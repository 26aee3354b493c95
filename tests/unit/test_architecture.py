"""The tree is the architecture: layers import downwards only, and nothing imports in a circle.

Read from the source with `ast` (nothing is imported), so the rules hold for every
module, including ones no test happens to load. Imports under `if TYPE_CHECKING:` are
type annotations only and are left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "anymail"
MAX_MODULE_LINES = 400

#: Layer -> packages (under anymail.) that it must never import at run time.
FORBIDDEN = {
    "anymail.sending": ("anymail.mailtrap", "anymail.backends", "anymail.webhooks"),
    "anymail.mailtrap": ("anymail.backends", "anymail.webhooks"),
    # the outbox drain gets its backend from Django's settings, never by import
    "anymail.queue": ("anymail.backends", "anymail.webhooks"),
    # the message log hears of sends, drains and webhook calls through signals only
    "anymail.mail_log": ("anymail.backends", "anymail.webhooks"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every node outside `if TYPE_CHECKING:` blocks, and whether it is inside a function."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield other, in_function
                yield from _runtime_nodes(other, in_function)
            continue
        nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
        yield child, in_function
        yield from _runtime_nodes(child, nested)


def imported_modules(name: str, path: Path, known: set[str]) -> Iterator[tuple[str, bool]]:
    """(anymail module imported, whether the import sits inside a function)."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(), filename=str(path))
    for node, in_function in _runtime_nodes(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                root = ".".join([*base, node.module] if node.module else base)
            else:
                root = node.module or ""
            targets = [f"{root}.{alias.name}" for alias in node.names] + [root]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith("anymail") and target != name:
                yield target, in_function


def import_graph() -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    modules = all_modules()
    known = set(modules)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    hidden: list[tuple[str, str]] = []
    for name, path in modules.items():
        for target, in_function in imported_modules(name, path, known):
            graph[name].add(target)
            if in_function and name != "anymail.apps":  # AppConfig.ready() is Django's way
                hidden.append((name, target))
    return graph, hidden


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            # A package's __init__ importing its own submodules is not a cycle through it
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_no_import_cycles() -> None:
    graph, _hidden = import_graph()
    assert find_cycle(graph) is None


def test_no_imports_hidden_inside_functions() -> None:
    _graph, hidden = import_graph()
    assert hidden == []


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_downwards_only(layer: str) -> None:
    graph, _hidden = import_graph()
    upward = sorted(
        (module, target)
        for module, targets in graph.items()
        if module == layer or module.startswith(layer + ".")
        for target in targets
        if target.startswith(FORBIDDEN[layer])
    )
    assert upward == []


def test_modules_stay_small() -> None:
    sizes = {name: len(path.read_text().splitlines()) for name, path in all_modules().items()}
    assert {name: size for name, size in sizes.items() if size > MAX_MODULE_LINES} == {}


def test_the_cycle_finder_finds_cycles() -> None:
    # The check above must be able to fail
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_import_reader_sees_relative_and_hidden_imports(tmp_path: Path) -> None:
    module = tmp_path / "mod.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "from ..sending import engine\n"
        "if TYPE_CHECKING:\n"
        "    from ..backends import base\n"
        "def late():\n"
        "    from ..mailtrap.client import MailtrapClient\n"
    )
    known = {"anymail.sending.engine", "anymail.sending", "anymail.mailtrap.client"}
    found = set(imported_modules("anymail.webhooks.mod", module, known))
    assert found == {
        ("anymail.sending.engine", False),
        ("anymail.sending", False),
        ("anymail.mailtrap.client", True),
    }
