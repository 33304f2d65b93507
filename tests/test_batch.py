"""Batch grading: discovery, parallel schedulers (local and Dask), resumability,
a killed run, and error rows for submissions that can't be graded."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from autograder.batch.discovery import discover
from autograder.batch.job import Job, grade_job
from autograder.batch.run import BatchOptions, run_batch
from autograder.batch.state import StudentPaths
from autograder.demo import build_class
from autograder.grading.runner import GradingOptions
from autograder.paths import CourseLayout
from tests.grading_support import TEST_SECRET, Mutation, bug

ASSIGNMENT = "linear_regression"
EXTRA_BUGS: list[Mutation] = [
    bug("gus_mse_sqrt", "numnet/metrics.py", "np.mean((y_true - y_pred) ** 2)", "np.sqrt(np.mean((y_true - y_pred) ** 2))", "metrics"),
    bug("hal_syntax", "numnet/metrics.py", "def mean_absolute_error", "def mean_absolute_error(:", "metrics"),
    bug("ivy_exits", "numnet/metrics.py", "import numpy as np", "import os\nos._exit(3)\nimport numpy as np", "metrics"),
    bug("lee_r2_inverted", "numnet/metrics.py", "score = 1 - ss_res / ss_tot", "score = ss_res / ss_tot", "metrics"),
    bug("jo_no_mean_in_fit", "numnet/preprocessing.py", "std = X.std(axis=0)", "std = X.std(axis=0) * 2", "standardizer"),
]


def options(**kwargs) -> BatchOptions:
    return BatchOptions(GradingOptions(secret=TEST_SECRET), **kwargs)


def make_class(root: Path, extra: list[Mutation] = EXTRA_BUGS, zipped: bool = True) -> CourseLayout:
    """A class of linear_regression submissions: the demo's plus ``extra`` bugs and one zip."""
    course = CourseLayout(root)
    build_class(ASSIGNMENT, course.submitted)
    reference = course.submitted / "ada_reference" / ASSIGNMENT
    for mutation in extra:
        folder = course.submitted / mutation.name / ASSIGNMENT
        shutil.copytree(reference, folder)
        mutation.apply(folder)
    if zipped:
        zips = root / "zips"
        zips.mkdir()
        with zipfile.ZipFile(zips / "kim_zipped.zip", "w") as archive:
            for file in reference.rglob("*"):
                archive.write(file, file.relative_to(reference).as_posix())
    return course


def scores(rows) -> dict[str, dict[str, float]]:
    """student -> check -> score (timings ignored)."""
    return {row.student: {t.name: t.score for t in row.results.tests} for row in rows}


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory) -> Path:
    return make_class(tmp_path_factory.mktemp("class")).root


@pytest.mark.slow
def test_dask_cluster_grades_like_local_processes(class_dir, tmp_path):
    """A real Dask LocalCluster gives the same per-check scores as local processes."""
    from distributed import LocalCluster

    local_course = CourseLayout(tmp_path / "local")
    dask_course = CourseLayout(tmp_path / "dask")
    for course in (local_course, dask_course):
        shutil.copytree(class_dir, course.root)
    local = run_batch(ASSIGNMENT, local_course, options(workers=2, zips=local_course.root / "zips"))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = run_batch(ASSIGNMENT, dask_course, options(scheduler=cluster.scheduler_address, zips=dask_course.root / "zips"))
    assert len(local) >= 10
    assert all(row.results is not None and not row.error for row in local + remote)
    assert scores(local) == scores(remote)
    by_student = {row.student: row.results.score for row in local}
    assert by_student["ada_reference"] == by_student["kim_zipped"] == 100
    assert by_student["bo_untouched"] == 0
    assert 0 < by_student["ivy_exits"] < 100 and 0 < by_student["hal_syntax"] < 100


def test_second_run_skips_force_regrades_and_changes_are_regraded(tmp_path):
    """Re-runs skip unchanged submissions; --force and a changed file regrade."""
    course = make_class(tmp_path, extra=[], zipped=False)
    counts = []

    def record(todo, skipped):
        counts.append((todo, skipped))

    first = run_batch(ASSIGNMENT, course, options(), on_start=record)
    second = run_batch(ASSIGNMENT, course, options(), on_start=record)
    assert all(row.skipped for row in second) and scores(first) == scores(second)
    metrics = course.submitted / "ada_reference" / ASSIGNMENT / "numnet" / "metrics.py"
    Mutation("edit", "numnet/metrics.py", "np.mean(np.abs(y_true - y_pred))", "np.mean(y_true - y_pred)").apply(metrics.parents[1])
    third = run_batch(ASSIGNMENT, course, options(), on_start=record)
    fourth = run_batch(ASSIGNMENT, course, options(force=True), on_start=record)
    students = len(first)
    assert counts == [(students, 0), (0, students), (1, students - 1), (students, 0)]
    assert [row.student for row in third if not row.skipped] == ["ada_reference"]
    assert {r.student: r.results.score for r in third}["ada_reference"] < 100
    assert scores(third) == scores(fourth)


