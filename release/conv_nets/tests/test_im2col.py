"""The Cython im2col against the pure-NumPy index version, and the fast layers built on it.

The extension is imported inside the tests, so a missing build fails only these tests
(with a message naming `python -m numnet.build_ext`) instead of the whole run.
"""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from numnet.fast_layers import conv_backward_fast, conv_forward_fast
from numnet.im2col import im2col_indices
from numnet.layers import conv_backward_naive, conv_forward_naive


@pytest.mark.task("im2col")
@pytest.mark.rule("im2col.layout", "im2col.float32", "im2col.untouched")
@pytest.mark.parametrize(("shape", "field", "pad", "stride"), [((2, 3, 5, 5), (3, 3), 1, 2), ((3, 2, 6, 7), (2, 3), 0, 1)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_im2col_cython_matches_numpy_version(shape, field, pad, stride, dtype):
    from numnet.im2col_cython import im2col_cython

    x = np.random.default_rng(231).standard_normal(shape).astype(dtype)
    kept = x.copy()
    cols = im2col_cython(x, *field, pad, stride)
    assert cols.dtype == dtype
    assert np.array_equal(x, kept), "im2col_cython modified its input"
    assert_allclose(cols, im2col_indices(x.astype(np.float64), *field, pad, stride), rtol=1e-6)


@pytest.mark.task("im2col")
@pytest.mark.rule("im2col.layout")
def test_fast_convolution_agrees_with_naive():
    rng = np.random.default_rng(231)
    x, w, b = rng.standard_normal((4, 3, 9, 9)), rng.standard_normal((5, 3, 3, 3)), rng.standard_normal(5)
    conv_param = {"stride": 2, "pad": 1}
    out_fast, cache_fast = conv_forward_fast(x, w, b, conv_param)
    out_naive, cache_naive = conv_forward_naive(x, w, b, conv_param)
    assert_allclose(out_fast, out_naive, rtol=1e-9, atol=1e-12)
    dout = rng.standard_normal(out_fast.shape)
    for fast, naive in zip(conv_backward_fast(dout, cache_fast), conv_backward_naive(dout, cache_naive)):
        assert_allclose(fast, naive, rtol=1e-9, atol=1e-12)
