"""The hidden "fits a small training set" checks give one verdict per submission, whatever the student id.

Run in this process with the real grading plugin (tests/local_grading.py), restricted to those
checks: the reference passes for every id, with a wide margin (it already passes with a third
of the steps, while with no step at all the check fails), and broken networks fail for every id.
Ids: ``$AUTOGRADER_PROPERTY_IDS`` for the reference (default 40, as in tests/test_properties.py),
``$AUTOGRADER_OVERFIT_BUG_IDS`` for broken networks (default 50); ``make invariance`` does not run
this file, so a long measurement sets them here (2000 and 50 are the figures in docs/invariance.md).
"""
from __future__ import annotations

import dataclasses
import importlib
import os

import pytest

from grading_support import TEST_SECRET, bug, reference_submission
from local_grading import LocalWorker, Run, staged_worker, sweep
from autograder_student.status import Status

REFERENCE_IDS = int(os.environ.get("AUTOGRADER_PROPERTY_IDS", "40"))
BUG_IDS = int(os.environ.get("AUTOGRADER_OVERFIT_BUG_IDS", "50"))
CHECKS = {"fc_nets": "test_fc_net_fits_a_small_training_set",
          "conv_nets": "test_three_layer_convnet_fits_a_small_training_set"}
FC_NET, CNN, LAYERS = "numnet/classifiers/fc_net.py", "numnet/classifiers/cnn.py", "numnet/layers.py"
BROKEN = {
    "fc_nets": [
        bug("backward from the negated score gradient", FC_NET, 'affine_backward(dscores, last_cache)',
            'affine_backward(-dscores, last_cache)'),
        bug("relu backward masks by the upstream gradient", LAYERS, "np.where(x > 0, dout, 0)",
            "np.where(dout > 0, dout, 0)"),
    ],
    "conv_nets": [
        bug("backward from the negated score gradient", CNN, 'affine_backward(dscores, scores_cache)',
            'affine_backward(-dscores, scores_cache)'),
        bug("network convolution without padding", CNN, "pad = (filter_size - 1) // 2", "pad = 0"),
    ],
}


def verdicts(assignment: str, runs: list[Run]) -> list[dict[str, str]]:
    """Per run, each student id's status of the assignment's overfitting check."""
    sweep(assignment, runs, TEST_SECRET, CHECKS[assignment])
    return [{sid: next(r.status for r in outcome.records) for sid, outcome in run.outcomes.items()} for run in runs]


def ids(count: int, salt: str) -> list[str]:
    return [f"{salt}-{i:05d}" for i in range(count)]


@pytest.fixture
def steps(monkeypatch):
    """Change the number of descent steps of an assignment's recipe for this test."""
    def change(assignment: str, fraction: float) -> None:
        suite = importlib.import_module(f"autograder.suites.{assignment}.test_overfit")
        monkeypatch.setattr(suite, "RECIPE", dataclasses.replace(suite.RECIPE, steps=int(suite.RECIPE.steps * fraction)))
    return change


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(CHECKS))
def test_the_reference_fits_for_every_student_id(assignment):
    (statuses,) = verdicts(assignment, [Run(LocalWorker(), ids(REFERENCE_IDS, "reference"))])
    assert {sid: status for sid, status in statuses.items() if status is not Status.PASSED} == {}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(CHECKS))
def test_the_margin_is_wide_a_third_of_the_steps_fits_and_none_does_not(assignment, steps):
    steps(assignment, 1 / 3)
    (statuses,) = verdicts(assignment, [Run(LocalWorker(), ids(REFERENCE_IDS, "margin"))])
    assert {sid: status for sid, status in statuses.items() if status is not Status.PASSED} == {}
    steps(assignment, 0)
    (statuses,) = verdicts(assignment, [Run(LocalWorker(), ids(10, "untrained"))])
    assert set(statuses.values()) == {Status.FAILED}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(CHECKS))
def test_broken_networks_fail_for_every_student_id(assignment, tmp_path):
    runs = []
    for index, mutation in enumerate(BROKEN[assignment]):
        submission = reference_submission(assignment, tmp_path / f"submission{index}")
        mutation.apply(submission)
        runs.append(Run(staged_worker(assignment, submission, tmp_path / f"staged{index}"), ids(BUG_IDS, "broken")))
    results = verdicts(assignment, runs)
    passed = {mutation.name: [sid for sid, status in statuses.items() if status is Status.PASSED]
              for mutation, statuses in zip(BROKEN[assignment], results)}
    assert {name: sids for name, sids in passed.items() if sids} == {}
