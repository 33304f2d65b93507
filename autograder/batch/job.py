"""One unit of batch work: grade a submission and write its outputs.

:func:`grade_job` runs in a pool process or on a Dask worker. It never raises:
whatever goes wrong becomes a :class:`JobOutcome` with ``error`` set, so one bad
submission cannot stop the batch.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from autograder.batch.state import GradingState, StudentPaths
from autograder.grading.feedback import write_feedback
from autograder.grading.results import write_results
from autograder.grading.runner import GradingOptions, grade_submission
from autograder.manifest import load_manifest


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to grade one submission (picklable)."""

    assignment: str
    student: str
    submission: Path
    source_sha256: str
    paths: StudentPaths
    options: GradingOptions


@dataclass(frozen=True)
class JobOutcome:
    """What the scheduler learns about one job."""

    student: str
    score: float = 0.0
    max_score: float = 0.0
    seconds: float = 0.0
    error: str = ""
    skipped: bool = False


def grade_job(job: Job) -> JobOutcome:
    """Grade ``job``, write results, feedback and state (in that order); never raise."""
    started = time.monotonic()
    try:
        graded = grade_submission(job.assignment, job.submission, job.student, job.options)
        results = graded.results
        write_results(job.paths.results, results, graded.known_names)
        write_feedback(job.paths.feedback, results, load_manifest(job.assignment).title, job.student)
        seconds = time.monotonic() - started
        GradingState(job.source_sha256, results.extra_data.get("submission_sha256", ""), results.score,
                     results.max_score, round(seconds, 3), results.extra_data["graded_with"]).write(job.paths.state)
        error = "; ".join(graded.internal_errors)
        return JobOutcome(job.student, results.score, results.max_score, seconds, error)
    except BaseException as exc:  # noqa: BLE001 - one submission must never stop the batch
        if isinstance(exc, KeyboardInterrupt):
            raise
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return JobOutcome(job.student, seconds=time.monotonic() - started, error=f"grading raised {detail}")
