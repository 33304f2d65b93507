"""Property tests of the hidden suites over many student ids, run in this process.

- the reference scores full marks on every hidden test for every id;
- every corpus bug loses points on each task it names, for every id;
- every alternative correct implementation of the corpora scores full marks for every id.

The number of ids comes from ``$AUTOGRADER_PROPERTY_IDS`` (reference), ``$AUTOGRADER_BUG_IDS``
(bugs) and ``$AUTOGRADER_ALTERNATIVE_IDS`` (alternatives); the defaults keep ``make test``
short. The full run (docs/testing.md) sets them to 2000, 50 and 200.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import test_corpus_conv_nets
import test_corpus_fc_nets
import test_corpus_linear_regression
from grading_support import TEST_SECRET, Mutation, reference_submission
from local_grading import LocalWorker, Run, staged_worker, sweep

ASSIGNMENTS = ("linear_regression", "fc_nets", "conv_nets")
CORPORA = {"linear_regression": test_corpus_linear_regression, "fc_nets": test_corpus_fc_nets,
           "conv_nets": test_corpus_conv_nets}
REFERENCE_IDS = int(os.environ.get("AUTOGRADER_PROPERTY_IDS", "40"))
BUG_IDS = int(os.environ.get("AUTOGRADER_BUG_IDS", "50"))
ALTERNATIVE_IDS = int(os.environ.get("AUTOGRADER_ALTERNATIVE_IDS", "10"))


def student_ids(count: int, salt: str) -> list[str]:
    return [f"{salt}-{i:05d}" for i in range(count)]


def failures(run: Run) -> list[str]:
    """One line per failed test or internal error, for the assertion message."""
    return [f"{sid}: {r.nodeid}: {r.message[:300]}" for sid, o in run.outcomes.items() for r in o.failed] + [
        f"{sid}: internal error {e[:300]}" for sid, o in run.outcomes.items() for e in o.errors]


def mutation_runs(assignment: str, mutations: list[Mutation], ids: list[str], tmp_path: Path,
                  only_lost: bool) -> list[Run]:
    """One run per mutation of the reference submission."""
    runs = []
    for index, mutation in enumerate(mutations):
        submission = reference_submission(assignment, tmp_path / f"submission{index}")
        mutation.apply(submission)
        worker = staged_worker(assignment, submission, tmp_path / f"staged{index}")
        runs.append(Run(worker, ids, set(mutation.lost) if only_lost else None))
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_scores_full_marks_for_every_student_id(assignment):
    (run,) = sweep(assignment, [Run(LocalWorker(), student_ids(REFERENCE_IDS, "reference"))], TEST_SECRET)
    assert failures(run) == []


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_bug_loses_points_on_its_tasks_for_every_student_id(assignment, tmp_path):
    bugs = CORPORA[assignment].BUGS
    runs = sweep(assignment, mutation_runs(assignment, bugs, student_ids(BUG_IDS, "bug"), tmp_path, True), TEST_SECRET)
    missed = {(bug.name, sid): sorted(bug.lost - o.lost_tasks)
              for bug, run in zip(bugs, runs) for sid, o in run.outcomes.items() if o.lost_tasks != bug.lost}
    assert missed == {}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_alternative_scores_full_marks_for_every_student_id(assignment, tmp_path):
    alternatives = CORPORA[assignment].ALTERNATIVES
    runs = sweep(assignment, mutation_runs(assignment, alternatives, student_ids(ALTERNATIVE_IDS, "alternative"),
                                           tmp_path, False), TEST_SECRET)
    assert {m.name: failures(run) for m, run in zip(alternatives, runs) if failures(run)} == {}
