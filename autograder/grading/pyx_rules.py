"""What a submitted Cython file may say about its own build, checked before anything is built.

The grader builds every extension from its own fixed description, so nothing in a
student's file may change compiler or linker arguments, libraries, include folders
or sources. Refused, each with a message naming the file and line:

- any ``# distutils:`` line;
- a ``# cython:`` directive not in :data:`ALLOWED_DIRECTIVES`, or with a value that
  is not a plain word or number;
- ``cdef extern from "NAME"`` unless NAME is a plain relative header name (letters,
  digits, ``_ . + - /``, no ``..`` part, no backslash escape): such a name can only
  resolve in the toolchain's include folders (Python, NumPy, the system), since no
  other file of the submission is staged for the build;
- ``include "NAME"`` unless NAME is a ``.pxi``/``.pxd`` file of the submission's
  package folder itself (no folder part).

Verbatim C (``cdef extern from *`` with a docstring) is not filtered: the sandbox,
which holds nothing but the toolchain and these sources, is what makes it harmless.
"""
from __future__ import annotations

import re
from pathlib import Path

ALLOWED_DIRECTIVES = frozenset({
    "language_level", "boundscheck", "wraparound", "cdivision", "cdivision_warnings", "initializedcheck",
    "nonecheck", "infer_types", "overflowcheck", "embedsignature", "binding", "cpow",
})
INCLUDABLE_SUFFIXES = (".pxi", ".pxd")

_GAP = r"(?:[ \t]|\\\r?\n)"  # blanks, or a backslash line continuation
_STRING = r"(?P<prefix>[rRuUbBfF]{0,2})(?P<quote>['\"])(?P<name>[^'\"\n]*)(?P=quote)"
_DISTUTILS = re.compile(r"^[ \t]*#[ \t]*distutils[ \t]*:", re.M)
_CYTHON = re.compile(r"^[ \t]*#[ \t]*cython[ \t]*:(?P<body>.*)$", re.M)
_EXTERN = re.compile(rf"\bextern{_GAP}+from{_GAP}*{_STRING}")
_INCLUDE = re.compile(rf"^[ \t]*include{_GAP}*{_STRING}", re.M)
_HEADER = re.compile(r"<?[A-Za-z0-9_][A-Za-z0-9_.+/-]*>?")
_PLAIN_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_VALUE = re.compile(r"[A-Za-z0-9_.]+")


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _shown(name: str) -> str:
    """``name`` with anything unprintable escaped, and bounded."""
    return ascii(name[:100])[1:-1]


def _directive_problems(body: str) -> list[str]:
    problems = []
    for item in filter(None, (part.strip() for part in body.split(","))):
        name, sep, value = (piece.strip() for piece in item.partition("="))
        if name not in ALLOWED_DIRECTIVES:
            problems.append(f"the Cython directive '{_shown(name)}' is not allowed (allowed: {', '.join(sorted(ALLOWED_DIRECTIVES))})")
        elif not sep or not _VALUE.fullmatch(value):
            problems.append(f"the Cython directive '{name}' needs a plain value (like True, False or 3)")
    return problems


def _header_problem(match: re.Match) -> str | None:
    name = match.group("name")
    if "\\" in name or match.group("prefix"):
        return "'cdef extern from' must name a header in plain quotes"
    bare = name.strip("<>")
    if not _HEADER.fullmatch(name) or bare.startswith("/") or ".." in bare.split("/") or "//" in bare:
        return f"'cdef extern from \"{_shown(name)}\"': only plain relative header names of the toolchain are allowed"
    return None


def _include_problem(match: re.Match, package_files: set[str]) -> str | None:
    name = match.group("name")
    if "\\" in name or match.group("prefix"):
        return "'include' must name one file of the submission's package folder in plain quotes"
    if not _PLAIN_FILE.fullmatch(name) or not name.endswith(INCLUDABLE_SUFFIXES) or name not in package_files:
        return (f"'include \"{_shown(name)}\"': only {'/'.join(INCLUDABLE_SUFFIXES)} files of the submission's own package "
                "folder can be included")
    return None


def check_source(path: Path, shown_as: str, package_files: set[str]) -> list[str]:
    """Every refused line of one Cython file, as ``shown_as:LINE: why``."""
    text = path.read_text(encoding="utf-8", errors="replace")
    found: list[tuple[int, str]] = []
    for match in _DISTUTILS.finditer(text):
        found.append((_line(text, match.start()), "'# distutils:' build options are not allowed: the grader "
                                                  "builds every extension with its own fixed settings"))
    for match in _CYTHON.finditer(text):
        found += [(_line(text, match.start()), problem) for problem in _directive_problems(match.group("body"))]
    for match in _EXTERN.finditer(text):
        if problem := _header_problem(match):
            found.append((_line(text, match.start()), problem))
    for match in _INCLUDE.finditer(text):
        if problem := _include_problem(match, package_files):
            found.append((_line(text, match.start()), problem))
    return [f"{shown_as}:{line}: {problem}" for line, problem in sorted(found)]


def check_package(package: Path, sources: list[Path]) -> list[str]:
    """Every refused line of the Cython files ``sources`` (all of them staged for the build) of ``package``."""
    names = {source.name for source in sources}
    return [problem for source in sources
            for problem in check_source(source, f"{package.name}/{source.name}", names)]
