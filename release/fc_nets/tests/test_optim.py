"""One step of each update rule from a fixed state, compared with known results."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from numnet import optim

N, D = 4, 5
W = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
DW = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
STATE = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)

EXPECTED_FIRST_ROW = {
    "sgd_momentum": [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
    "sgd_nesterov_momentum": [0.08714, 0.15246105, 0.21778211, 0.28310316, 0.34842421],
    "rmsprop": [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
    "adam": [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
}
EXPECTED_LAST_ROW = {
    "sgd_momentum": [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096],
    "sgd_nesterov_momentum": [1.06695579, 1.13227684, 1.19759789, 1.26291895, 1.32824],
    "rmsprop": [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619],
    "adam": [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459],
}


def _config(rule):
    if rule in ("sgd_momentum", "sgd_nesterov_momentum"):
        return {"learning_rate": 1e-3, "velocity": STATE.copy()}
    if rule == "rmsprop":
        return {"learning_rate": 1e-2, "cache": STATE.copy()}
    second_moment = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    return {"learning_rate": 1e-2, "m": STATE.copy(), "v": second_moment, "t": 5}


@pytest.mark.task("update_rules")
@pytest.mark.rule("sgd_momentum.update", "sgd_nesterov_momentum.update", "rmsprop.update", "adam.update")
@pytest.mark.parametrize("rule", sorted(EXPECTED_FIRST_ROW))
def test_one_update_step(rule):
    next_w, config = getattr(optim, rule)(W.copy(), DW.copy(), _config(rule))
    assert next_w.shape == W.shape
    assert_allclose(next_w[0], EXPECTED_FIRST_ROW[rule], rtol=1e-6)
    assert_allclose(next_w[-1], EXPECTED_LAST_ROW[rule], rtol=1e-6)
    if rule == "adam":
        assert config["t"] == 6, f"adam must count its steps, t is {config['t']}"


@pytest.mark.task("update_rules")
@pytest.mark.rule("optim.state")
@pytest.mark.parametrize("rule", sorted(EXPECTED_FIRST_ROW))
def test_rules_minimise_a_quadratic(rule):
    w, config = np.array([3.0, -2.0]), {"learning_rate": 0.05}
    for _ in range(500):
        w, config = getattr(optim, rule)(w, 2 * w, config)
    assert np.abs(w).max() < 0.1, f"{rule} ended at {w} instead of near 0"


DEFAULTS = {
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "sgd_nesterov_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}
STATE_KEYS = {"sgd_momentum": ("velocity",), "sgd_nesterov_momentum": ("velocity",), "rmsprop": ("cache",),
         "adam": ("m", "v", "t")}


@pytest.mark.task("update_rules")
@pytest.mark.rule("optim.defaults", "optim.state", "optim.untouched")
@pytest.mark.parametrize("rule", sorted(DEFAULTS))
def test_config_none_takes_the_defaults_and_creates_the_state(rule):
    w, dw = W.copy(), DW.copy()
    next_w, config = getattr(optim, rule)(w, dw, None)
    assert np.array_equal(w, W) and np.array_equal(dw, DW), f"{rule} modified w or dw"
    assert {key: config[key] for key in DEFAULTS[rule]} == DEFAULTS[rule]
    assert set(STATE_KEYS[rule]) <= set(config), f"{rule} did not store its state in config"
    if rule == "adam":
        assert config["t"] == 1
    again, config = getattr(optim, rule)(next_w, dw, config)
    assert again.shape == W.shape
