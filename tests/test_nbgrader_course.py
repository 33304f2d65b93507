"""The course end to end through nbgrader's real command line, on a temporary copy of the course.

generate -> release to an exchange in tmp -> three students fetch and submit (the reference, a
buggy one who is late, an untouched one) -> collect -> ``autograder batch`` -> a manual grade
through nbgrader's API -> re-run -> generate/release/fetch feedback -> export. Then the formgrader,
served on a loopback port, is asked over its JSON API.
"""
from __future__ import annotations

import csv
import datetime
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.manifest import load_manifest
from autograder.paths import PROJECT_ROOT, RELEASE
from autograder.release.builder import release_files
from autograder.release.grading_notebook import NAME as GRADING
from autograder.release.solution import write_solution
from autograder.reports.nbgrader_db import open_gradebook
from autograder.reports.screenshots import formgrader
from tests.grading_support import Mutation

ASSIGNMENT = "linear_regression"
BIN = Path(sys.executable).parent
REFERENCE, BUGGY, UNTOUCHED = "ada_reference", "cy_buggy", "bo_untouched"
BUG = Mutation("cy_buggy", "numnet/metrics.py", "np.mean(np.abs(y_true - y_pred))", "np.mean(y_true - y_pred)")
ANSWER = "linreg-answer-1"
TASK_COMMENT = "Partial credit: only the sign of the error is lost."
#: A late-penalty plugin configured the nbgrader way: late work loses half of each notebook's score.
LATE_PLUGIN = '''
from nbgrader.plugins import LateSubmissionPlugin


class HalfOff(LateSubmissionPlugin):
    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return score / 2


c.AssignLatePenalties.plugin_class = HalfOff
'''


#: What a student's ~/.jupyter/nbgrader_config.py holds on a shared machine (docs/nbgrader.md).
STUDENT_CONFIG = '''c = get_config()
c.CourseDirectory.course_id = "numnet"
c.Exchange.root = "{exchange}"
'''


def run(args: list[str], cwd: Path, env: dict) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def nbgrader(*args: str, cwd: Path, env: dict) -> str:
    return run([str(BIN / "nbgrader"), *args], cwd, env)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict:
    """The whole term, run once; every test below reads its outputs."""
    tmp = tmp_path_factory.mktemp("nbgrader-course")
    root, exchange = tmp / "course", tmp / "exchange"
    root.mkdir()
    exchange.mkdir(mode=0o777)
    shutil.copyfile(PROJECT_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(PROJECT_ROOT / "source", root / "source")
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(LATE_PLUGIN)
        # the copy keeps this checkout's reference package and hidden suites where they are
        config.write(f"c.Autograder.reference_dir = {str(PROJECT_ROOT / 'reference' / 'numnet')!r}\n"
                     f"c.Autograder.suites_dir = {str(PROJECT_ROOT / 'autograder' / 'suites')!r}\n")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "NBGRADER_EXCHANGE": str(exchange),
           "AUTOGRADER_SECRET": "the secret of the end-to-end course", "OMP_NUM_THREADS": "1"}
    out = {"root": root, "env": env}

    nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=root, env=env)
    out["release"] = release_files(root / "release" / ASSIGNMENT)
    nbgrader("release_assignment", ASSIGNMENT, cwd=root, env=env)
    for student in (REFERENCE, UNTOUCHED, BUGGY):
        home = tmp / "home" / student
        home.mkdir(parents=True)
        (home / "nbgrader_config.py").write_text(STUDENT_CONFIG.format(exchange=exchange))
        student_env = {**env, "HOME": str(home)}  # each student's own submission cache
        nbgrader("fetch_assignment", ASSIGNMENT, cwd=home, env=student_env)
        if student != UNTOUCHED:
            write_solution(ASSIGNMENT, home / ASSIGNMENT)
        if student == BUGGY:
            BUG.apply(home / ASSIGNMENT)
            due = datetime.datetime.now(datetime.timezone.utc)
            with open_gradebook(root / "gradebook.db") as gradebook:
                gradebook.update_or_create_assignment(ASSIGNMENT, duedate=due.replace(tzinfo=None))
            time.sleep(1.5)
        # one account runs every student here, so the id is given; on a hub it is the account's name
        nbgrader("submit", ASSIGNMENT, f"--student={student}", cwd=home, env=student_env)
    nbgrader("collect", ASSIGNMENT, cwd=root, env=env)

    batch = [sys.executable, "-m", "autograder", "batch", ASSIGNMENT, "--course-dir", str(root), "--workers", "2"]
    out["batch"] = run(batch, root, env)
    with open_gradebook(root / "gradebook.db") as gradebook:
        grade = gradebook.find_grade(ANSWER, "LinearRegression", ASSIGNMENT, REFERENCE)
        grade.manual_score = 3.5
        gradebook.find_comment(ANSWER, "LinearRegression", ASSIGNMENT, REFERENCE).manual_comment = "half right"
        task = gradebook.find_grade("metrics", GRADING, ASSIGNMENT, BUGGY)
        task.manual_score = 9.0
        gradebook.find_comment("metrics", GRADING, ASSIGNMENT, BUGGY).manual_comment = TASK_COMMENT
        gradebook.db.commit()
    out["rerun"] = run(batch, root, env)

    nbgrader("generate_feedback", ASSIGNMENT, cwd=root, env=env)
    nbgrader("release_feedback", ASSIGNMENT, cwd=root, env=env)
    nbgrader("fetch_feedback", ASSIGNMENT, f"--student={BUGGY}", cwd=tmp / "home" / BUGGY,
             env={**env, "HOME": str(tmp / "home" / BUGGY)})
    out["fetched"] = sorted((tmp / "home" / BUGGY / ASSIGNMENT / "feedback").rglob("*.html"))
    nbgrader("export", "--to", str(tmp / "export.csv"), cwd=root, env=env)
    out["export"] = {r["student_id"]: r for r in csv.DictReader(io.StringIO((tmp / "export.csv").read_text()))}
    out["csv"] = {r["student"]: r for r in csv.DictReader(io.StringIO((root / "reports" / ASSIGNMENT / "gradebook.csv").read_text()))}
    return out


