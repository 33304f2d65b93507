"""Hidden checks of the softmax and multiclass SVM losses."""
import numpy as np
import pytest

from autograder.suites.fc_nets.support import check_loss, check_loss_numeric, labels

# (examples, score magnitude): a single example, ordinary scores, scores that overflow exp() unshifted
CASES = {"one_example": (1, 1.0), "batch": (5, 1.0), "large_scores": (4, 1e3)}


def scores(rng, case, dtype=np.float64):
    N, scale = CASES[case]
    C = int(rng.integers(3, 7))
    return (scale * rng.standard_normal((N, C))).astype(dtype), labels(rng, N, C)


def unnormalized(reference, function, x, y):
    """What the loss's dx would be without the division by N."""
    return getattr(reference.layers, function)(x, y)[1] * x.shape[0]


@pytest.mark.task("losses")
@pytest.mark.parametrize("case", CASES)
def test_softmax_loss(student, reference, rng, tol, case):
    """softmax_loss returns the reference's loss and gradient (one example, a batch, scores of size 1e3)"""
    x, y = scores(rng, case)
    check_loss(student, reference, "layers.softmax_loss", x, y, tol["forward"],
               {"dx not divided by the number of examples N": unnormalized(reference, "softmax_loss", x, y)})


@pytest.mark.task("losses")
def test_softmax_loss_float32(student, reference, rng, tol):
    """softmax_loss keeps float32 scores in float32"""
    x, y = scores(rng, "batch", np.float32)
    check_loss(student, reference, "layers.softmax_loss", x, y, tol["float32"])


@pytest.mark.task("losses")
def test_softmax_loss_numeric(student, rng, tol):
    """softmax_loss dx agrees with the numeric gradient of your softmax loss"""
    check_loss_numeric(student, "layers.softmax_loss", *scores(rng, "batch"), rng, tol["numeric"])


@pytest.mark.task("losses")
@pytest.mark.parametrize("case", CASES)
def test_svm_loss(student, reference, rng, tol, case):
    """svm_loss returns the reference's loss and gradient (one example, a batch, scores of size 1e3)"""
    x, y = scores(rng, case)
    check_loss(student, reference, "layers.svm_loss", x, y, tol["forward"],
               {"dx not divided by the number of examples N": unnormalized(reference, "svm_loss", x, y)})


@pytest.mark.task("losses")
def test_svm_loss_numeric(student, rng, tol):
    """svm_loss dx agrees with the numeric gradient of your SVM loss"""
    check_loss_numeric(student, "layers.svm_loss", *scores(rng, "batch"), rng, tol["numeric"])
