"""Properties every committed release must keep, checked on the real course.

The release is up to date and holds no solution text; untouched, it imports and
every task test fails as "not implemented"; with `autograder solution` dropped in,
every public test passes and every notebook runs top to bottom, as does every
source notebook against the reference package.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.manifest import load_manifest
from autograder.paths import ASSIGNMENTS, REFERENCE_PACKAGE, RELEASE, SOURCE
from autograder.release.builder import later_tasks, release_files, stale_files
from autograder.release.markers import BEGIN, END, region_lines, strip
from autograder.release.solution import write_solution
from autograder.student.check import run_public_tests

NOTEBOOKS = [(name, notebook) for name in ASSIGNMENTS for notebook in load_manifest(name).notebooks]
CELL_TIMEOUT = 300


def _stubbed_functions(assignment: str) -> dict[str, list[str]]:
    stubbed = later_tasks(assignment, SOURCE)
    for module, names in load_manifest(assignment).task_functions().items():
        stubbed.setdefault(module, []).extend(names)
    return stubbed


def _notebook_lines(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [line for cell in cells for line in "".join(cell["source"]).splitlines()]


def _notebook_regions(path: Path) -> tuple[set[str], set[str]]:
    """The stripped lines of a notebook inside its solution regions, and outside them."""
    inside, solution, other = False, set(), set()
    for line in _notebook_lines(path):
        if line.strip() in (BEGIN, END):
            inside = line.strip() == BEGIN
        elif line.strip():
            (solution if inside else other).add(line.strip())
    return solution, other


def _solution_text(assignment: str) -> set[str]:
    """Lines of the stripped regions that appear nowhere in what legitimately ships.

    A line such as ``return out`` may sit in a stripped region and, by coincidence,
    in code that ships complete; only the lines found in no shipped text are secret.
    """
    manifest = load_manifest(assignment)
    stubbed = _stubbed_functions(assignment)
    secret, shipped = set(), set()
    for module in manifest.modules:
        if module.endswith((".py", ".pyx")):
            text = (REFERENCE_PACKAGE / module).read_text(encoding="utf-8")
            secret.update(region_lines(text, module, stubbed.get(module, ())))
            shipped.update(line.strip() for line in strip(text, module, stubbed.get(module, ()), "").splitlines())
    for path in release_files(SOURCE / assignment):
        if path.endswith(".ipynb"):
            solution, other = _notebook_regions(SOURCE / assignment / path)
            secret.update(solution)
            shipped.update(other)
        else:
            shipped.update(line.strip() for line in (SOURCE / assignment / path).read_text(encoding="utf-8").splitlines())
    return secret - shipped


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
def test_release_holds_no_solution_text(assignment):
    secret = _solution_text(assignment)
    assert secret, "the assignment strips nothing"
    leaks = []
    for path in release_files(RELEASE / assignment):
        file = RELEASE / assignment / path
        if file.suffix in (".py", ".pyx", ".md", ".ini", ".toml"):
            lines = file.read_text(encoding="utf-8").splitlines()
        elif file.suffix == ".ipynb":
            lines = _notebook_lines(file)
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

    run = run_public_tests(folder)
    assert run.collection_errors == ()
    task_outcomes = [outcome for outcome in run.outcomes if outcome.task in manifest.tasks]
    assert {outcome.task for outcome in task_outcomes} == set(manifest.tasks), "every task needs a public test"
    assert [o for o in task_outcomes if o.status != "not_implemented"] == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_passes_every_public_test(assignment, prepared):
    run = run_public_tests(prepared(assignment, solved=True))
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
