"""Hidden checks of the softmax and multiclass SVM losses."""
import numpy as np
import pytest

from autograder.suites.fc_nets.support import check_loss, check_loss_numeric, labels

pytestmark = pytest.mark.rule("layers.untouched")

LOSSES = ["softmax_loss", "svm_loss"]
# (examples, score magnitude): a single example, ordinary scores, scores that overflow exp() unshifted
CASES = {"one_example": (1, 1.0), "batch": (4, 1.0), "large_scores": (4, 1e3), "small": (2, 1.0)}


OVERFLOW = 710.0  # exp() of float64 overflows above about 709.78


def scores(rng, case, dtype=np.float64):
    """Scores and labels; in the large case every row's maximum lies beyond exp()'s overflow point."""
    N, scale = CASES[case]
    C = int(rng.integers(3, 7))
    x = scale * rng.standard_normal((N, C))
    if scale > OVERFLOW:
        x += rng.uniform(OVERFLOW + 100, 2 * scale, size=(N, 1)) - x.max(axis=1, keepdims=True)
    return x.astype(dtype), labels(rng, N, C)


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