def test_a_grading_that_raises_is_an_error_row_and_not_recorded(tmp_path):
    """A job whose grading raises becomes an error outcome; no state is written, so a re-run retries it."""
    paths = StudentPaths.of(CourseLayout(tmp_path), "zoe", ASSIGNMENT)
    job = Job("no_such_assignment", "zoe", tmp_path, "0" * 64, paths, GradingOptions(secret=TEST_SECRET))
    outcome = grade_job(job)
    assert outcome.error.startswith("grading raised") and outcome.max_score == 0
    assert not paths.state.exists() and not paths.results.exists()


def test_discovery_finds_folders_and_zips_and_refuses_duplicates(tmp_path):
    """Folders of nbgrader's layout and <student>.zip files are both found; a student in both is refused."""
    course = make_class(tmp_path, extra=[], zipped=True)
    found = discover(course.submitted, ASSIGNMENT, course.root / "zips")
    assert [s.student for s in found] == sorted(s.student for s in found)
    assert "kim_zipped" in {s.student for s in found} and len(found) == 5
    shutil.copyfile(course.root / "zips" / "kim_zipped.zip", course.root / "zips" / "ada_reference.zip")
    with pytest.raises(ValueError, match="ada_reference"):
        discover(course.submitted, ASSIGNMENT, course.root / "zips")


def _batch_process(course: CourseLayout, workers: int) -> subprocess.Popen:
    env = {**os.environ, "AUTOGRADER_SECRET": "test secret for the batch"}
    return subprocess.Popen([sys.executable, "-m", "autograder", "batch", ASSIGNMENT, "--course-dir", str(course.root),
                             "--workers", str(workers)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _wait_for_states(course: CourseLayout, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while len(list(course.autograded.glob(f"*/{ASSIGNMENT}/state.json"))) < count:
        assert process.poll() is None and time.monotonic() < deadline, "the batch ended before grading anything"
        time.sleep(0.05)


def _assert_complete_and_single(course: CourseLayout) -> None:
    students = sorted(p.name for p in course.submitted.iterdir())
    for student in students:
        folder = course.autograded / student / ASSIGNMENT
        # besides our two files, the notebooks recorded in nbgrader's gradebook (docs/nbgrader.md)
        assert sorted(p.name for p in folder.iterdir() if p.suffix not in (".tmp", ".ipynb")) == ["results.json", "state.json"]
        state = json.loads((folder / "state.json").read_text())
        assert json.loads((folder / "results.json").read_text())["score"] == state["score"]
    csv_rows = (course.root / "reports" / ASSIGNMENT / "gradebook.csv").read_text().splitlines()[1:]
    assert sorted(line.split(",")[0] for line in csv_rows) == students


@pytest.mark.slow
def test_sigkill_of_a_pool_worker_or_of_the_whole_run_loses_nothing(tmp_path):
    """SIGKILL of a pool process is survived; SIGKILL of the whole run is resumed by a re-run."""
    course = make_class(tmp_path, extra=EXTRA_BUGS[:2], zipped=False)
    run = _batch_process(course, workers=2)
    _wait_for_states(course, 1, run)
    victim = psutil.Process(run.pid).children()[0]
    victim.send_signal(signal.SIGKILL)
    assert run.wait(timeout=120) == 0, run.stdout.read().decode()[-2000:]
    _assert_complete_and_single(course)

    shutil.rmtree(course.autograded)
    run = _batch_process(course, workers=1)
    _wait_for_states(course, 2, run)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    done = len(list(course.autograded.glob(f"*/{ASSIGNMENT}/state.json")))
    rerun = _batch_process(course, workers=2)
    output = rerun.communicate(timeout=120)[0].decode()
    assert rerun.returncode == 0, output[-2000:]
    assert f"{done} submission(s) unchanged" in output
    _assert_complete_and_single(course)
