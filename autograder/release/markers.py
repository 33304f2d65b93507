"""Solution regions in ``.py`` and ``.pyx`` source text.

A region is the block between a ``### BEGIN SOLUTION`` line and the next
``### END SOLUTION`` line. Each region belongs to the function (``def``, ``cdef``,
``cpdef``, ``async def``) it is indented under; functions nested in classes are
named ``Class.method``. The enclosing function is found from indentation and
logical lines (Python's tokenizer copes with Cython syntax), so ``.py`` and ``.pyx``
files are handled the same way.
"""
from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection
from dataclasses import dataclass

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"

_HEADER = re.compile(
    r"(?:(?:async\s+)?def|class|cdef\s+class)\s+(?P<name>\w+)"
    r"|(?:cdef|cpdef)\s+[^=(]*?(?P<cname>\w+)\s*\("
)
_COMMENT = re.compile(r"\s*(#.*)?$")
_BRACKETS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


class MarkerError(ValueError):
    """Badly placed solution markers; the message names the file and the line."""


class MissingFunction(MarkerError):
    """A task function that the source text does not define."""

    def __init__(self, filename: str, qualname: str) -> None:
        super().__init__(f"{filename}: task function {qualname!r} is not defined in this file")
        self.qualname = qualname


@dataclass(frozen=True)
class Region:
    """One solution region; ``begin`` and ``end`` are the 1-based marker lines."""

    begin: int
    end: int
    indent: str
    function: str | None


@dataclass(frozen=True)
class Scan:
    """The functions of a source text (qualified name -> header line) and its regions."""

    functions: dict[str, int]
    regions: tuple[Region, ...]


def _logical_line_starts(text: str, filename: str) -> set[int]:
    """Line numbers on which a logical line starts (not inside a string or brackets)."""
    starts: set[int] = set()
    depth, expect = 0, True
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.NEWLINE or (tok.type == tokenize.NL and depth == 0):
                expect = True
            elif tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
                if tok.type == tokenize.OP:
                    depth += _BRACKETS.get(tok.string, 0)
                if expect:
                    starts.add(tok.start[0])
                    expect = False
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        line = exc.args[1][0] if len(exc.args) > 1 and isinstance(exc.args[1], tuple) else getattr(exc, "lineno", "?")
        raise MarkerError(f"{filename}:{line}: cannot read the source: {exc.args[0]}") from None
    return starts


def _marker(line: str) -> str | None:
    stripped = line.strip()
    return stripped if stripped in (BEGIN, END) else None


def scan(text: str, filename: str) -> Scan:
    """Find the functions and the solution regions of ``text`` (``filename`` is for messages)."""
    lines = text.splitlines()
    starts = _logical_line_starts(text, filename)
    functions: dict[str, int] = {}
    regions: list[Region] = []
    blocks: list[tuple[int, str | None]] = []  # open blocks: (indent width, function/class name)
    open_begin: tuple[int, str, str | None] | None = None
    for number, line in enumerate(lines, start=1):
        marker = _marker(line)
        width = len(line) - len(line.lstrip())
        if marker is None and number not in starts:
            continue
        while blocks and blocks[-1][0] >= width:
            blocks.pop()
        enclosing = ".".join(name for _, name in blocks if name) or None
        if marker == BEGIN:
            if open_begin is not None:
                raise MarkerError(f"{filename}:{number}: {BEGIN} inside the region opened on line {open_begin[0]}")
            open_begin = (number, line[:width], enclosing)
        elif marker == END:
            if open_begin is None:
                raise MarkerError(f"{filename}:{number}: {END} without a matching {BEGIN}")
            begin, indent, function = open_begin
            if line[:width] != indent:
                raise MarkerError(f"{filename}:{number}: {END} is indented differently from {BEGIN} on line {begin}")
            regions.append(Region(begin, number, indent, function))
            open_begin = None
        else:
            header = _HEADER.match(line.lstrip())
            name = header["name"] or header["cname"] if header else None
            if name:
                functions.setdefault(".".join(filter(None, (enclosing, name))), number)
            if name or _COMMENT.sub("", line).endswith(":"):
                blocks.append((width, name))
    if open_begin is not None:
        raise MarkerError(f"{filename}:{open_begin[0]}: {BEGIN} is never closed by {END}")
    return Scan(functions, tuple(regions))


def strip(text: str, filename: str, tasks: Collection[str], stub: str) -> str:
    """Replace the regions of the ``tasks`` functions by ``stub``; unmark all other regions.

    Raises
    ------
    MarkerError
        A task function that does not exist or has no solution region.
    """
    found = scan(text, filename)
    for task in tasks:
        if task not in found.functions:
            raise MissingFunction(filename, task)
        if not any(region.function == task for region in found.regions):
            raise MarkerError(f"{filename}:{found.functions[task]}: task function {task!r} has no solution region")
    lines = text.splitlines(keepends=True)
    for region in reversed(found.regions):
        if region.function in tasks:
            replacement = [f"{region.indent}{stub_line}\n" for stub_line in stub.splitlines()]
            lines[region.begin - 1 : region.end] = replacement
        else:
            del lines[region.end - 1]
            del lines[region.begin - 1]
    return "".join(lines)


def unmark(text: str, filename: str) -> str:
    """``text`` with every marker line removed and all solution code kept."""
    return strip(text, filename, (), "")


def region_lines(text: str, filename: str, tasks: Collection[str]) -> list[str]:
    """The code lines (stripped) inside the regions of the ``tasks`` functions."""
    lines = text.splitlines()
    return [
        lines[number].strip()
        for region in scan(text, filename).regions
        if region.function in tasks
        for number in range(region.begin, region.end - 1)
        if lines[number].strip()
    ]
