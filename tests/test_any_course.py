"""Any course directory grades with the installed engine: a quickstart course grown
purely as data (a package not named like this course's, with a Cython module), and a
copy of this course's reference and suites kept elsewhere."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from autograder_student.cli import main as student_main
from autograder_student.status import Status
from grading_support import TEST_SECRET

from autograder.course import COURSE_ENV, Course
from autograder.demo import build_class, load_mistakes
from autograder.grading.provenance import tree_sha256
from autograder.grading.runner import GradingOptions, grade_submission
from autograder.manifest import ManifestError, ordered_assignments
from autograder.paths import PROJECT_ROOT, REFERENCE_PACKAGE, RELEASE, SOURCE, SUITES
from autograder.quickstart import ASSIGNMENT
from autograder.release.builder import Inputs
from autograder.release.cells import nbgrader_cell, write_notebook
from autograder.release.solution import write_solution

AUTOGRADER = [sys.executable, "-m", "autograder"]
PACKAGE = "mynet"

BACKWARD = '''

def leaky_relu_backward(dout: np.ndarray, x: np.ndarray, alpha: float) -> np.ndarray:
    """Gradient with respect to ``x``.

    Rules
    -----
    - ``leaky_relu.backward``: ``dout`` where ``x`` is positive, ``alpha * dout`` elsewhere.
    """
    ### BEGIN SOLUTION
    dx = np.where(x > 0, dout, alpha * dout)
    ### END SOLUTION
    return dx
'''
BACKWARD_TASK = '''
[tasks.leaky_relu_backward]
title = "Leaky ReLU, backward"
points = 5
functions = ["layers.py:leaky_relu_backward"]
'''
BACKWARD_CHECK = '''

@pytest.mark.task("leaky_relu_backward")
@pytest.mark.rule("leaky_relu.backward")
def test_leaky_relu_backward(student, reference, rng, tol):
    """the gradient matches the reference"""
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    expected = reference.layers.leaky_relu_backward(dout, x, 0.2)
    expect_array("leaky_relu_backward", student.layers.leaky_relu_backward(dout, x, 0.2), expected, tol["gradient"])
'''
FAST = '''# cython: language_level=3
"""The leaky ReLU, compiled."""
import numpy as np


def leaky_relu_fast(double[::1] x, double alpha):
    """``leaky_relu_forward`` of a 1-D float64 array.

    Rules
    -----
    - ``leaky_relu.fast``: the values of ``leaky_relu_forward(x, alpha)``.
    """
    cdef Py_ssize_t i
    cdef double[::1] out = np.empty(x.shape[0])
    ### BEGIN SOLUTION
    for i in range(x.shape[0]):
        out[i] = x[i] if x[i] > 0 else alpha * x[i]
    ### END SOLUTION
    return np.asarray(out)
'''
FAST_TASK = '''
[tasks.leaky_relu_fast]
title = "Leaky ReLU, compiled"
points = 3
functions = ["fast.pyx:leaky_relu_fast"]
'''
FAST_CHECK = '''

@pytest.mark.task("leaky_relu_fast")
@pytest.mark.rule("leaky_relu.fast")
def test_leaky_relu_fast(student, reference, rng, tol):
    """the compiled layer matches the reference's Python layer"""
    x = rng.standard_normal(11)
    expected = reference.layers.leaky_relu_forward(x.copy(), 0.1)
    expect_array("leaky_relu_fast", student.fast.leaky_relu_fast(x, 0.1), expected, tol["forward"])
'''
FAST_PUBLIC_TEST = '''

@pytest.mark.task("leaky_relu_fast")
@pytest.mark.rule("leaky_relu.fast")
def test_leaky_relu_fast_matches_the_python_layer():
    from {package}.fast import leaky_relu_fast

    assert np.allclose(leaky_relu_fast(np.array([-2.0, 1.5]), 0.1), [-0.2, 1.5])
'''.replace("{package}", PACKAGE)
LOSSES = '''"""Losses."""
import numpy as np


