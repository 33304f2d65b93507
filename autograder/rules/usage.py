"""Which rules the tests cite, read from their source without importing them.

A test cites rules with ``@pytest.mark.rule("id", ...)`` on the function or with a
module-level ``pytestmark``; a hidden test may also name prerequisites with
``@pytest.mark.requires("test_function", ...)``. Ids must be literal strings.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


class UsageError(ValueError):
    """A marker the table can't read; the message names the file and line."""


@dataclass(frozen=True)
class TestUse:
    """One test function and the markers it carries."""

    __test__ = False  # not a pytest test class

    file: str
    name: str
    task: str
    rules: tuple[str, ...]
    requires: tuple[str, ...]


def _marks(node: ast.expr) -> list[ast.Call]:
    """``pytest.mark.X(...)`` calls in a decorator or a ``pytestmark`` value (a mark or a list of marks)."""
    items = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
    return [item for item in items if isinstance(item, ast.Call) and isinstance(item.func, ast.Attribute)
            and isinstance(item.func.value, ast.Attribute) and item.func.value.attr == "mark"]


def _strings(call: ast.Call, where: str) -> tuple[str, ...]:
    if call.keywords or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args):
        raise UsageError(f"{where}: @pytest.mark.{call.func.attr} takes literal strings only")
    return tuple(a.value for a in call.args)


def _collect(marks: list[ast.Call], where: str) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for call in marks:
        if call.func.attr in ("rule", "requires", "task"):
            found[call.func.attr] = found.get(call.func.attr, ()) + _strings(call, where)
    return found


def tests_in_file(path: Path, label: str) -> list[TestUse]:
    """The ``test_*`` functions of one test file with their task, rules and prerequisites."""
    tree = ast.parse(path.read_text(), str(path))
    module_marks: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            module_marks = _collect(_marks(node.value), f"{label}:{node.lineno}")
    uses = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            where = f"{label}:{node.lineno}"
            own = _collect([mark for decorator in node.decorator_list for mark in _marks(decorator)], where)
            tasks = module_marks.get("task", ()) + own.get("task", ())
            uses.append(TestUse(label, node.name, tasks[0] if len(tasks) == 1 else "",
                                module_marks.get("rule", ()) + own.get("rule", ()),
                                module_marks.get("requires", ()) + own.get("requires", ())))
    return uses


def tests_in_folder(folder: Path, label: str) -> list[TestUse]:
    """Every test function in the ``test_*.py`` files of ``folder`` (labelled ``label/file.py``)."""
    return [use for path in sorted(folder.glob("test_*.py")) for use in tests_in_file(path, f"{label}/{path.name}")]