def test_nbgrader_generate_assignment_builds_the_committed_release(course):
    """The CLI's release holds exactly the files and bytes of `autograder release`."""
    assert course["release"] == release_files(RELEASE / ASSIGNMENT)
    assert any(path.startswith("numnet/") for path in course["release"]) and "pytest.ini" in course["release"]


def test_generate_assignment_refuses_rather_than_leave_a_broken_release(course, tmp_path):
    """A release the hook can't complete is removed, and the log names `autograder release`."""
    root = tmp_path / "course"
    shutil.copytree(course["root"] / "source", root / "source")
    shutil.copyfile(course["root"] / "nbgrader_config.py", root / "nbgrader_config.py")
    manifest = root / "source" / ASSIGNMENT / "assignment.toml"
    manifest.write_text(manifest.read_text().replace('"metrics.py",', '"metrics.py", "no_such_module.py",', 1))
    done = subprocess.run([str(BIN / "nbgrader"), "generate_assignment", ASSIGNMENT, "--force"], cwd=root,
                          env={**course["env"], "PATH": course["env"]["PATH"]}, capture_output=True, text=True, timeout=300)
    assert f"autograder release {ASSIGNMENT}" in done.stdout + done.stderr
    assert done.returncode != 0, "nbgrader must not report success for a release it could not complete"
    assert not (root / "release" / ASSIGNMENT).exists()


def test_per_task_grades_manual_grade_and_late_penalty_agree_everywhere(course):
    """Tasks, the manual answer score, the late penalty and the totals match in nbgrader, the CSV,
    nbgrader's export and the class report."""
    manifest = load_manifest(ASSIGNMENT)
    rows = course["csv"]
    assert rows[REFERENCE]["task: metrics"] == "10" and float(rows[REFERENCE]["autograded"]) == manifest.max_score
    assert float(rows[UNTOUCHED]["total"]) == 0 and rows[UNTOUCHED]["needs_manual_grade"] == "false"
    assert rows[BUGGY]["task: metrics"] == "9", "the grader's override of the task"
    with open_gradebook(course["root"] / "gradebook.db") as gradebook:
        for student, row in rows.items():
            submission = gradebook.find_submission(ASSIGNMENT, student)
            total = submission.score - submission.late_submission_penalty
            assert float(row["total"]) == pytest.approx(total, abs=1e-3)
            assert float(course["export"][student]["score"]) == pytest.approx(total, abs=1e-3)
            assert float(row["late_penalty"]) == pytest.approx(submission.late_submission_penalty, abs=1e-3)
        assert gradebook.find_grade(ANSWER, "LinearRegression", ASSIGNMENT, REFERENCE).score == 3.5
        assert gradebook.find_comment(ANSWER, "LinearRegression", ASSIGNMENT, REFERENCE).manual_comment == "half right"
        assert gradebook.find_comment("metrics", GRADING, ASSIGNMENT, BUGGY).manual_comment == TASK_COMMENT
        late = gradebook.find_submission(ASSIGNMENT, BUGGY)
        assert late.total_seconds_late > 0 and gradebook.find_submission(ASSIGNMENT, REFERENCE).total_seconds_late == 0
    buggy = rows[BUGGY]
    assert float(buggy["late_penalty"]) == pytest.approx(float(buggy["autograded"]) / 2 + float(buggy["written"]) / 2)
    assert float(buggy["total"]) == pytest.approx((float(buggy["autograded"]) + float(buggy["written"])) / 2)
    assert float(rows[REFERENCE]["written"]) == 3.5 and rows[REFERENCE]["needs_manual_grade"] == "true"
    html = (course["root"] / "reports" / ASSIGNMENT / "class_report.html").read_text()
    for student, row in rows.items():
        assert f'<td>{student}</td>\n<td class="n">{float(row["total"]):.3g}</td>' in html