def mse_loss(pred: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error.

    Rules
    -----
    - ``mse.value``: the mean of ``(pred - target) ** 2`` over all entries, as a float.
    """
    ### BEGIN SOLUTION
    loss = float(np.mean((pred - target) ** 2))
    ### END SOLUTION
    return loss
'''
LOSSES_MANIFEST = f'''[assignment]
name = "losses"
title = "Losses"
after = ["{ASSIGNMENT}"]
notebooks = ["Losses.ipynb"]

[release]
modules = ["__init__.py", "layers.py", "losses.py"]

[submission]
files = ["{PACKAGE}/losses.py", "Losses.ipynb"]

[tasks.mse]
title = "Mean squared error"
points = 4
functions = ["losses.py:mse_loss"]
'''
LOSSES_CHECK = '''import pytest

from autograder.grading.compare import expect_scalar


@pytest.mark.task("mse")
@pytest.mark.rule("mse.value")
def test_mse(student, reference, rng, tol):
    """the loss matches the reference"""
    pred, target = rng.standard_normal(9), rng.standard_normal(9)
    expect_scalar("mse_loss", student.losses.mse_loss(pred, target), reference.losses.mse_loss(pred, target), tol["forward"])
'''


def autograder(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != COURSE_ENV}
    done = subprocess.run([*AUTOGRADER, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def append(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((path.read_text() if path.exists() else "") + text)


def grade(course: Path, assignment: str, submission: Path) -> dict:
    """Task -> (score, max_score), graded in this process with the course's own paths."""
    options = GradingOptions(secret=TEST_SECRET, course=Course.load(course))
    tasks = grade_submission(assignment, submission, "student", options).results.extra_data["tasks"]
    return {task: (summary["score"], summary["max_score"]) for task, summary in tasks.items()}


def lost(scores: dict) -> set[str]:
    return {task for task, (score, most) in scores.items() if score < most}


def break_function(path: Path, right: str, wrong: str) -> None:
    text = path.read_text()
    assert text.count(right) == 1
    path.write_text(text.replace(right, wrong))


def add_cython_task(course: Path) -> None:
    """A ``.pyx`` task in the first assignment, and the reference's generic build command for students."""
    reference = course / "reference" / PACKAGE
    append(reference / "fast.pyx", FAST)
    shutil.copyfile(REFERENCE_PACKAGE / "build_ext.py", reference / "build_ext.py")
    manifest = course / "source" / ASSIGNMENT / "assignment.toml"
    text = manifest.read_text()
    for old, new in [('"layers.py"]', '"layers.py", "fast.pyx", "build_ext.py"]'),
                     (f'"{PACKAGE}/layers.py",', f'"{PACKAGE}/layers.py", "{PACKAGE}/fast.pyx",')]:
        assert text.count(old) == 1
        text = text.replace(old, new)
    manifest.write_text(text + FAST_TASK)
    append(course / "suites" / ASSIGNMENT / "test_leaky_relu.py", FAST_CHECK)
    append(course / "source" / ASSIGNMENT / "tests" / "test_leaky_relu.py", FAST_PUBLIC_TEST)


def student_check(course: Path, folder: Path) -> dict[str, tuple[str, str]]:
    """The student tools' ``check`` in a copy of the first release, solved: task -> (status, detail)."""
    shutil.copytree(course / "release" / ASSIGNMENT, folder)
    write_solution(ASSIGNMENT, folder, Inputs.of(Course.load(course)))
    report = folder.parent / "check.json"
    student_main(["check", "--folder", str(folder), "--json", str(report)])
    return {row["task"]: (row["status"], row["detail"]) for row in json.loads(report.read_text())["tasks"]}


def test_quickstart_course_grows_as_data_and_grades(tmp_path, monkeypatch):
    course = tmp_path / "course"
    autograder("quickstart", str(course), "--package", PACKAGE, cwd=tmp_path)
    append(course / "reference" / PACKAGE / "layers.py", BACKWARD)
    append(course / "source" / ASSIGNMENT / "assignment.toml", BACKWARD_TASK)
    append(course / "suites" / ASSIGNMENT / "test_leaky_relu.py", BACKWARD_CHECK)
    add_cython_task(course)
    append(course / "reference" / PACKAGE / "losses.py", LOSSES)
    append(course / "source" / "losses" / "assignment.toml", LOSSES_MANIFEST)
    append(course / "suites" / "losses" / "test_losses.py", LOSSES_CHECK)
    write_notebook(course / "source" / "losses" / "Losses.ipynb", [
        nbgrader_cell("code", f"import numpy as np\nfrom {PACKAGE}.losses import mse_loss", "setup"),
        nbgrader_cell("code", "### BEGIN SOLUTION\nprint(mse_loss(np.zeros(3), np.ones(3)))\n### END SOLUTION", "try",
                      solution=True),
    ])

    autograder("release", cwd=course)
    assert Course.load(course).assignments() == [ASSIGNMENT, "losses"]
    first, second = (course / "release" / name / PACKAGE for name in (ASSIGNMENT, "losses"))
    assert "np.where(x > 0, x, alpha * x)" not in (first / "layers.py").read_text()  # the task is stubbed
    assert "np.where(x > 0, x, alpha * x)" in (second / "layers.py").read_text()  # an earlier solution ships solved
    assert not (first / "losses.py").exists()
    assert f"`{PACKAGE}/layers.py:leaky_relu_backward`" in (course / "release" / ASSIGNMENT / "README.md").read_text()
    layers = course / "reference" / PACKAGE / "layers.py"
    layers.write_text(layers.read_text().replace("elsewhere.\n", "everywhere else.\n", 1))
    shared = autograder("release", ASSIGNMENT, cwd=course)
    assert "now stale (they share reference modules): losses;" in shared.stderr
    monkeypatch.setenv(COURSE_ENV, str(course))
    assert build_class("losses", tmp_path / "class") == ["ada_reference", "bo_untouched"]  # no sample mistakes
    monkeypatch.delenv(COURSE_ENV)

    checked = student_check(course, tmp_path / "student" / ASSIGNMENT)
    assert checked["leaky_relu_forward"][0] == Status.PASSED
    status, detail = checked["leaky_relu_fast"]  # the tools know the package from the release's manifest
    assert status == Status.NOT_BUILT and f"run `python -m {PACKAGE}.build_ext`" in detail, checked

    for assignment, new_tasks in [
        (ASSIGNMENT, [("leaky_relu_backward", "layers.py", "alpha * dout)", "dout)"),
                      ("leaky_relu_fast", "fast.pyx", "else alpha * x[i]", "else x[i]")]),
        ("losses", [("mse", "losses.py", "target) ** 2))", "target) ** 3))")]),
    ]:
        solved = tmp_path / f"{assignment}-solved"
        autograder("solution", assignment, str(solved), cwd=course)
        scores = grade(course, assignment, solved)
        assert {task for task, *_ in new_tasks} <= set(scores) and lost(scores) == set()
        for new_task, module, right, wrong in new_tasks:
            broken = tmp_path / f"{assignment}-broken-{new_task}"
            shutil.copytree(solved, broken)
            break_function(broken / PACKAGE / module, right, wrong)
            assert lost(grade(course, assignment, broken)) == {new_task}


#: The grader imports a course's reference package in its own process: a package name of its own keeps
#: this course's reference apart from the other quickstart course's when both are graded in one process.
OWN_PACKAGE = "blocknet"
BLOCKS = '''"""Blocks made of the layers."""
import numpy as np

from .layers import leaky_relu_forward


def twice_leaky(x: np.ndarray, alpha: float) -> np.ndarray:
    """Twice the leaky ReLU of ``x``.

    Rules
    -----
    - ``twice_leaky.value``: ``2 * leaky_relu_forward(x, alpha)``, with your own leaky ReLU.
    """
    ### BEGIN SOLUTION
    out = 2 * leaky_relu_forward(x, alpha)
    ### END SOLUTION
    return out
'''
CARRIED_MANIFEST = f'''[assignment]
name = "blocks"
after = ["{ASSIGNMENT}"]

[release]
modules = ["__init__.py", "layers.py", "blocks.py"]
earlier_tasks = "carried"

[submission]
files = ["{OWN_PACKAGE}/blocks.py"]

[tasks.twice_leaky]
points = 2
functions = ["blocks.py:twice_leaky"]
'''
BLOCKS_CHECK = '''import pytest

from autograder.grading.checks import expect_array


@pytest.mark.task("twice_leaky")
@pytest.mark.rule("twice_leaky.value")
def test_twice_leaky(student, reference, rng, tol):
    """twice the leaky ReLU"""
    x = rng.standard_normal(8)
    expect_array("twice_leaky", student.blocks.twice_leaky(x, 0.1), reference.blocks.twice_leaky(x, 0.1), tol["forward"])
'''
LEAKY_SOLUTION = "out = np.where(x > 0, x, alpha * x)"


def test_carried_over_tasks_ship_as_stubs_and_grade_on_the_students_own_code(tmp_path):
    course = tmp_path / "course"
    autograder("quickstart", str(course), "--package", OWN_PACKAGE, cwd=tmp_path)
    append(course / "reference" / OWN_PACKAGE / "blocks.py", BLOCKS)
    append(course / "suites" / "blocks" / "test_blocks.py", BLOCKS_CHECK)
    manifest = course / "source" / "blocks" / "assignment.toml"
    append(manifest, CARRIED_MANIFEST)
    refused = subprocess.run([*AUTOGRADER, "release"], cwd=course, capture_output=True, text=True, timeout=600)
    assert refused.returncode == 1 and f"add '{OWN_PACKAGE}/layers.py' to [submission] files" in refused.stderr
    manifest.write_text(manifest.read_text().replace(f'files = ["{OWN_PACKAGE}/blocks.py"]',
                                                     f'files = ["{OWN_PACKAGE}/layers.py", "{OWN_PACKAGE}/blocks.py"]'))
    autograder("release", cwd=course)

    release = course / "release" / "blocks"
    assert LEAKY_SOLUTION not in (release / OWN_PACKAGE / "layers.py").read_text()  # carried: a stub, as in first_layer
    assert f"`{OWN_PACKAGE}/layers.py:leaky_relu_forward`" in (release / "README.md").read_text()
    solved = tmp_path / "blocks-solved"
    autograder("solution", "blocks", str(solved), cwd=course)
    assert grade(course, "blocks", solved) == {"twice_leaky": (2, 2)}  # the carried task is not graded again
    (solved / OWN_PACKAGE / "layers.py").write_text((release / OWN_PACKAGE / "layers.py").read_text())  # not carried over
    assert lost(grade(course, "blocks", solved)) == {"twice_leaky"}
    own = (course / "reference" / OWN_PACKAGE / "layers.py").read_text().replace(LEAKY_SOLUTION, "out = np.maximum(x, 0)")
    (solved / OWN_PACKAGE / "layers.py").write_text(own)  # the student's own earlier code, with its mistake
    assert lost(grade(course, "blocks", solved)) == {"twice_leaky"}


def test_this_course_grades_from_a_copy_outside_the_repository(tmp_path):
    course, assignment = tmp_path / "elsewhere", "linear_regression"
    shutil.copytree(REFERENCE_PACKAGE, course / "ref" / "numnet", ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.c"))
    shutil.copytree(SOURCE / assignment, course / "source" / assignment, ignore=shutil.ignore_patterns("mistakes"))
    shutil.copytree(RELEASE / assignment, course / "release" / assignment)
    shutil.copytree(SUITES / assignment, course / "hidden" / assignment, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(SUITES / "pytest.ini", course / "hidden" / "pytest.ini")
    config = (PROJECT_ROOT / "nbgrader_config.py").read_text()
    for old, new in [('"reference/numnet"', '"ref/numnet"'), ('"autograder/suites"', '"hidden"')]:
        assert config.count(old) == 1
        config = config.replace(old, new)
    (course / "nbgrader_config.py").write_text(config)
    append(course / "hidden" / assignment / "test_metrics.py", "\n# this copy's own suite\n")

    solved = tmp_path / "solved"
    autograder("solution", assignment, str(solved), cwd=course)
    results = tmp_path / "results.json"
    autograder("grade", assignment, str(solved), "--results", str(results), cwd=course)
    graded = json.loads(results.read_text())
    assert graded["score"] == graded["max_score"] > 0
    suite = course / "hidden"
    assert graded["extra_data"]["graded_with"]["suite"] == tree_sha256(
        suite / assignment, suite / "pytest.ini", suite / "conftest.py") != tree_sha256(
        SUITES / assignment, SUITES / "pytest.ini", SUITES / "conftest.py")


def test_a_folder_without_a_course_is_explained(tmp_path):
    done = subprocess.run([*AUTOGRADER, "--course-dir", str(tmp_path), "release"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "has no nbgrader_config.py" in done.stderr


@pytest.mark.parametrize("after", [["missing"], ["losses"]])
def test_bad_order_is_explained(tmp_path, after):
    for name, listed in [("losses", after), ("other", ["losses"])]:
        append(tmp_path / "source" / name / "assignment.toml", f'[assignment]\nname = "{name}"\nafter = {json.dumps(listed)}\n'
               '[release]\nmodules = ["a.py"]\n[submission]\nfiles = ["p/a.py"]\n[tasks.t]\npoints = 1\nfunctions = ["a.py:f"]\n')
    with pytest.raises(ManifestError, match="has no manifest" if after == ["missing"] else "come after itself"):
        ordered_assignments(tmp_path / "source", "p")


def test_a_broken_mistake_file_is_explained(tmp_path):
    (tmp_path / "eve.toml").write_text('description = "no edits"\n')
    with pytest.raises(ManifestError, match="eve.toml: not a mistake file"):
        load_mistakes(tmp_path)
    assert [m.student for m in load_mistakes(SOURCE / "fc_nets" / "mistakes")] == [
        "dana_relu_sign", "eli_unbiased_var", "finn_softmax_no_mean"]


def test_an_unknown_carry_over_policy_is_explained(tmp_path):
    append(tmp_path / "source" / "a" / "assignment.toml", '[assignment]\nname = "a"\n[release]\nmodules = ["a.py"]\n'
           'earlier_tasks = "maybe"\n[submission]\nfiles = ["p/a.py"]\n[tasks.t]\npoints = 1\nfunctions = ["a.py:f"]\n')
    with pytest.raises(ManifestError, match="'earlier_tasks' must be one of solved, carried; got 'maybe'"):
        ordered_assignments(tmp_path / "source", "p")
