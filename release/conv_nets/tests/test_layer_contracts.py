"""What the convolutional layers promise: arguments untouched, dtypes kept."""
import numpy as np
import pytest

from numnet import layers

RNG = np.random.default_rng(7)
IMAGES = RNG.standard_normal((2, 4, 5, 5))
FILTERS, BIASES = RNG.standard_normal((3, 4, 3, 3)), RNG.standard_normal(3)
SCALE, SHIFT = RNG.standard_normal(4), RNG.standard_normal(4)
POOL = {"pool_height": 3, "pool_width": 3, "stride": 2}

# name -> (task, forward, its array arguments, backward)
LAYERS = {
    "conv": ("conv_naive", lambda x, w, b: layers.conv_forward_naive(x, w, b, {"stride": 2, "pad": 1}),
             (IMAGES, FILTERS, BIASES), layers.conv_backward_naive),
    "max_pool": ("max_pool_naive", lambda x: layers.max_pool_forward_naive(x, POOL), (IMAGES,),
                 layers.max_pool_backward_naive),
    "spatial_batchnorm": ("spatial_batchnorm",
                          lambda x, g, b: layers.spatial_batchnorm_forward(x, g, b, {"mode": "train"}),
                          (IMAGES, SCALE, SHIFT), layers.spatial_batchnorm_backward),
    "spatial_groupnorm": ("spatial_groupnorm",
                          lambda x, g, b: layers.spatial_groupnorm_forward(x, g.reshape(1, 4, 1, 1),
                                                                           b.reshape(1, 4, 1, 1), 2, {}),
                          (IMAGES, SCALE, SHIFT), layers.spatial_groupnorm_backward),
}
CASES = [pytest.param(name, marks=pytest.mark.task(task), id=name) for name, (task, *_) in LAYERS.items()]


@pytest.mark.rule("layers.untouched")
@pytest.mark.parametrize("name", CASES)
def test_forward_and_backward_leave_their_arguments_untouched(name):
    _, forward, args, backward = LAYERS[name]
    copies = [arg.copy() for arg in args]
    out, cache = forward(*copies)
    dout = RNG.standard_normal(out.shape)
    kept = dout.copy()
    backward(dout, cache)
    assert np.array_equal(dout, kept), f"{name} backward modified dout"
    for arg, copy in zip(args, copies):
        assert np.array_equal(arg, copy), f"{name} forward modified one of its inputs"


@pytest.mark.rule("layers.float32")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", CASES)
def test_outputs_keep_the_input_dtype(name, dtype):
    _, forward, args, _ = LAYERS[name]
    out, _ = forward(*(arg.astype(dtype) for arg in args))
    assert out.dtype == dtype
