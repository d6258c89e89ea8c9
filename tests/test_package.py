"""The package's shape: no import cycle anywhere, every public type exported, typed."""

from __future__ import annotations

import ast
from pathlib import Path

import kecheng

PACKAGE = Path(kecheng.__file__).parent


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The kecheng modules a module imports, at the top or inside a function (not TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base]).strip(".")
            for alias in node.names:
                target = f"{base}.{alias.name}"
                out.add(target if target in known else base)
    return {m for m in out if m in known and m != name}


def test_no_import_cycle_anywhere_in_the_package():
    found = modules()
    graph = {name: imports(name, path, set(found)) for name, path in found.items()}
    facade = {"kecheng", "kecheng.__main__", "kecheng.cli"}
    for name, targets in graph.items():  # only the command line may import the package facade
        if name not in facade:
            assert "kecheng" not in targets, f"{name} imports from the kecheng facade"
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycle = [*trail[trail.index(target) :], target] if target in trail else [node, target]
                raise AssertionError("import cycle: " + " → ".join(cycle))
            if target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_every_public_type_is_exported_from_the_top():
    expected = {
        "Problem", "Result", "Placement", "Unplaced", "Weights", "InputError", "LockError", "OptionError",
        "LocatedIssue", "Rows", "Violation", "ProgressPoint", "Candidates", "Changes", "LoadReport",
        "load", "solve", "check", "generate", "greedy", "solve_folder", "explain_group",
    }  # fmt: skip
    assert expected <= set(kecheng.__all__)
    assert all(hasattr(kecheng, name) for name in kecheng.__all__)


def test_the_package_says_it_is_typed():
    assert (PACKAGE / "py.typed").is_file()
