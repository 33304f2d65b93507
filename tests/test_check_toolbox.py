"""The toolbox's numeric-gradient helper, model, update-rule and shape checks, on small students."""
import copy
from types import SimpleNamespace

import numpy as np
import pytest

from autograder.grading.checks import (
    FULL_CHECK_LIMIT,
    Mismatch,
    check_update_steps,
    expect_shapes,
    model_numeric_gradient_error,
    numeric_gradient_error,
    one_at_a_time,
)

from autograder.grading.checks import gradients

NUMERIC_TOL = 1e-5
NEAR_KINK = 3e-7  # crossed by most components of a unit direction times the first step, by few at the second


relu = one_at_a_time(lambda v: np.maximum(v, 0))
tanh = one_at_a_time(np.tanh)


@pytest.mark.parametrize("size", [FULL_CHECK_LIMIT, FULL_CHECK_LIMIT + 12])  # element by element, then directional
def test_numeric_gradient_tells_a_right_gradient_from_a_wrong_one(rng, size):
    x, dout = rng.standard_normal(size), rng.standard_normal(size)
    right = dout / np.cosh(x) ** 2
    assert numeric_gradient_error(tanh, x, right, dout, rng) < NUMERIC_TOL
    assert numeric_gradient_error(tanh, x, 1.1 * right, dout, rng) > NUMERIC_TOL
    assert numeric_gradient_error(tanh, x, right[:-1], dout[:-1], rng) == np.inf  # wrong shape


def test_a_step_across_a_kink_is_measured_again_with_smaller_steps(rng, monkeypatch):
    """ReLU inputs a hair from zero: the first step crosses the kink along every direction, a smaller one does not."""
    x = rng.choice([-1.0, -NEAR_KINK, NEAR_KINK, 1.0], size=2 * FULL_CHECK_LIMIT)
    dout = rng.standard_normal(x.shape)
    assert numeric_gradient_error(relu, x, dout * (x > 0), dout, rng) < NUMERIC_TOL
    assert numeric_gradient_error(relu, x, dout, dout, rng) > NUMERIC_TOL
    monkeypatch.setattr(gradients, "STEPS", gradients.STEPS[:1])
    assert numeric_gradient_error(relu, x, dout * (x > 0), dout, rng) > NUMERIC_TOL  # one step alone is fooled


def test_a_direction_almost_orthogonal_to_the_gradient_does_not_fail_a_right_one(rng):
    """Along a direction orthogonal to the gradient the directional derivative is ~0 and the
    difference quotient is mostly rounding noise of a larger value: judged against the gradient's
    norm, the noise passes; a gradient off by 1 % still fails."""
    size = FULL_CHECK_LIMIT + 12
    x, offset, along = rng.standard_normal(size), 100.0, 1e-9
    probe = copy.deepcopy(rng)  # draws the same direction seed the helper will draw
    first, second = gradients._unit_directions(np.random.default_rng(int(probe.integers(gradients.SEED_RANGE))),
                                               {"x": x}, gradients.DIRECTIONS)[:2]
    right = second["x"] + (along - second["x"] @ first["x"]) * first["x"]  # derivative 1e-9 along the first
    linear = one_at_a_time(lambda v: offset + v @ right)
    errors = gradients.directional_errors(lambda points: linear([point["x"] for point in points]), {"x": x},
                                          {"x": right}, 1.0, rng)
    assert abs(first["x"] @ right) < 1e-8 and errors.max() < NUMERIC_TOL
    assert numeric_gradient_error(linear, x, 1.01 * right, 1.0, rng) > NUMERIC_TOL


MODEL = """
    import numpy as np

    class Quadratic:
        def __init__(self, factor):
            self.factor = factor
            self.params = {"W": np.ones((2, 3)), "b": np.zeros(3)}

        def loss(self, X, y):
            scores = X @ self.params["W"] + self.params["b"]
            loss = 0.5 * np.sum((scores - y) ** 2)
            d = scores - y
            return loss, {"W": self.factor * X.T @ d, "b": d.sum(0)}
"""


def test_model_gradients_against_numeric_derivatives_of_its_own_loss(make_student, rng):
    probe = make_student(MODEL).probe
    X, y = rng.standard_normal((4, 2)), rng.standard_normal((4, 3))
    params = {"W": rng.standard_normal((2, 3)), "b": rng.standard_normal(3)}
    assert model_numeric_gradient_error(probe.Quadratic(1.0), params, X, y, rng) < NUMERIC_TOL
    wrong = probe.Quadratic(1.5)
    assert model_numeric_gradient_error(wrong, params, X, y, rng) > NUMERIC_TOL
    assert np.array_equal(wrong.get("params")["W"], params["W"])  # left at the given params


RULES = """
    def counted_sgd(w, dw, config=None):
        config = dict(config or {"learning_rate": 0.1})
        config["t"] = config.get("t", 0) + 1
        return w - config["learning_rate"] * dw, config

    def sgd_counting_twice(w, dw, config=None):
        config = dict(config or {"learning_rate": 0.1})
        config["t"] = config.get("t", 0) + 2
        return w - config["learning_rate"] * dw, config

    def sgd_standing_still(w, dw, config=None):
        return w.copy(), config
"""


def test_update_steps_compare_the_weights_and_the_state(make_student, rng):
    def counted_sgd(w, dw, config=None):
        config = dict(config or {"learning_rate": 0.1})
        config["t"] = config.get("t", 0) + 1
        return w - config["learning_rate"] * dw, config

    student = make_student(RULES)
    reference = SimpleNamespace(probe=SimpleNamespace(counted_sgd=counted_sgd, sgd_counting_twice=counted_sgd,
                                                      sgd_standing_still=counted_sgd))
    w, dws = rng.standard_normal((2, 3)), [rng.standard_normal((2, 3)) for _ in range(3)]
    check_update_steps(student, reference, "probe.counted_sgd", w, dws, None, ("t",), 1e-7)
    with pytest.raises(Mismatch, match=r"sgd_counting_twice config\['t'\] after step 1"):
        check_update_steps(student, reference, "probe.sgd_counting_twice", w, dws, None, ("t",), 1e-7)
    with pytest.raises(Mismatch, match="sgd_standing_still next_w after step 1: .*no step taken"):
        check_update_steps(student, reference, "probe.sgd_standing_still", w, dws, {"learning_rate": 0.2}, (), 1e-7,
                           slips=lambda w, dw, before, after: {"no step taken": w})


def test_expected_keys_and_shapes_are_named():
    expected = {"W1": np.zeros((3, 2)), "b1": np.zeros(2)}
    expect_shapes("params", {"W1": np.ones((3, 2)), "b1": np.ones(2)}, expected)
    with pytest.raises(Mismatch, match=r"params\['W1'\] must have shape \(3, 2\), got \(2, 3\)"):
        expect_shapes("params", {"W1": np.ones((2, 3)), "b1": np.ones(2)}, expected)
    with pytest.raises(Mismatch, match=r"params: expected the keys \['W1', 'b1'\], got \['W1'\]"):
        expect_shapes("params", {"W1": np.ones((3, 2))}, expected)
