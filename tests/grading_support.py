"""Building submissions for the grader's own tests: the reference solution and
mutations of it (the corpus of buggy and alternative submissions)."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.limits import Limits
from autograder.grading.runner import Graded, GradingOptions, grade_submission
from autograder.grading.seeds import Secret
from autograder.manifest import load_manifest
from autograder.release.solution import write_solution
from autograder.paths import REFERENCE_PACKAGE, RELEASE
from autograder.release.markers import unmark

TEST_SECRET = Secret(b"secret used by the project's own tests", "tests")


def reference_submission(assignment: str, dest: Path) -> Path:
    """The reference solution laid out as a submission in ``dest`` (``autograder solution``)."""
    write_solution(assignment, dest)
    return dest


@dataclass(frozen=True)
class Mutation:
    """A change to one file of the reference submission.

    ``old`` must occur exactly once in ``file``; it is replaced by ``new``. ``lost``
    names the tasks that must lose points (buggy submissions); an empty ``lost``
    means the mutation is an alternative correct implementation.
    """

    name: str
    file: str
    old: str
    new: str
    lost: frozenset[str] = field(default_factory=frozenset)

    def apply(self, submission: Path) -> None:
        path = submission / self.file
        text = path.read_text()
        count = text.count(self.old)
        if count != 1:
            raise AssertionError(f"{self.name}: the text to replace occurs {count} times in {self.file}")
        path.write_text(text.replace(self.old, self.new))


def bug(name: str, file: str, old: str, new: str, *lost: str) -> Mutation:
    """A buggy submission that must lose points on the tasks ``lost`` (and only there)."""
    return Mutation(name, file, old, new, frozenset(lost))


def spanning(name: str, file: str, start: str, end: str, *edits: tuple[str, str]) -> Mutation:
    """A correct rewrite touching several lines between ``start`` and ``end`` (both included)."""
    path = REFERENCE_PACKAGE / file.removeprefix("numnet/")
    text = unmark(path.read_text(), str(path))  # as `autograder solution` writes it
    begin = text.index(start)
    old = text[begin:text.index(end, begin) + len(end)]
    new = old
    for before, after in edits:
        assert before in new, f"{name}: {before!r} not found"
        new = new.replace(before, after)
    return Mutation(name, file, old, new)


def release_submission(assignment: str, dest: Path) -> Path:
    """The untouched release's student-owned modules laid out as a submission in ``dest``."""
    for name in load_manifest(assignment).student_files:
        if name.startswith("numnet/"):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(RELEASE / assignment / name, dest / name)
    return dest


def grade(assignment: str, submission: Path, student: str = "corpus", limits: Limits | None = None) -> Graded:
    """Grade with the tests' secret and default limits."""
    return grade_submission(assignment, submission, student, GradingOptions(limits=limits or Limits(), secret=TEST_SECRET))


def task_scores(graded: Graded) -> dict[str, tuple[float, float]]:
    """``task -> (score, max_score)``."""
    return {name: (t["score"], t["max_score"]) for name, t in graded.results.extra_data["tasks"].items()}


def corpus_params(bugs: list[Mutation], alternatives: list[Mutation]) -> list:
    """pytest parameters: the reference (``None``), then every bug and alternative, by name."""
    import pytest

    return [pytest.param(None, id="reference"), *(pytest.param(m, id=m.name) for m in [*bugs, *alternatives])]


def untouched_release_task_states(assignment: str, workdir: Path) -> dict[str, tuple[float, str]]:
    """``task -> (score, status)`` for the untouched release graded as a submission."""
    tasks = grade(assignment, release_submission(assignment, workdir)).results.extra_data["tasks"]
    return {name: (task["score"], task["status"]) for name, task in tasks.items()}


def lost_tasks(graded: Graded) -> set[str]:
    """The tasks that did not get full marks."""
    return {task for task, (score, total) in task_scores(graded).items() if score < total - 1e-6}


def grade_mutation(assignment: str, workdir: Path, mutation: Mutation | None, student: str = "corpus") -> Graded:
    """Grade the reference submission, changed by ``mutation`` when given."""
    submission = reference_submission(assignment, workdir / "submission")
    if mutation is not None:
        mutation.apply(submission)
    graded = grade(assignment, submission, student)
    assert graded.internal_errors == []
    return graded
