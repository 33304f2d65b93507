"""Properties every committed release must keep, checked on the real course.

The release is up to date and holds no solution text; with `autograder solution`
dropped in, every notebook runs top to bottom, as does every source notebook against
the reference package. That the untouched release reports every task as not
implemented and the solved one passes every public test is checked where a student
runs them, in a real student environment (``test_student_environment.py``).
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.manifest import load_manifest
from autograder.paths import RELEASE, SOURCE
from autograder.release.builder import release_files, stale_files
from autograder.release.solution import write_solution
from release_support import ASSIGNMENTS, notebook_lines, solution_lines

NOTEBOOKS = [(name, notebook) for name in ASSIGNMENTS for notebook in load_manifest(name).notebooks]
CELL_TIMEOUT = 300


_solved: dict[str, Path] = {}


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """A copy of release/<assignment> with the solution dropped in and its extension built."""

    def prepare(assignment: str) -> Path:
        if assignment not in _solved:
            folder = tmp_path_factory.mktemp(f"{assignment}-solved") / assignment
            shutil.copytree(RELEASE / assignment, folder)
            write_solution(assignment, folder)
            if any(module.endswith(".pyx") for module in load_manifest(assignment).modules):
                subprocess.run([sys.executable, "-m", "numnet.build_ext", "--quiet"], cwd=folder, check=True,
                               capture_output=True)
            _solved[assignment] = folder
        return _solved[assignment]

    return prepare


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_is_up_to_date(assignment):
    assert stale_files([assignment], RELEASE) == [], "run `autograder release`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_solution_text(assignment):
    secret = solution_lines(assignment)
    assert secret, "the assignment strips nothing"
    leaks = []
    for path in release_files(RELEASE / assignment):
        file = RELEASE / assignment / path
        if file.suffix in (".py", ".pyx", ".md", ".ini", ".toml"):
            lines = file.read_text(encoding="utf-8").splitlines()
        elif file.suffix == ".ipynb":
            lines = notebook_lines(file)
        else:
            continue
        leaks += [f"{path}: {line.strip()}" for line in lines if line.strip() in secret]
    assert leaks == []


def _execute(notebook: Path, cwd: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    document = nbformat.read(notebook, as_version=4)
    NotebookClient(document, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()


@pytest.mark.slow
@pytest.mark.parametrize(("assignment", "notebook"), NOTEBOOKS)
def test_source_notebook_runs_against_the_reference(assignment, notebook, tmp_path):
    folder = tmp_path / assignment
    shutil.copytree(SOURCE / assignment, folder)
    _execute(folder / notebook, folder)


@pytest.mark.slow
@pytest.mark.parametrize(("assignment", "notebook"), NOTEBOOKS)
def test_release_notebook_runs_with_the_solution_dropped_in(assignment, notebook, solved):
    folder = solved(assignment)
    _execute(folder / notebook, folder)
