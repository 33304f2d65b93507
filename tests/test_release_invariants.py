"""Properties every committed release must keep, checked on the real course.

The release is up to date and holds no solution text; untouched, it imports and
every task test fails as "not implemented"; with `autograder solution` dropped in,
every public test passes and every notebook runs top to bottom, as does every
source notebook against the reference package.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.manifest import load_manifest
from autograder.paths import ASSIGNMENTS, RELEASE, SOURCE
from autograder.release.builder import release_files, stale_files
from autograder.release.solution import write_solution
from autograder_student.check import run_public_tests
from release_support import notebook_lines, solution_lines

NOTEBOOKS = [(name, notebook) for name in ASSIGNMENTS for notebook in load_manifest(name).notebooks]
CELL_TIMEOUT = 300


_prepared: dict[tuple[str, bool], Path] = {}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A copy of release/<assignment>, optionally with the solution dropped in, extension built."""

    def prepare(assignment: str, solved: bool) -> Path:
        if (assignment, solved) not in _prepared:
            folder = tmp_path_factory.mktemp(f"{assignment}-{'solved' if solved else 'untouched'}") / assignment
            shutil.copytree(RELEASE / assignment, folder)
            if solved:
                write_solution(assignment, folder)
            if any(module.endswith(".pyx") for module in load_manifest(assignment).modules):
                subprocess.run([sys.executable, "-m", "numnet.build_ext", "--quiet"], cwd=folder, check=True,
                               capture_output=True)
            _prepared[assignment, solved] = folder
        return _prepared[assignment, solved]

    return prepare


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_is_up_to_date(assignment):
    assert stale_files([assignment], RELEASE) == [], "run `autograder release`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_nosolution_lines(assignment):
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


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_imports_and_reports_every_task_as_not_implemented(assignment, prepared):
    folder = prepared(assignment, solved=False)
    manifest = load_manifest(assignment)
    modules = [
        "numnet." + module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        for module in manifest.modules if module.endswith(".py") and module != "__init__.py"
    ]
    script = "import importlib, numnet\nfor name in %r: importlib.import_module(name)\nprint(numnet.__file__)" % modules
    imported = subprocess.run([sys.executable, "-c", script], cwd=folder, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    assert Path(imported.stdout.strip()).is_relative_to(folder)

    run = run_public_tests(folder, manifest.tasks)
    assert run.collection_errors == ()
    task_outcomes = [outcome for outcome in run.outcomes if outcome.task in manifest.tasks]
    assert {outcome.task for outcome in task_outcomes} == set(manifest.tasks), "every task needs a public test"
    assert [o for o in task_outcomes if o.status != "not_implemented"] == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_passes_every_public_test(assignment, prepared):
    run = run_public_tests(prepared(assignment, solved=True), load_manifest(assignment).tasks)
    assert run.collection_errors == ()
    assert run.outcomes and [o for o in run.outcomes if o.status != "passed"] == []


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
def test_release_notebook_runs_with_the_solution_dropped_in(assignment, notebook, prepared):
    folder = prepared(assignment, solved=True)
    _execute(folder / notebook, folder)
