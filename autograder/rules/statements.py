"""Rules as the stub docstrings state them.

A docstring (of a module, class or function, ``.pyx`` included) states rules in a
section headed ``Rules`` and underlined with dashes; each rule is a bullet that
starts with its id in double backquotes::

    Rules
    -----
    - ``pool.ties``: when several entries tie for a window's maximum, the
      gradient goes to the first of them in row-major order.

The id is what hidden and public tests cite with ``@pytest.mark.rule("pool.ties")``.
"""
from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

_BULLET = re.compile(r"^- ``([a-z0-9_.\-]+)``: (.+)$")
_PYX_DOCSTRING = re.compile(r'^([ \t]*)(?:(?:cdef|cpdef|def|class)\s+(\w+)[^\n]*:\n\1[ \t]+)?"""(.*?)"""',
                            re.DOTALL | re.MULTILINE)


class RuleError(ValueError):
    """A malformed or duplicated rule statement; the message names the file."""


@dataclass(frozen=True)
class Rule:
    """One stated rule: its id, its text and where it is stated (``layers.py:max_pool_backward_naive``)."""

    id: str
    text: str
    where: str


def _docstrings_py(source: str) -> list[tuple[str, str]]:
    """``(owner, docstring)`` of the module and every class and function, owners by qualified name."""
    tree = ast.parse(source)
    found = [("", ast.get_docstring(tree) or "")]

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                found.append((name, ast.get_docstring(child) or ""))
                visit(child, name + ".")

    visit(tree, "")
    return found


def _docstrings_pyx(source: str) -> list[tuple[str, str]]:
    """``(owner, docstring)`` for a Cython file: the module's and those right under a ``def``/``class`` line."""
    return [(match.group(2) or "", inspect.cleandoc(match.group(3))) for match in _PYX_DOCSTRING.finditer(source)]


def rules_in_docstring(docstring: str, where: str) -> list[Rule]:
    """The rules of the docstring's ``Rules`` section (none without one)."""
    lines = docstring.splitlines()
    for start in range(len(lines) - 1):
        if lines[start].strip() == "Rules" and set(lines[start + 1].strip()) == {"-"}:
            break
    else:
        return []
    rules: list[Rule] = []
    pending: list[str] = []
    for line in [*lines[start + 2:], ""]:
        if line.startswith("- ") or not line.strip():
            if pending:
                match = _BULLET.match(" ".join(pending))
                if not match:
                    raise RuleError(f"{where}: a rule must read '- ``id``: statement', got {pending[0]!r}")
                rules.append(Rule(match.group(1), match.group(2), where))
            pending = [line.strip()] if line.strip() else []
            if not line.strip():
                break
        elif pending and line.startswith("  "):
            pending.append(line.strip())
        else:
            raise RuleError(f"{where}: unexpected line in the Rules section: {line!r}")
    return rules


def stated_rules(package: Path, modules: list[str]) -> dict[str, Rule]:
    """Every rule stated in the docstrings of ``modules`` (paths relative to ``package``), by id."""
    rules: dict[str, Rule] = {}
    for module in modules:
        source = (package / module).read_text()
        docstrings = _docstrings_pyx(source) if module.endswith(".pyx") else _docstrings_py(source)
        for owner, docstring in docstrings:
            for rule in rules_in_docstring(docstring, f"{module}:{owner}" if owner else module):
                if rule.id in rules:
                    raise RuleError(f"rule {rule.id!r} is stated twice: in {rules[rule.id].where} and {rule.where}")
                rules[rule.id] = rule
    return rules
