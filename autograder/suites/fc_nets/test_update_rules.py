"""Hidden checks of the update rules over several consecutive steps, state included."""
import pytest

from autograder.grading.checks import check_update_steps

pytestmark = pytest.mark.rule("optim.untouched")

STEPS = 3
RULES = {
    "sgd_momentum": ("velocity",),
    "sgd_nesterov_momentum": ("velocity",),
    "rmsprop": ("cache",),
    "adam": ("m", "v", "t"),
}


def hyperparameters(rng, rule):
    """A custom configuration for ``rule`` (no state: the rule must create it)."""
    config = {"learning_rate": float(rng.uniform(1e-3, 1e-1))}
    if rule in ("sgd_momentum", "sgd_nesterov_momentum"):
        config["momentum"] = float(rng.uniform(0.5, 0.95))
    elif rule == "rmsprop":
        config.update(decay_rate=float(rng.uniform(0.8, 0.99)), epsilon=float(rng.uniform(1e-8, 1e-6)))
    else:
        config.update(beta1=float(rng.uniform(0.7, 0.95)), beta2=float(rng.uniform(0.9, 0.999)))
    return config


def slips(rule, w, dw, config):
    """The next ``w`` the usual mistakes of ``rule`` would give; ``config`` holds the state before the step."""
    lr = config["learning_rate"]
    if rule == "sgd_nesterov_momentum":
        return {"plain momentum instead of Nesterov's look-ahead": w + config["momentum"] * config["velocity"] - lr * dw}
    if rule == "rmsprop":
        cache = config["decay_rate"] * config["cache"] + (1 - config["decay_rate"]) * dw**2
        return {"missing square root of the cache": w - lr * dw / (cache + config["epsilon"])}
    return {}


def check_steps(student, reference, rng, tol, rule, config):
    """Run ``STEPS`` steps of the student's and the reference's rule side by side."""
    shape = (int(rng.integers(1, 5)), int(rng.integers(2, 6)))
    w = rng.standard_normal(shape)
    gradients = [rng.standard_normal(shape) for _ in range(STEPS)]
    check_update_steps(student, reference, f"optim.{rule}", w, gradients, config, RULES[rule], tol["forward"],
                       slips=lambda w, dw, before, after: slips(rule, w, dw, {**after, "velocity": 0.0, "cache": 0.0,
                                                                            **before}))  # zero state before step 1


@pytest.mark.task("update_rules")
@pytest.mark.rule("sgd_momentum.update", "sgd_nesterov_momentum.update", "rmsprop.update", "adam.update", "optim.state")
@pytest.mark.weight(2)
@pytest.mark.parametrize("rule", RULES)
def test_update_rule_custom_config(student, reference, rng, tol, rule):
    """the update rule matches the reference, state included, over consecutive steps with custom hyperparameters"""
    check_steps(student, reference, rng, tol, rule, hyperparameters(rng, rule))


@pytest.mark.task("update_rules")
@pytest.mark.rule("optim.defaults", "optim.state")
@pytest.mark.parametrize("rule", RULES)
def test_update_rule_defaults(student, reference, rng, tol, rule):
    """the update rule uses the default hyperparameters when config is None"""
    check_steps(student, reference, rng, tol, rule, None)
