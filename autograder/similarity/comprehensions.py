"""Reading ``name = [expr for v in items if cond]`` as the loop that builds the same list.

A student who turns a classmate's loop into a comprehension (or back) keeps its
structure; after this rewrite both read as ``name = [] for v in items : if cond :
name . append ( expr )``. The rewrite works on the tokens of parsed Python, using
the syntax tree only to find the parts; tokens it adds point at the comprehension.
"""
from __future__ import annotations

import ast
import re

RawToken = tuple[int, str, str]  # (start offset, kind: name/keyword/number/string/other, text)
_MAYBE = re.compile(r"\[[^\]]*\bfor\b")


def _tree(code: str) -> tuple[ast.Module, int]:
    """The tree of a function's text (a method's is indented) and how many lines were added above it."""
    if code[:1].isspace():
        return ast.parse("if 1:\n" + code), 1
    return ast.parse(code), 0


def as_loops(code: str, tokens: list[RawToken]) -> list[RawToken]:
    """``tokens`` of ``code`` with every list comprehension assigned to a target read as its loop."""
    if not _MAYBE.search(code):
        return tokens
    try:
        tree, added = _tree(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return tokens
    lines = code.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(lineno: int, byte_col: int) -> int:
        line = lines[lineno - 1 - added] if lineno - 1 - added < len(lines) else ""
        return starts[lineno - 1 - added] + len(line.encode()[:byte_col].decode(errors="ignore"))

    def span(node: ast.AST) -> tuple[int, int]:
        return offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)

    def inside(node: ast.AST) -> list[RawToken]:
        first, last = span(node)
        return [t for t in tokens if first <= t[0] < last]

    rewrites = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.ListComp):
            at = span(node.value)[0]
            loop = [(at, "other", "["), (at, "other", "]")]
            for generator in node.value.generators:
                loop += [(at, "keyword", "for"), *inside(generator.target), (at, "keyword", "in"),
                         *inside(generator.iter), (at, "other", ":")]
                for condition in generator.ifs:
                    loop += [(at, "keyword", "if"), *inside(condition), (at, "other", ":")]
            loop += [*inside(node.targets[0]), (at, "other", "."), (at, "name", "append"), (at, "other", "("),
                     *inside(node.value.elt), (at, "other", ")")]
            rewrites.append((span(node.value), loop))
    for (first, last), loop in sorted(rewrites, reverse=True):
        position = [i for i, t in enumerate(tokens) if first <= t[0] < last]
        if position and not any(a < first < last <= b or first < a < b <= last for (a, b), _ in rewrites
                                if (a, b) != (first, last)):
            tokens = tokens[:position[0]] + loop + tokens[position[-1] + 1:]
    return tokens
