"""The release builder and `autograder solution` on a small fake course built in tmp_path."""
import importlib.util
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.manifest import ManifestError
from autograder.paths import PROJECT_ROOT
from autograder.release.builder import Inputs, build, release_files, stale_files
from autograder.release.markers import MarkerError
from autograder.release.requirements import RequirementError, project_requirements, release_requirements
from autograder.release.scaffold import student_tool_files
from autograder.release.solution import write_solution

STUB = 'raise NotImplementedError("not implemented yet")'

OPS = '''\
def double(x):
    """Twice ``x``."""
    if x is None:
        raise ValueError("x is None")
    ### BEGIN SOLUTION
    result = 2 * x
    ### END SOLUTION
    return result


def increment(x):
    ### BEGIN SOLUTION
    return x + 1
    ### END SOLUTION


class Scaler:
    def apply(self, x):
        ### BEGIN SOLUTION
        return 3 * x
        ### END SOLUTION
'''

FAST = '''\
def triple(double[:] values):
    cdef Py_ssize_t i
    ### BEGIN SOLUTION
    for i in range(values.shape[0]):
        values[i] *= 3
    ### END SOLUTION
'''

MANIFEST = '''\
[assignment]
name = "fc_nets"
title = "A tiny course"
notebooks = ["Demo.ipynb"]

[release]
modules = ["__init__.py", "ops.py", "fast.pyx"]

[submission]
files = ["numnet/ops.py", "numnet/fast.pyx", "Demo.ipynb"]

[tasks.doubling]
title = "Doubling"
points = 3
functions = ["ops.py:double", "ops.py:Scaler.apply"]

[tasks.tripling]
title = "Tripling in Cython"
points = 2
functions = ["fast.pyx:triple"]
'''

PUBLIC_TEST = '''\
import pytest
from numnet.ops import double


@pytest.mark.task("doubling")
def test_double():
    assert double(2) == 4
'''


def _demo_notebook() -> nbformat.NotebookNode:
    solution = new_code_cell("def halve(x):\n    ### BEGIN SOLUTION\n    return x / 2\n    ### END SOLUTION\n", id="halve")
    solution.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False, "grade_id": "halve",
                                     "schema_version": 3}
    check = new_code_cell("assert halve(4) == 2", id="check")
    check.metadata["nbgrader"] = {"solution": False, "grade": True, "locked": True, "grade_id": "check_halve",
                                  "points": 1, "schema_version": 3}
    return new_notebook(cells=[new_markdown_cell("Halving.", id="intro"), solution, check])


@pytest.fixture
def course(tmp_path: Path) -> Inputs:
    reference = tmp_path / "reference" / "numnet"
    assignment = tmp_path / "source" / "fc_nets"
    (assignment / "tests").mkdir(parents=True)
    reference.mkdir(parents=True)
    (reference / "__init__.py").write_text('"""Fake numnet."""\n')
    (reference / "ops.py").write_text(OPS)
    (reference / "fast.pyx").write_text(FAST)
    (assignment / "assignment.toml").write_text(MANIFEST)
    (assignment / "tests" / "test_ops.py").write_text(PUBLIC_TEST)
    nbformat.write(_demo_notebook(), assignment / "Demo.ipynb")
    return Inputs(reference=reference, source=tmp_path / "source", config_dir=PROJECT_ROOT)


