"""Turning a task's functions into one normalised token stream.

Tokens come from Pygments' Python and Cython lexers, which read any text (also code
that does not parse). Comments, docstrings, whitespace and line breaks are dropped;
every identifier the student could have chosen becomes ``V``; strings become ``S``;
numbers are written in one canonical form; grouping parentheses (not those of calls)
are dropped, so ``return (a, b)`` and ``return a, b`` read alike. Kept as written:
keywords, operators, builtins, attribute and keyword-argument names (the NumPy API)
and the names the release's module defines or imports (``np``, given helpers). The task's functions are laid out in the manifest's order, so moving
functions around a file changes nothing.
"""
from __future__ import annotations

import ast
import builtins
import zlib
from dataclasses import dataclass

import numpy as np
from pygments.lexers import CythonLexer, PythonLexer
from pygments.token import Comment, Name, Number, String, Text, Whitespace

from autograder.similarity.extract import Fragment

_LEXERS = {".py": PythonLexer(), ".pyx": CythonLexer()}
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Document:
    """A task's code as shown to a reviewer (``text``) and as compared (``tokens``).

    ``tokens`` holds one 32-bit id per normalised token; ``spans[i]`` is the
    ``(start, end)`` character range of token ``i`` in ``text``.
    """

    text: str
    tokens: np.ndarray
    spans: np.ndarray
    parsed: bool


def _token_id(token: str) -> int:
    return zlib.crc32(token.encode())


def _number(value: str) -> str:
    try:
        return repr(ast.literal_eval(value))
    except (ValueError, SyntaxError):
        return value


def normalised_tokens(code: str, suffix: str, given_names: frozenset[str]) -> list[tuple[str, int, int]]:
    """``(normalised token, start, end)`` for the significant tokens of ``code``."""
    raw = [(start, kind, value) for start, kind, value in _LEXERS[suffix].get_tokens_unprocessed(code)
           if value.strip() and not (kind in Comment or kind in String.Doc or kind in Text or kind in Whitespace)]
    out: list[tuple[str, int, int]] = []
    grouping: list[bool] = []  # per open parenthesis: dropped as a mere grouping
    for i, (start, kind, value) in enumerate(raw):
        end = start + len(value)
        previous = raw[i - 1] if i else (0, None, "")
        following = raw[i + 1][2] if i + 1 < len(raw) else ""
        if value == "(":
            called = previous[1] is not None and (previous[1] in Name or previous[2] in (")", "]"))
            grouping.append(not called)
            if not called:
                continue
        elif value == ")" and grouping and grouping.pop():
            continue
        if kind in String:
            if out and out[-1][0] == "S" and previous[1] in String:  # one token per (f-, joined) string
                out[-1] = ("S", out[-1][1], end)
                continue
            token = "S"
        elif kind in Number:
            token = _number(value)
        elif kind in Name and kind not in Name.Builtin and previous[2] != "." and value not in _BUILTINS \
                and value not in given_names and not (following == "=" and grouping):
            token = "V"
        else:
            token = value
        out.append((token, start, end))
    return out


def document(fragments: list[tuple[str, Fragment]], given_names: frozenset[str]) -> Document:
    """One document from ``(filename, fragment)`` pairs, each preceded by a heading comment."""
    parts: list[str] = []
    ids: list[int] = []
    spans: list[tuple[int, int]] = []
    offset = 0
    for filename, fragment in fragments:
        heading = f"# {filename}:{fragment.qualname} (line {fragment.first_line})\n"
        body = fragment.text + "\n\n"
        suffix = ".pyx" if filename.endswith(".pyx") else ".py"
        for token, start, end in normalised_tokens(body, suffix, given_names):
            ids.append(_token_id(token))
            spans.append((offset + len(heading) + start, offset + len(heading) + end))
        parts.append(heading + body)
        offset += len(heading) + len(body)
    return Document("".join(parts), np.array(ids, dtype=np.uint64), np.array(spans, dtype=np.int64).reshape(-1, 2),
                    all(fragment.parsed for _, fragment in fragments))
