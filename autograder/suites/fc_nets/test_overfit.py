"""Hidden check of the notebook's training result: FullyConnectedNet trained by gradient descent
fits a small training set (the verdict is computed here, from the trained parameters)."""
import numpy as np
import pytest

from autograder.grading.checks import Recipe, expect_fits

HIDDEN = [64, 64]
WEIGHT_SCALE = 0.15
#: 20 examples of 40 features: linearly separable by construction; the reference passes with a third of the steps
RECIPE = Recipe(examples=20, input_shape=(40,), classes=5, learning_rate=0.3, steps=30)


def networks(student, reference):
    """The student's network and the reference's, with the reference's initial parameters."""
    shape = dict(input_dim=RECIPE.input_shape[0], num_classes=RECIPE.classes, weight_scale=WEIGHT_SCALE)
    evaluator = reference.classifiers.fc_net.FullyConnectedNet(HIDDEN, **shape, dtype=np.float64)
    return student.classifiers.fc_net.FullyConnectedNet(HIDDEN, **shape, dtype="float64"), evaluator


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.overfit")
def test_fc_net_fits_a_small_training_set(student, reference, rng):
    """gradient descent on your gradients fits a small training set: at least 90% of it classified correctly"""
    expect_fits(*networks(student, reference), RECIPE, rng)