def test_build_strips_task_regions_and_ships_the_rest(course, tmp_path):
    build(["fc_nets"], tmp_path / "release", course)
    folder = tmp_path / "release" / "fc_nets"
    files = release_files(folder)
    tools = {path for path in files if path.startswith("tools/")}
    assert sorted(set(files) - tools) == [
        "Autograder.ipynb", "Demo.ipynb", "README.md", "assignment.toml", "numnet/__init__.py", "numnet/fast.pyx",
        "numnet/ops.py", "pytest.ini", "requirements.txt", "tests/test_ops.py",
    ]
    assert {path: files[path] for path in tools} == {
        f"tools/autograder-student/{path}": content for path, content in student_tool_files().items()}
    requirements = (folder / "requirements.txt").read_text().splitlines()
    assert [line.partition(">")[0] for line in requirements if line and not line.startswith("#")] == [
        "pytest", "notebook", "./tools/autograder-student"]
    grading = nbformat.read(folder / "Autograder.ipynb", as_version=4)  # generated from the manifest into the source
    assert [c.metadata["nbgrader"]["grade_id"] for c in grading.cells if c.metadata["nbgrader"].get("task")] == [
        "doubling", "tripling"]
    ops = (folder / "numnet" / "ops.py").read_text()
    assert f'        raise ValueError("x is None")\n    {STUB}\n    return result\n' in ops
    assert f"    def apply(self, x):\n        {STUB}\n" in ops
    assert "def increment(x):\n    return x + 1\n" in ops
    assert "2 * x" not in ops and "3 * x" not in ops and "SOLUTION" not in ops
    assert f"    cdef Py_ssize_t i\n    {STUB}\n" in (folder / "numnet" / "fast.pyx").read_text()
    cells = nbformat.read(folder / "Demo.ipynb", as_version=4).cells
    assert cells[1].source == f"def halve(x):\n    {STUB}\n"
    assert cells[2].metadata["nbgrader"]["checksum"]
    readme = (folder / "README.md").read_text()
    assert "| Tripling in Cython | 2 | `numnet/fast.pyx:triple` |" in readme
    assert "python -m numnet.build_ext" in readme
    assert not any(tmp_path.rglob("gradebook.db"))


def test_stub_imports_and_raises_not_implemented(course, tmp_path):
    build(["fc_nets"], tmp_path / "release", course)
    spec = importlib.util.spec_from_file_location("released_ops", tmp_path / "release" / "fc_nets" / "numnet" / "ops.py")
    ops = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ops)
    with pytest.raises(NotImplementedError, match="not implemented yet"):
        ops.double(1)
    with pytest.raises(ValueError, match="x is None"):
        ops.double(None)
    assert ops.increment(1) == 2


def test_build_is_deterministic_and_check_finds_stale_files(course, tmp_path):
    build(["fc_nets"], tmp_path / "one", course)
    build(["fc_nets"], tmp_path / "two", course)
    assert release_files(tmp_path / "one" / "fc_nets") == release_files(tmp_path / "two" / "fc_nets")
    assert stale_files(["fc_nets"], tmp_path / "one", course) == []

    folder = tmp_path / "one" / "fc_nets"
    (folder / "numnet" / "ops.py").write_text("changed\n")
    (folder / "tests" / "test_ops.py").unlink()
    (folder / "extra.txt").write_text("x")
    (folder / "numnet" / "__pycache__").mkdir()
    (folder / "numnet" / "__pycache__" / "ops.cpython-311.pyc").write_bytes(b"local")
    assert stale_files(["fc_nets"], tmp_path / "one", course) == [
        "fc_nets/extra.txt: not produced by the build",
        "fc_nets/numnet/ops.py: differs",
        "fc_nets/tests/test_ops.py: missing",
    ]


