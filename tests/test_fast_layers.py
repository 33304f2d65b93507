"""The fast layers agree with the naive ones on every path, dtype and memory layout."""
from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import numnet
from numnet import fast_layers as fl
from numnet import im2col, layers
from numnet.gradient_check import rel_error

ext = pytest.importorskip("numnet.im2col_cython", reason="extension not built: run `python -m numnet.build_ext`")

CONV_PATHS = {
    "fast": (fl.conv_forward_fast, fl.conv_backward_fast),
    "im2col": (fl.conv_forward_im2col, fl.conv_backward_im2col),
    "strides": (fl.conv_forward_strides, fl.conv_backward_strides),
}
POOL_PATHS = {
    "fast": (fl.max_pool_forward_fast, fl.max_pool_backward_fast),
    "im2col": (fl.max_pool_forward_im2col, fl.max_pool_backward_im2col),
    "reshape": (fl.max_pool_forward_reshape, fl.max_pool_backward_reshape),
}
LAYOUTS = {
    "contiguous": lambda a: a,
    "reversed": lambda a: np.ascontiguousarray(a[..., ::-1])[..., ::-1],
    "transposed": lambda a: np.ascontiguousarray(a.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2),
    "fortran": np.asfortranarray,
}


def assert_close(actual: np.ndarray, expected: np.ndarray) -> None:
    """float64: the course's elementwise relative error below 1e-9; float32: error below 1e-4 of the scale."""
    assert actual.shape == expected.shape
    if expected.dtype == np.float32:
        assert actual.dtype == np.float32
        scale = max(float(np.max(np.abs(expected))), 1e-30)
        assert float(np.max(np.abs(actual.astype(np.float64) - expected))) / scale < 1e-4
    else:
        assert actual.dtype == expected.dtype
        assert rel_error(actual, expected) < 1e-9


def random_conv(seed: int) -> tuple[tuple[int, ...], tuple[int, ...], dict[str, int]]:
    """A random valid convolution geometry: x shape, w shape, conv_param."""
    rng = np.random.default_rng(seed)
    stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    HH, WW = (int(v) for v in rng.integers(1, 6, size=2))
    H_out, W_out = (int(v) for v in rng.integers(1, 7, size=2))
    H = (H_out - 1) * stride + HH - 2 * pad
    W = (W_out - 1) * stride + WW - 2 * pad
    if H < 1 or W < 1:
        pad = 0
        H, W = (H_out - 1) * stride + HH, (W_out - 1) * stride + WW
    N, C, F = (int(v) for v in rng.integers(1, 6, size=3))
    return (N, C, H, W), (F, C, HH, WW), {"stride": stride, "pad": pad}


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("path", CONV_PATHS)
def test_conv_paths_match_naive(path: str, dtype: type, seed: int) -> None:
    x_shape, w_shape, conv_param = random_conv(seed)
    rng = np.random.default_rng(100 + seed)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    out, cache = layers.conv_forward_naive(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape).astype(dtype)
    expected = (out, *layers.conv_backward_naive(dout, cache))
    forward, backward = CONV_PATHS[path]
    fast_out, fast_cache = forward(x, w, b, conv_param)
    for actual, wanted in zip((fast_out, *backward(dout, fast_cache)), expected):
        assert_close(actual, wanted)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("path", CONV_PATHS)
def test_conv_accepts_any_memory_layout_and_leaves_inputs_alone(path: str, layout: str) -> None:
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(s) for s in ((3, 2, 9, 7), (4, 2, 3, 3), (4,), (3, 4, 5, 4))]
    x, w, _, dout = (LAYOUTS[layout](a) if a.ndim == 4 else a for a in arrays)
    b = arrays[2]
    conv_param = {"stride": 2, "pad": 1}
    copies = [a.copy() for a in (x, w, b, dout)]
    out, cache = layers.conv_forward_naive(x, w, b, conv_param)
    expected = (out, *layers.conv_backward_naive(dout, cache))
    forward, backward = CONV_PATHS[path]
    fast_out, fast_cache = forward(x, w, b, conv_param)
    for actual, wanted in zip((fast_out, *backward(dout, fast_cache)), expected):
        assert_close(actual, wanted)
    for before, after in zip(copies, (x, w, b, dout)):
        np.testing.assert_array_equal(before, after)


