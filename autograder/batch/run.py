"""A whole batch: discover, skip what is already graded, grade the rest in parallel,
and gather one row per student for the reports."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from autograder.batch.discovery import Submission, discover
from autograder.batch.job import Job, JobOutcome
from autograder.batch.schedule import run_dask, run_local
from autograder.batch.state import GradingState, StudentPaths, is_current
from autograder.grading.results import Results
from autograder.grading.runner import GradingOptions
from autograder.grading.seeds import load_secret
from autograder.paths import CourseLayout


@dataclass
class BatchOptions:
    """How to run a batch."""

    grading: GradingOptions
    workers: int = 2
    scheduler: str | None = None
    force: bool = False
    zips: Path | None = None


@dataclass(frozen=True)
class ClassRow:
    """One student's line in the reports: their results, or why there are none, and what they submitted."""

    student: str
    results: Results | None
    error: str
    seconds: float
    skipped: bool
    submission: Path | None = None


def plan(assignment: str, course: CourseLayout, options: BatchOptions) -> tuple[list[Job], list[Submission]]:
    """The jobs to run, and the submissions already graded with the same inputs (skipped unless ``force``)."""
    grading = options.grading
    inputs = grading.fingerprints(grading.manifest(assignment), grading.secret or load_secret((grading.release_root,)))
    jobs, skipped = [], []
    for submission in discover(course.submitted, assignment, options.zips):
        paths = StudentPaths.of(course, submission.student, assignment)
        try:
            source = submission.source_sha256()
        except OSError:  # unreadable: graded anyway, where staging explains the problem to the student
            source = ""
        if not options.force and source and is_current(paths, source, inputs):
            skipped.append(submission)
        else:
            jobs.append(Job(assignment, submission.student, submission.path, source, paths, options.grading))
    return jobs, skipped


def execute(jobs: list[Job], options: BatchOptions) -> Iterator[JobOutcome]:
    """Outcomes of ``jobs`` as they finish, on the chosen scheduler."""
    if options.scheduler:
        return run_dask(jobs, options.scheduler)
    return run_local(jobs, options.workers)


def run_batch(assignment: str, course: CourseLayout, options: BatchOptions,
              on_start: Callable[[int, int], None] = lambda todo, skipped: None,
              on_outcome: Callable[[JobOutcome], None] = lambda outcome: None) -> list[ClassRow]:
    """Grade the class; return one row per student, sorted by student."""
    jobs, skipped = plan(assignment, course, options)
    on_start(len(jobs), len(skipped))
    outcomes = {s.student: JobOutcome(s.student, skipped=True) for s in skipped}
    submitted = {s.student: s.path for s in skipped} | {job.student: job.submission for job in jobs}
    for outcome in execute(jobs, options):
        outcomes[outcome.student] = outcome
        on_outcome(outcome)
    return [_row(course, assignment, outcomes[student], submitted[student]) for student in sorted(outcomes)]


def _row(course: CourseLayout, assignment: str, outcome: JobOutcome, submission: Path) -> ClassRow:
    """The row of one student, reading the results written by the job (or a previous run)."""
    paths = StudentPaths.of(course, outcome.student, assignment)
    state = GradingState.read(paths.state)
    raised = bool(outcome.error) and outcome.max_score == 0 and not outcome.skipped
    if raised or state is None or not paths.results.is_file():
        return ClassRow(outcome.student, None, outcome.error or "no results were recorded", outcome.seconds,
                        outcome.skipped, submission)
    try:
        results = Results.from_json(json.loads(paths.results.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError) as exc:  # a damaged file costs this row only
        return ClassRow(outcome.student, None, f"the recorded results can't be read ({type(exc).__name__})",
                        outcome.seconds, outcome.skipped, submission)
    return ClassRow(outcome.student, results, outcome.error, state.seconds, outcome.skipped, submission)
