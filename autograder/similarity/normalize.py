"""Turning a task's functions into one normalised token stream.

Parsed Python is split by :mod:`tokenize`; Cython and code that does not parse by
Pygments' lexers, which read any text. Both feed the same rules. Comments,
docstrings, whitespace and line breaks are dropped; every identifier the student
could have chosen becomes ``V``; strings become ``S``; numbers take one canonical
form; grouping parentheses (not those of calls) are dropped, so ``return (a, b)``
and ``return a, b`` read alike; a list comprehension reads as its loop. Kept as written: keywords, operators, builtins,
attribute and keyword-argument names (the NumPy API) and the names the release's
module defines or imports (``np``, given helpers). The task's functions are laid
out in the manifest's order, so moving functions around a file changes nothing.
"""
from __future__ import annotations

import builtins
import io
import keyword
import tokenize
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from pygments.lexers import CythonLexer, PythonLexer
from pygments.token import Comment, Keyword, Name, Number, String, Text, Whitespace

from autograder.similarity.comprehensions import RawToken, as_loops
from autograder.similarity.extract import Fragment

_LEXERS = {".py": PythonLexer(), ".pyx": CythonLexer()}
_KEPT_NAMES = frozenset(dir(builtins)) | {"self", "cls"}
_SKIPPED = (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT, tokenize.ENDMARKER)


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


def _python_tokens(code: str) -> Iterator[RawToken]:
    """Tokens of parsed Python; a string standing alone as a statement (a docstring) is left out."""
    starts = np.cumsum([0] + [len(line) for line in code.splitlines(keepends=True)])
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type != tokenize.NL]
    for i, token in enumerate(tokens):
        if token.type in _SKIPPED:
            continue
        offset = int(starts[token.start[0] - 1]) + token.start[1]
        if token.type == tokenize.STRING:
            alone = (i == 0 or tokens[i - 1].type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)) and \
                (i + 1 == len(tokens) or tokens[i + 1].type in (tokenize.NEWLINE, tokenize.ENDMARKER))
            if not alone:
                yield offset, "string", token.string
        elif token.type == tokenize.NAME:
            yield offset, "keyword" if keyword.iskeyword(token.string) else "name", token.string
        else:
            yield offset, "number" if token.type == tokenize.NUMBER else "other", token.string


def _lexer_tokens(code: str, suffix: str) -> Iterator[RawToken]:
    """Tokens of any text by Pygments (Cython, or Python that does not parse)."""
    for start, kind, value in _LEXERS[suffix].get_tokens_unprocessed(code):
        if not value.strip() or kind in Comment or kind in String.Doc or kind in Text or kind in Whitespace:
            continue
        if kind in String:
            yield start, "string", value
        elif kind in Keyword or kind in Name.Builtin:
            yield start, "keyword", value
        elif kind in Name:
            yield start, "name", value
        else:
            yield start, "number" if kind in Number else "other", value


def _number(value: str) -> str:
    text = value.replace("_", "").lower()
    for parse in (lambda t: int(t, 0), float, complex):
        try:
            return repr(parse(text))
        except ValueError:
            continue
    return value


def raw_tokens(code: str, suffix: str, parsed: bool) -> list[RawToken]:
    """The significant tokens of ``code``, from :mod:`tokenize` when it parsed, else from Pygments."""
    if parsed and suffix == ".py":
        try:
            return as_loops(code, list(_python_tokens(code)))
        except (tokenize.TokenError, IndentationError, SyntaxError):
            pass
    return list(_lexer_tokens(code, suffix))


def normalised_tokens(raw: list[RawToken], given_names: frozenset[str]) -> list[tuple[str, int, int]]:
    """``(normalised token, start, end)`` for ``raw`` tokens (see the module docstring)."""
    out: list[tuple[str, int, int]] = []
    grouping: list[bool] = []  # per open parenthesis: dropped as a mere grouping
    for i, (start, kind, value) in enumerate(raw):
        end = start + len(value)
        _, before, previous = raw[i - 1] if i else (0, "", "")
        following = raw[i + 1][2] if i + 1 < len(raw) else ""
        if value == "(":
            called = before == "name" or previous in (")", "]")
            grouping.append(not called)
            if not called:
                continue
        elif value == ")" and grouping and grouping.pop():
            continue
        if kind == "string":
            if out and out[-1][0] == "S" and before == "string":  # one token per (f-, joined) string
                out[-1] = ("S", out[-1][1], end)
                continue
            token = "S"
        elif kind == "number":
            token = _number(value)
        elif kind == "name" and previous != "." and value not in _KEPT_NAMES and value not in given_names \
                and not (following == "=" and grouping):
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
        for token, start, end in normalised_tokens(raw_tokens(body, suffix, fragment.parsed), given_names):
            ids.append(_token_id(token))
            spans.append((offset + len(heading) + start, offset + len(heading) + end))
        parts.append(heading + body)
        offset += len(heading) + len(body)
    return Document("".join(parts), np.array(ids, dtype=np.uint64), np.array(spans, dtype=np.int64).reshape(-1, 2),
                    all(fragment.parsed for _, fragment in fragments))
