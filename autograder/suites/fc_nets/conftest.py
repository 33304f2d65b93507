"""A failing check of FullyConnectedNet names the layer tasks to fix first (a cascade)."""
from __future__ import annotations

from autograder.grading.checks import cascade_hook, check_backward, check_forward, check_loss
from autograder.suites.fc_nets.inputs import relu_input, scores

NETWORK_TASK = "fc_net"


def layer_checks(student, reference, rng, tol) -> dict:
    """Quick checks of the layers a FullyConnectedNet is made of, by task."""
    # imported here: test modules apply the suite's markers, which exist only once the grading plugin is configured
    from autograder.suites.fc_nets.test_layers import AFFINE, RELU, affine_inputs
    from autograder.suites.fc_nets.test_normalization import BATCHNORM, LAYERNORM, bn_args, ln_args

    def layer(spec, args, dout=None):
        def check():
            check_forward(student, reference, spec, args, tol["forward"])
            check_backward(student, reference, spec, args, rng, tol["gradient"], tol["numeric"], dout=dout)
        return check

    relu_args, relu_dout = relu_input(rng)
    return {
        "affine": layer(AFFINE, affine_inputs(rng)),
        "relu": layer(RELU, relu_args, relu_dout),
        "losses": lambda: check_loss(student, reference, "layers.softmax_loss", *scores(rng, "batch"), tol["forward"]),
        "batchnorm": layer(BATCHNORM, bn_args(rng, 4, 3)),
        "layernorm": layer(LAYERNORM, ln_args(rng, 4, 3)),
    }


pytest_runtest_call = cascade_hook(NETWORK_TASK, layer_checks)