def check_fast_conv_on_a_small_batch(seed: int) -> None:
    """conv_forward_fast and conv_backward_fast on a batch of 9 images match the naive layers."""
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((9, 3, 8, 8)), rng.standard_normal((5, 3, 3, 3)), rng.standard_normal(5)
    conv_param = {"stride": 1, "pad": 1}
    out, cache = layers.conv_forward_naive(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape)
    fast_out, fast_cache = fl.conv_forward_fast(x, w, b, conv_param)
    for actual, wanted in zip((fast_out, *fl.conv_backward_fast(dout, fast_cache)),
                              (out, *layers.conv_backward_naive(dout, cache))):
        assert_close(actual, wanted)


def test_conv_fast_splits_big_jobs_between_threads_and_still_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fl, "PARALLEL_MIN_FLOPS", 0)
    monkeypatch.setattr(fl, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(fl, "_worker_count", lambda flops: 2)
    check_fast_conv_on_a_small_batch(3)


def test_conv_fast_does_not_wait_for_a_helper_thread_that_never_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    # The only helper thread is kept busy, as on a machine whose other core is taken.
    busy, gate = ThreadPoolExecutor(max_workers=1), threading.Event()
    busy.submit(gate.wait)
    monkeypatch.setattr(fl, "_executor", lambda: busy)
    monkeypatch.setattr(fl, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(fl, "_worker_count", lambda flops: 2)
    caller = ThreadPoolExecutor(max_workers=1)
    try:
        # TimeoutError here: the convolution waited for the helper
        caller.submit(check_fast_conv_on_a_small_batch, 4).result(timeout=30)
    finally:
        gate.set()
        busy.shutdown()
        caller.shutdown()


POOLS = [
    ((2, 3, 8, 8), {"pool_height": 2, "pool_width": 2, "stride": 2}),
    ((3, 2, 9, 12), {"pool_height": 3, "pool_width": 3, "stride": 3}),
    ((2, 3, 9, 9), {"pool_height": 3, "pool_width": 3, "stride": 2}),
    ((2, 2, 7, 10), {"pool_height": 3, "pool_width": 2, "stride": 2}),
    ((1, 3, 6, 5), {"pool_height": 2, "pool_width": 1, "stride": 1}),
    ((2, 1, 5, 5), {"pool_height": 5, "pool_width": 5, "stride": 1}),
]


def pool_paths_for(pool_param: dict[str, int]) -> list[str]:
    """The reshape path only handles windows that tile the input."""
    tiles = pool_param["pool_height"] == pool_param["pool_width"] == pool_param["stride"]
    return [path for path in POOL_PATHS if tiles or path != "reshape"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("x_shape, pool_param", POOLS)
def test_pool_paths_match_naive_exactly(x_shape: tuple[int, ...], pool_param: dict[str, int], layout: str,
                                        dtype: type) -> None:
    rng = np.random.default_rng(sum(x_shape))
    x = LAYOUTS[layout](rng.standard_normal(x_shape).astype(dtype))
    out, cache = layers.max_pool_forward_naive(x, pool_param)
    dout = LAYOUTS[layout](rng.standard_normal(out.shape).astype(dtype))
    dx = layers.max_pool_backward_naive(dout, cache)
    x_before = x.copy()
    for path in pool_paths_for(pool_param):
        forward, backward = POOL_PATHS[path]
        fast_out, fast_cache = forward(x, pool_param)
        np.testing.assert_array_equal(fast_out, out, err_msg=path)
        assert fast_out.dtype == dtype
        fast_dx = backward(dout, fast_cache)
        assert fast_dx.dtype == dtype
        np.testing.assert_allclose(fast_dx, dx, rtol=1e-6 if dtype == np.float32 else 1e-12, err_msg=path)
    np.testing.assert_array_equal(x, x_before)


@pytest.mark.parametrize("x_shape, pool_param", POOLS)
def test_pool_ties_go_to_the_first_maximum_like_naive(x_shape: tuple[int, ...], pool_param: dict[str, int]) -> None:
    rng = np.random.default_rng(11)
    x = rng.integers(0, 2, size=x_shape).astype(np.float64)  # plenty of ties, including whole windows
    x[0, 0] = 1.0  # a plane where every window is one big tie
    out, cache = layers.max_pool_forward_naive(x, pool_param)
    dout = rng.standard_normal(out.shape)
    dx = layers.max_pool_backward_naive(dout, cache)
    for path in pool_paths_for(pool_param):
        forward, backward = POOL_PATHS[path]
        fast_dx = backward(dout, forward(x, pool_param)[1])
        np.testing.assert_array_equal(fast_dx != 0, dx != 0, err_msg=path)
        np.testing.assert_allclose(fast_dx, dx, rtol=1e-12, err_msg=path)


def test_fast_pool_is_compiled_for_floats_and_reshapes_other_dtypes_only_when_windows_tile() -> None:
    x = np.zeros((1, 1, 9, 9))
    for dtype in (np.float64, np.float32):
        assert fl.max_pool_forward_fast(x.astype(dtype), {"pool_height": 3, "pool_width": 3, "stride": 2})[1][0] == "compiled"
    ints = x.astype(np.int64)
    assert fl.max_pool_forward_fast(ints, {"pool_height": 3, "pool_width": 3, "stride": 3})[1][0] == "reshape"
    assert fl.max_pool_forward_fast(ints, {"pool_height": 3, "pool_width": 3, "stride": 2})[1][0] == "im2col"
    with pytest.raises(ValueError, match="tile"):
        fl.max_pool_forward_reshape(x, {"pool_height": 3, "pool_width": 3, "stride": 2})


@pytest.mark.parametrize("x_shape, pool_param", POOLS)
def test_fast_pool_matches_naive_on_integers_nans_and_mixed_dtypes(x_shape: tuple[int, ...],
                                                                   pool_param: dict[str, int]) -> None:
    rng = np.random.default_rng(5)
    ints = rng.integers(-3, 4, size=x_shape)
    nans = rng.standard_normal(x_shape)
    nans[rng.random(x_shape) < 0.2] = np.nan
    for x, dout_dtype in ((ints, np.int64), (nans, np.float64), (nans.astype(np.float32), np.float64),
                          (nans, np.float32)):
        out, cache = layers.max_pool_forward_naive(x, pool_param)
        dout = rng.standard_normal(out.shape).astype(dout_dtype) if dout_dtype != np.int64 else \
            rng.integers(-5, 5, size=out.shape)
        dx = layers.max_pool_backward_naive(dout, cache)
        fast_out, fast_cache = fl.max_pool_forward_fast(x, pool_param)
        np.testing.assert_array_equal(fast_out, out)
        assert fast_out.dtype == out.dtype
        fast_dx = fl.max_pool_backward_fast(dout, fast_cache)
        assert fast_dx.dtype == dx.dtype or x is ints  # integer gradients may be computed in float64
        np.testing.assert_array_equal(fast_dx, dx)


def test_compiled_pool_backward_rejects_an_argmax_outside_the_plane() -> None:
    out, argmax = ext.max_pool_cython(np.ones((1, 1, 4, 4)), 2, 2, 2)
    dout = np.ones(out.shape)
    np.testing.assert_array_equal(ext.max_pool_backward_cython(dout, argmax, 4, 4)[0, 0, ::2, ::2], 1)
    for bad in (-1, 16):
        argmax[0, 0, 1, 1] = bad
        with pytest.raises(ValueError, match="argmax must index a plane of 4x4"):
            ext.max_pool_backward_cython(dout, argmax, 4, 4)


@pytest.mark.parametrize("args, message", [
    (((2, 3, 5, 5), (4, 2, 3, 3), {"stride": 1, "pad": 1}), "channels"),
    (((2, 3, 5, 5), (4, 3, 3, 3), {"stride": 3, "pad": 1}), "stride 3"),
    (((2, 3, 5, 5), (4, 3, 3, 3), {"stride": 1, "pad": -1}), "pad"),
    (((2, 3, 5, 5), (4, 3, 3, 3), {"pad": 1}), "stride"),
])
@pytest.mark.parametrize("path", CONV_PATHS)
def test_conv_rejects_what_naive_rejects(path: str, args: tuple, message: str) -> None:
    x_shape, w_shape, conv_param = args
    x, w, b = np.zeros(x_shape), np.zeros(w_shape), np.zeros(w_shape[0])
    with pytest.raises(ValueError, match=message):
        layers.conv_forward_naive(x, w, b, conv_param)
    with pytest.raises(ValueError, match=message):
        CONV_PATHS[path][0](x, w, b, conv_param)


@pytest.mark.parametrize("pool_param", [
    {"pool_height": 2, "pool_width": 2, "stride": 4},
    {"pool_height": 9, "pool_width": 2, "stride": 1},
    {"pool_height": 2, "stride": 2},
])
def test_pool_rejects_what_naive_rejects(pool_param: dict[str, int]) -> None:
    x = np.zeros((1, 2, 8, 8))
    with pytest.raises(ValueError) as naive_error:
        layers.max_pool_forward_naive(x, pool_param)
    with pytest.raises(ValueError) as fast_error:
        fl.max_pool_forward_fast(x, pool_param)
    assert str(fast_error.value) == str(naive_error.value)


def test_backward_rejects_a_dout_of_the_wrong_shape() -> None:
    x, w, b = np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(4)
    _, cache = fl.conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
    with pytest.raises(ValueError, match="dout"):
        fl.conv_backward_fast(np.zeros((2, 4, 3, 3)), cache)


@pytest.mark.parametrize("seed", range(8))
def test_numpy_and_cython_im2col_agree(seed: int) -> None:
    x_shape, w_shape, conv_param = random_conv(seed)
    _, _, HH, WW = w_shape
    pad, stride = conv_param["pad"], conv_param["stride"]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    cols = ext.im2col_cython(x, HH, WW, pad, stride)
    np.testing.assert_array_equal(im2col.im2col_indices(x, HH, WW, pad, stride), cols)
    dcols = rng.standard_normal(cols.shape)
    folded = ext.col2im_cython(dcols, *x_shape, HH, WW, pad, stride)
    np.testing.assert_allclose(im2col.col2im_indices(dcols, x_shape, HH, WW, pad, stride), folded, rtol=1e-12)
    # col2im is the adjoint of im2col: <im2col(x), d> == <x, col2im(d)>
    assert np.isclose(np.sum(cols * dcols), np.sum(x * folded))


def test_col2im_6d_is_col2im_on_the_six_dimensional_view() -> None:
    rng = np.random.default_rng(5)
    N, C, H, W, HH, WW, pad, stride = 2, 3, 7, 5, 3, 1, 1, 2
    H_out, W_out = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    cols = rng.standard_normal((C * HH * WW, N * H_out * W_out))
    np.testing.assert_array_equal(
        ext.col2im_6d_cython(cols.reshape(C, HH, WW, N, H_out, W_out), N, C, H, W, HH, WW, pad, stride),
        ext.col2im_cython(cols, N, C, H, W, HH, WW, pad, stride),
    )


def test_im2col_keeps_float32_and_rejects_bad_geometry() -> None:
    x = np.ones((1, 2, 5, 5), dtype=np.float32)
    assert ext.im2col_cython(x, 3, 3, 1, 1).dtype == np.float32
    with pytest.raises(ValueError, match="stride 2"):
        ext.im2col_cython(x, 2, 2, 0, 2)
    with pytest.raises(ValueError, match="4-D"):
        ext.im2col_cython(x[0], 3, 3, 1, 1)


def test_missing_extension_fails_on_use_with_the_build_command(tmp_path: Path) -> None:
    package = Path(numnet.__file__).parent
    shutil.copytree(package, tmp_path / "numnet", ignore=shutil.ignore_patterns("*.so", "*.pyd", "*.c", "__pycache__"))
    # Like a student release: numnet is only the copied folder (no editable install of the repository's).
    script = (
        "import sys\n"
        "sys.meta_path = [f for f in sys.meta_path if not getattr(f, '__module__', '').startswith('__editable__')]\n"
        "import numpy as np, numnet, numnet.fast_layers as fl\n"
        f"assert numnet.__file__.startswith({str(tmp_path)!r}), numnet.__file__\n"
        "try:\n"
        "    fl.conv_forward_fast(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3)), np.zeros(1), {'stride': 1, 'pad': 1})\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            env={"PATH": "", "PYTHONPATH": str(tmp_path)}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "python -m numnet.build_ext" in result.stdout
