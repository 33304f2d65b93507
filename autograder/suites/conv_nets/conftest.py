"""A failing check of ThreeLayerConvNet names the layer tasks to fix first (a cascade)."""
from __future__ import annotations

from autograder.grading.checks import cascade_hook, check_backward, check_forward
from autograder.suites.conv_nets.inputs import CONV_CASES, POOL_CASES, conv_inputs, pool_inputs

NETWORK_TASK = "three_layer_convnet"


def layer_checks(student, reference, rng, tol) -> dict:
    """Quick checks of the layers a ThreeLayerConvNet is made of, by task."""
    # imported here: test modules apply the suite's markers, which exist only once the grading plugin is configured
    from autograder.suites.conv_nets.test_fast_layers import FAST_CONV, IM2COL_POOL
    from autograder.suites.conv_nets.test_spatial_norm import SPATIAL_BN, bn_args

    def layers(*cases):
        def check():
            for spec, args in cases:
                check_forward(student, reference, spec, args, tol["forward"])
                check_backward(student, reference, spec, args, rng, tol["gradient"], tol["numeric"])
        return check

    return {
        "im2col": layers((FAST_CONV, conv_inputs(rng, **CONV_CASES["stride2_pad1"])),
                         (IM2COL_POOL, pool_inputs(rng, **POOL_CASES["tiling_2x2"]))),
        "spatial_batchnorm": layers((SPATIAL_BN, bn_args(rng))),
    }


pytest_runtest_call = cascade_hook(NETWORK_TASK, layer_checks)
