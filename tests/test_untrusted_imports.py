"""The untrusted side imports nothing of the grader: only the standard library,
NumPy (Cython for the build script) and its own modules.

These files are copied next to student code and run with ``python -I -S``; an
import of the grader, the reference or a third-party package would either fail
there or, worse, pull trusted code into the sandbox."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder import untrusted

UNTRUSTED = Path(untrusted.__file__).resolve().parent
OWN_MODULES = {path.stem for path in UNTRUSTED.glob("*.py")} - {"__init__"}
ALLOWED_LIBRARIES = {"worker": {"numpy"}, "wire": {"numpy"}, "cython_build": {"Cython"}}


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports, at any depth of its code."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                pytest.fail(f"{path.name}: relative import (the runtime copy is not a package)")
            roots.add(node.module.split(".")[0])
    return roots


def test_every_untrusted_module_is_covered() -> None:
    assert OWN_MODULES == set(ALLOWED_LIBRARIES)


@pytest.mark.parametrize("module", sorted(ALLOWED_LIBRARIES))
def test_imports_only_the_standard_library_numpy_and_its_own_modules(module: str) -> None:
    foreign = imported_roots(UNTRUSTED / f"{module}.py") - set(sys.stdlib_module_names) - OWN_MODULES
    assert foreign <= ALLOWED_LIBRARIES[module], f"{module}.py imports {sorted(foreign - ALLOWED_LIBRARIES[module])}"


def test_the_wire_loads_nothing_beyond_the_standard_library_and_numpy(tmp_path: Path) -> None:
    """The runtime copy, imported the way the worker imports it, loads no other module."""
    (tmp_path / "wire.py").write_bytes((UNTRUSTED / "wire.py").read_bytes())
    probe = (
        "import sys; sys.path[:0] = sys.argv[1:]; import wire; "
        "print('\\n'.join(sorted({name.split('.')[0] for name in sys.modules})))"
    )
    numpy_parent = str(Path(np.__file__).resolve().parent.parent)
    loaded = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", probe, str(tmp_path), numpy_parent],
                            capture_output=True, text=True, check=True).stdout.split()
    foreign = set(loaded) - set(sys.stdlib_module_names) - {"__main__", "wire", "numpy"}
    assert not foreign, f"importing wire pulled in {sorted(foreign)}"
