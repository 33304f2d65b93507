"""Hidden check of the notebook's training result: ThreeLayerConvNet trained by gradient descent
fits a small training set (the verdict is computed here, from the trained parameters)."""
import numpy as np
import pytest

from autograder.grading.checks import Recipe, expect_fits

#: 16 one-channel 8x8 images, 64 values each, so the set can be fitted; the reference passes with a third of the steps
RECIPE = Recipe(examples=16, input_shape=(1, 8, 8), classes=4, learning_rate=0.3, steps=75)
NETWORK = dict(num_filters=6, filter_size=3, hidden_dim=32, weight_scale=0.2)


def networks(student, reference):
    """The student's network and the reference's, with the reference's initial parameters."""
    shape = dict(input_dim=RECIPE.input_shape, num_classes=RECIPE.classes, **NETWORK)
    evaluator = reference.classifiers.cnn.ThreeLayerConvNet(**shape, dtype=np.float64)
    return student.classifiers.cnn.ThreeLayerConvNet(**shape, dtype="float64"), evaluator


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.overfit")
def test_three_layer_convnet_fits_a_small_training_set(student, reference, rng):
    """gradient descent on your gradients fits a small training set: at least 90% of it classified correctly"""
    expect_fits(*networks(student, reference), RECIPE, rng)
