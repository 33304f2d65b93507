"""What a release's ``requirements.txt`` lists: the third-party packages its files import.

The release's Python files and notebook code cells are parsed for ``import``
statements; every top-level module that is neither in the standard library nor the
release's own package must belong to one of this project's dependencies, whose
version range (from ``pyproject.toml``) is what the student installs.
"""
from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

from autograder.paths import PROJECT_ROOT

#: Lines of a notebook cell that are IPython syntax, not Python.
_IPYTHON_LINE = re.compile(r"^\s*[%!]")


class RequirementError(ValueError):
    """A release imports a package that the project does not depend on."""


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project_requirements(pyproject: Path = PROJECT_ROOT / "pyproject.toml") -> dict[str, str]:
    """The project's dependencies by normalized name, e.g. ``{"scikit-learn": "scikit-learn>=1.3,<2"}``."""
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    return {_normalized(re.match(r"[A-Za-z0-9_.-]+", spec)[0]): spec for spec in dependencies}


def _sources(folder: Path) -> Iterator[tuple[str, str]]:
    """(name for messages, Python source) of every module and notebook code cell in ``folder``."""
    for path in sorted(folder.rglob("*.py")):
        yield str(path.relative_to(folder)), path.read_text(encoding="utf-8")
    for path in sorted(folder.rglob("*.ipynb")):
        for number, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                yield f"{path.relative_to(folder)} cell {number}", "\n".join(
                    "" if _IPYTHON_LINE.match(line) else line for line in source.splitlines())


def imported_modules(folder: Path) -> set[str]:
    """Top-level names of the modules that the files in ``folder`` import (relative imports left out)."""
    names: set[str] = set()
    for where, source in _sources(folder):
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            raise RequirementError(f"{folder / where.split(' cell ')[0]}: cannot read its imports ({exc})") from None
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
    return names


def release_requirements(folder: Path, package: str, known: dict[str, str] | None = None) -> list[str]:
    """The requirement lines (sorted) for the third-party modules imported in ``folder``
    (``package`` is the release's own package)."""
    known = project_requirements() if known is None else known
    distributions = importlib.metadata.packages_distributions()
    wanted = set()
    for module in imported_modules(folder) - {package} - set(sys.stdlib_module_names):
        names = [_normalized(d) for d in distributions.get(module, ()) if _normalized(d) in known]
        if not names:
            raise RequirementError(f"{folder}: the release imports {module!r}, which is not a dependency in pyproject.toml")
        wanted.add(names[0])
    return [known[name] for name in sorted(wanted)]