def test_failed_build_leaves_the_previous_release_in_place(course, tmp_path):
    release = tmp_path / "release"
    build(["fc_nets"], release, course)
    before = release_files(release / "fc_nets")
    (course.reference / "ops.py").write_text(OPS.replace("        ### END SOLUTION\n", ""))
    with pytest.raises(MarkerError, match=r"ops\.py:19: ### BEGIN SOLUTION is never closed"):
        build(["fc_nets"], release, course)
    assert release_files(release / "fc_nets") == before
    assert sorted(path.name for path in release.iterdir()) == ["fc_nets"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"fast.pyx"]\n\n[submission]', '"fast.pyx", "gone.py"]\n\n[submission]',
         r"assignment\.toml:7: module 'gone\.py' does not exist in "),
        ('"ops.py:Scaler.apply"', '"ops.py:Scaler.apply", "ops.py:vanished"',
         r"assignment\.toml:15: task function 'ops\.py:vanished' is not defined in .*ops\.py"),
    ],
)
def test_manifest_naming_missing_reference_code_is_an_error_with_its_line(course, tmp_path, old, new, message):
    manifest = course.source / "fc_nets" / "assignment.toml"
    manifest.write_text(MANIFEST.replace(old, new))
    with pytest.raises(ManifestError, match=message):
        build(["fc_nets"], tmp_path / "release", course)
    assert not (tmp_path / "release" / "fc_nets").exists()


def test_solution_is_laid_out_like_a_submission(course, tmp_path):
    written = write_solution("fc_nets", tmp_path / "solution", course)
    assert written == ["numnet/ops.py", "numnet/fast.pyx", "Demo.ipynb"]
    assert sorted(p.relative_to(tmp_path / "solution").as_posix() for p in (tmp_path / "solution").rglob("*.*")) == [
        "Demo.ipynb", "numnet/fast.pyx", "numnet/ops.py"
    ]
    assert (tmp_path / "solution" / "numnet" / "ops.py").read_text() == "".join(
        line for line in OPS.splitlines(keepends=True) if "SOLUTION" not in line
    )
    assert (tmp_path / "solution" / "Demo.ipynb").read_bytes() == (course.source / "fc_nets" / "Demo.ipynb").read_bytes()


def test_solution_reports_a_missing_notebook(course, tmp_path):
    (course.source / "fc_nets" / "Demo.ipynb").unlink()
    with pytest.raises(ManifestError, match=r"assignment\.toml:4: 'Demo\.ipynb' does not exist"):
        write_solution("fc_nets", tmp_path / "solution", course)


def test_build_reports_a_notebook_the_manifest_names_but_the_source_lacks(course, tmp_path):
    (course.source / "fc_nets" / "Demo.ipynb").rename(course.source / "fc_nets" / "Other.ipynb")
    with pytest.raises(ManifestError, match=r"assignment\.toml:4: notebook 'Demo\.ipynb' does not exist in "):
        build(["fc_nets"], tmp_path / "release", course)


def test_tasks_of_later_assignments_are_withheld(course, tmp_path):
    later = course.source / "conv_nets"
    later.mkdir()
    (later / "assignment.toml").write_text(
        '[assignment]\nname = "conv_nets"\n[release]\nmodules = ["ops.py"]\n[submission]\nfiles = ["numnet/ops.py"]\n'
        '[tasks.inc]\npoints = 1\nfunctions = ["ops.py:increment"]\n'
    )
    build(["fc_nets"], tmp_path / "release", course)
    ops = (tmp_path / "release" / "fc_nets" / "numnet" / "ops.py").read_text()
    assert f"def increment(x):\n    {STUB}\n" in ops and "x + 1" not in ops


def test_requirements_are_the_third_party_packages_a_release_imports(tmp_path):
    (tmp_path / "numnet").mkdir()
    (tmp_path / "numnet" / "data.py").write_text(
        "import os\nfrom . import ops\nimport numnet.layers\n\ndef load():\n    from sklearn.datasets import load_diabetes\n")
    notebook = new_notebook(cells=[new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt", id="plot")])
    nbformat.write(notebook, tmp_path / "Demo.ipynb")
    known = project_requirements()
    assert release_requirements(tmp_path, "numnet", known) == [known["matplotlib"], known["scikit-learn"]]

    (tmp_path / "numnet" / "extra.py").write_text("import nbformat\n")
    with pytest.raises(RequirementError, match="imports 'nbformat', which is not a dependency"):
        release_requirements(tmp_path, "numnet", {"matplotlib": "matplotlib", "scikit-learn": "scikit-learn"})