def test_feedback_page_shows_the_gradebook_grade_with_overrides_and_comments(course):
    """The page generate_feedback writes carries the gradebook's grade: the overridden task score, the
    grader's comment, written answers and late penalty, so it agrees with the CSV and the export."""
    rows = course["csv"]
    for student, row in rows.items():
        page = (course["root"] / "feedback" / student / ASSIGNMENT / f"{GRADING}.html").read_text()
        assert f"<strong>{float(row['total']):g}</strong>" in page
        assert f"Module tasks {float(row['autograded']):g}, written answers {float(row['written']):g}" in page
    buggy = next(path for path in course["fetched"] if path.name == f"{GRADING}.html").read_text()
    with open_gradebook(course["root"] / "gradebook.db") as gradebook:
        autograded = gradebook.find_grade("metrics", GRADING, ASSIGNMENT, BUGGY).auto_score
    assert f"9 / 10 (set by a grader; autograded {autograded:g})" in buggy and TASK_COMMENT in buggy
    assert buggy.count("set by a grader") == 1, "only the overridden task is marked"
    assert f"late penalty &minus;{float(rows[BUGGY]['late_penalty']):g}" in buggy
    written = (course["root"] / "feedback" / REFERENCE / ASSIGNMENT / "LinearRegression.html").read_text()
    assert "half right" in written


def test_feedback_page_reaches_the_student_through_the_exchange(course):
    """generate_feedback + release_feedback + fetch_feedback deliver our page and the graded notebook."""
    names = {path.name for path in course["fetched"]}
    assert names == {f"{GRADING}.html", "LinearRegression.html"}
    page = next(path for path in course["fetched"] if path.name == f"{GRADING}.html").read_text()
    assert "metrics" in page and BUGGY in page and "Checks" in page


@pytest.fixture(scope="module")
def server(course):
    """nbgrader's formgrader on a loopback port, in the course folder."""
    with formgrader(course["root"], course["env"]) as running:
        yield running


def test_formgrader_api_shows_each_task_with_its_score_and_feedback(server):
    """Over HTTP: the student's Autograder notebook holds every task's score and the checks as its comment."""
    manifest = load_manifest(ASSIGNMENT)
    notebooks = server.get(f"/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{GRADING}")
    submission = next(nb for nb in notebooks if nb["student"] == BUGGY)
    grades = {g["name"]: g for g in server.get(f"/formgrader/api/grades?submission_id={submission['id']}")}
    assert set(grades) == set(manifest.tasks)
    assert grades["metrics"]["manual_score"] == 9 and grades["metrics"]["auto_score"] < 10
    assert grades["closed_form"]["auto_score"] == grades["closed_form"]["max_score"] == 20
    comments = {c["name"]: c for c in server.get(f"/formgrader/api/comments?submission_id={submission['id']}")}
    assert "failed" in comments["metrics"]["auto_comment"] and "passed" in comments["closed_form"]["auto_comment"]
    student = server.get(f"/formgrader/api/submission/{ASSIGNMENT}/{REFERENCE}")
    assert student["score"] == pytest.approx(manifest.max_score + 3.5)


def test_formgrader_totals_agree_with_the_csv_after_manual_grading(server, course):
    """The formgrader's score (before nbgrader's late penalty) and its task score match the CSV for everyone."""
    for student, row in course["csv"].items():
        shown = server.get(f"/formgrader/api/submission/{ASSIGNMENT}/{student}")
        assert shown["score"] - float(row["late_penalty"]) == pytest.approx(float(row["total"]), abs=1e-3)
        assert shown["task_score"] == pytest.approx(float(row["autograded"]), abs=1e-3)
