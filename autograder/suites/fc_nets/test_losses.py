"""Hidden checks of the softmax and multiclass SVM losses."""
import numpy as np
import pytest

from autograder.grading.checks import check_loss, check_loss_numeric
from autograder.suites.fc_nets.inputs import scores

pytestmark = pytest.mark.rule("layers.untouched")

LOSSES = ["softmax_loss", "svm_loss"]


@pytest.mark.task("losses")
@pytest.mark.rule("softmax.loss", "svm.loss", "softmax.stable")
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("case", ["one_example", "batch", "large_scores"])
def test_loss(student, reference, rng, tol, loss, case):
    """the loss and its gradient match the reference (one example, a batch, scores of size 1e3)"""
    x, y = scores(rng, case)
    unnormalized = getattr(reference.layers, loss)(x, y)[1] * x.shape[0]
    check_loss(student, reference, f"layers.{loss}", x, y, tol["forward"],
               {"dx not divided by the number of examples N": unnormalized})


@pytest.mark.task("losses")
@pytest.mark.rule("layers.float32")
@pytest.mark.parametrize("loss", LOSSES)
def test_loss_float32(student, reference, rng, tol, loss):
    """the loss keeps float32 scores in float32"""
    x, y = scores(rng, "batch", np.float32)
    check_loss(student, reference, f"layers.{loss}", x, y, tol["float32"])


@pytest.mark.task("losses")
@pytest.mark.rule("softmax.loss", "svm.loss")
@pytest.mark.requires("test_loss")
@pytest.mark.parametrize("loss", LOSSES)
def test_loss_numeric(student, rng, tol, loss):
    """the loss's dx agrees with the numeric gradient of your own loss"""
    check_loss_numeric(student, f"layers.{loss}", *scores(rng, "small"), rng, tol["numeric"])
