"""Finding a task function's source text in a file.

Python files are parsed with :mod:`ast`, which gives exact function spans. Cython
files, and Python files that do not parse, fall back to an indentation scan from
the function's header line; such fragments are marked ``parsed=False`` so every
output can say the code was compared by its tokens only.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Fragment:
    """The source lines of one function (``first_line`` is 1-based)."""

    qualname: str
    text: str
    first_line: int
    parsed: bool


def _find_node(tree: ast.Module, qualname: str) -> ast.AST | None:
    body: list[ast.stmt] = tree.body
    node = None
    for part in qualname.split("."):
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            return None
        body = node.body
    return node


def _from_ast(lines: list[str], tree: ast.Module, qualname: str) -> Fragment | None:
    node = _find_node(tree, qualname)
    if node is None or isinstance(node, ast.ClassDef):
        return None
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return Fragment(qualname, "\n".join(lines[first - 1 : node.end_lineno]), first, True)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _header(lines: list[str], qualname: str) -> int | None:
    """Index of the line defining ``qualname``'s last part, after its class header when it has one."""
    *classes, name = qualname.split(".")
    start = 0
    for cls in classes:
        pattern = re.compile(rf"\s*(?:cdef\s+)?class\s+{re.escape(cls)}\b")
        start = next((i for i in range(start, len(lines)) if pattern.match(lines[i])), None)
        if start is None:
            return None
    pattern = re.compile(rf"\s*(?:async\s+def|def|cpdef|cdef)\b[^(=]*?\b{re.escape(name)}\s*\(")
    return next((i for i in range(start, len(lines)) if pattern.match(lines[i])), None)


def _by_indentation(lines: list[str], qualname: str) -> Fragment | None:
    start = _header(lines, qualname)
    if start is None:
        return None
    depth, end = 0, start
    while end < len(lines):  # the header may span several lines
        depth += sum(lines[end].count(c) for c in "([{") - sum(lines[end].count(c) for c in ")]}")
        end += 1
        if depth <= 0:
            break
    base = _indent(lines[start])
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > base):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return Fragment(qualname, "\n".join(lines[start:end]), start + 1, False)


def extract(text: str, filename: str, qualnames: list[str]) -> tuple[dict[str, Fragment], str | None]:
    """The fragments of ``qualnames`` found in ``text``, and why the file did not parse (or None).

    ``.pyx`` files are Cython, which Python's parser does not read, so they are
    always scanned by indentation without counting as a parse failure.
    """
    lines = text.splitlines()
    tree, problem = None, None
    if not filename.endswith(".pyx"):
        try:
            tree = ast.parse(text, filename)
        except SyntaxError as exc:
            problem = f"{filename} does not parse (line {exc.lineno}: {exc.msg})"
        except (ValueError, RecursionError, MemoryError) as exc:
            problem = f"{filename} does not parse ({type(exc).__name__})"
    found = {}
    for qualname in qualnames:
        fragment = _from_ast(lines, tree, qualname) if tree is not None else _by_indentation(lines, qualname)
        if fragment is not None:
            found[qualname] = fragment
    return found, problem
