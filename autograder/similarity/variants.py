"""Disguised copies of Python source, as students make them (for the tests and the benchmark).

Each function takes a module's text and returns a changed text that still parses
and does the same thing: identifiers renamed, the whole module reformatted, its
top-level functions reordered, or dead statements inserted into its functions.
"""
from __future__ import annotations

import ast
import io
import random
import tokenize


def rename(text: str, names: dict[str, str]) -> str:
    """``text`` with every name in ``names`` replaced (attributes like ``.shape`` stay)."""
    lines = text.splitlines(keepends=True)
    edits = []
    previous = ""
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.NAME and token.string in names and previous != ".":
            edits.append(token.start)
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.string
    for row, col in reversed(edits):
        line = lines[row - 1]
        name = next(n for n in names if line.startswith(n, col))
        lines[row - 1] = line[:col] + names[name] + line[col + len(name):]
    return "".join(lines)


def reformat(text: str) -> str:
    """``text`` re-laid out from its syntax tree: comments gone, quotes, spacing and parentheses changed."""
    return ast.unparse(ast.parse(text)) + "\n"


def reorder(text: str, seed: int = 0) -> str:
    """``text`` with its top-level functions shuffled among their own places."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    spans = [(min([n.lineno, *(d.lineno for d in n.decorator_list)]) - 1, n.end_lineno) for n in tree.body
             if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    blocks = [lines[a:b] for a, b in spans]
    shuffled = blocks[:]
    while len(blocks) > 1 and shuffled == blocks:
        random.Random(seed).shuffle(shuffled)
        seed += 1
    for (a, b), block in reversed(list(zip(spans, shuffled))):
        lines[a:b] = block
    return "".join(lines)


def insert_dead_code(text: str, seed: int = 0, every: int = 3, numbers: int = 1000) -> str:
    """``text`` (reformatted) with an unused statement after every ``every``-th statement of each function
    (each multiplies a number below ``numbers`` by 0)."""
    tree = ast.parse(text)
    rng = random.Random(seed)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = []
            for number, statement in enumerate(node.body, start=1):
                body.append(statement)
                if number % every == 0 and not isinstance(statement, (ast.Return, ast.Raise)):
                    body.append(ast.parse(f"unused_{rng.randrange(10**6)} = {rng.randrange(numbers)} * 0").body[0])
            node.body = body
    return ast.unparse(tree) + "\n"
