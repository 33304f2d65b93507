"""The benchmarked layer shapes and how each is measured.

Every case yields one row per pass (forward, backward) with times in
milliseconds: the naive layer (timed once, it is slow), the fast layer, the
alternative fast paths, the floor a column-based layer cannot beat (the bare
matrix products, for convolutions) and PyTorch, plus the fast layer's largest
error relative to the naive one.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.course import current_course

from . import torch_ops
from .timing import interleaved_medians, time_once

COURSE = current_course()  # the course whose reference fast layers are measured
COURSE.import_reference()
fl = importlib.import_module(f"{COURSE.package}.fast_layers")
layers = importlib.import_module(f"{COURSE.package}.layers")


def _dims(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


@dataclass(frozen=True)
class ConvCase:
    x_shape: tuple[int, int, int, int]
    w_shape: tuple[int, int, int, int]
    stride: int
    pad: int

    @property
    def label(self) -> str:
        return f"conv {_dims(self.x_shape)} * {_dims(self.w_shape)} s{self.stride} p{self.pad}"


@dataclass(frozen=True)
class PoolCase:
    x_shape: tuple[int, int, int, int]
    size: int
    stride: int

    @property
    def label(self) -> str:
        return f"pool {_dims(self.x_shape)} {self.size}x{self.size}/{self.stride}"


CASES = (
    ConvCase((100, 3, 31, 31), (25, 3, 3, 3), stride=2, pad=1),
    ConvCase((50, 3, 32, 32), (32, 3, 7, 7), stride=1, pad=3),
    ConvCase((64, 64, 16, 16), (64, 64, 3, 3), stride=1, pad=1),
    PoolCase((100, 3, 32, 32), size=2, stride=2),
    PoolCase((100, 3, 31, 31), size=3, stride=2),
)


def scaled_error(result: Any, reference: Any) -> float:
    """Largest absolute difference over the largest magnitude of the reference, over all outputs."""
    results = result if isinstance(result, tuple) else (result,)
    references = reference if isinstance(reference, tuple) else (reference,)
    return max(
        float(np.max(np.abs(np.asarray(r, np.float64) - e)) / max(np.max(np.abs(e)), 1e-300))
        for r, e in zip(results, references)
    )


def _rows(case: Any, dtype: np.dtype, naive: dict[str, float], times: dict[str, float],
          errors: dict[str, float], alternatives: dict[str, str]) -> list[dict[str, Any]]:
    """One row per pass from the timings keyed ``'<column> <pass>'``."""
    rows = []
    for pass_name in ("forward", "backward"):
        def ms(column: str) -> float | None:
            seconds = times.get(f"{column} {pass_name}")
            return None if seconds is None else seconds * 1e3

        fast, floor, torch_ms = ms("fast"), ms("floor"), ms("torch")
        rows.append({
            "case": case.label, "dtype": np.dtype(dtype).name, "pass": pass_name,
            "naive_ms": naive[pass_name] * 1e3, "fast_ms": fast,
            **{f"{name}_ms": ms(column) for name, column in alternatives.items()},
            "floor_ms": floor, "torch_ms": torch_ms,
            "fast_over_floor": None if floor is None else fast / floor,
            "fast_over_torch": None if torch_ms is None else fast / torch_ms,
            "error_vs_naive": errors[pass_name],
        })
    return rows


def conv_functions(case: ConvCase, dtype: np.dtype,
                   rng: np.random.Generator) -> tuple[tuple[Any, ...], dict[str, Callable[[], object]]]:
    """Random operands ``(x, w, b, conv_param, dout)`` for ``case``, and the timed calls on them keyed
    ``'<column> <pass>'``."""
    x = rng.standard_normal(case.x_shape).astype(dtype)
    w = rng.standard_normal(case.w_shape).astype(dtype)
    b = rng.standard_normal(case.w_shape[0]).astype(dtype)
    conv_param = {"stride": case.stride, "pad": case.pad}
    fast_out, fast_cache = fl.conv_forward_fast(x, w, b, conv_param)
    dout = rng.standard_normal(fast_out.shape).astype(dtype)
    _, im2col_cache = fl.conv_forward_im2col(x, w, b, conv_param)
    _, strides_cache = fl.conv_forward_strides(x, w, b, conv_param)
    cols = im2col_cache[-1]
    filters = w.reshape(w.shape[0], -1)
    dout_rows = np.ascontiguousarray(dout.transpose(1, 0, 2, 3).reshape(w.shape[0], -1))
    return (x, w, b, conv_param, dout), {
        "fast forward": lambda: fl.conv_forward_fast(x, w, b, conv_param),
        "im2col forward": lambda: fl.conv_forward_im2col(x, w, b, conv_param),
        "strides forward": lambda: fl.conv_forward_strides(x, w, b, conv_param),
        "floor forward": lambda: filters @ cols,
        "fast backward": lambda: fl.conv_backward_fast(dout, fast_cache),
        "im2col backward": lambda: fl.conv_backward_im2col(dout, im2col_cache),
        "strides backward": lambda: fl.conv_backward_strides(dout, strides_cache),
        "floor backward": lambda: (dout_rows @ cols.T, filters.T @ dout_rows),
    }


def measure_conv(case: ConvCase, dtype: np.dtype, repeats: int, rng: np.random.Generator,
                 warm: bool) -> list[dict[str, Any]]:
    """Time a convolution case's forward and backward passes."""
    (x, w, b, conv_param, dout), fns = conv_functions(case, dtype, rng)
    out, naive_cache = layers.conv_forward_naive(x, w, b, conv_param)
    naive = {"forward": time_once(lambda: layers.conv_forward_naive(x, w, b, conv_param)),
             "backward": time_once(lambda: layers.conv_backward_naive(dout, naive_cache))}
    fast_out, fast_cache = fl.conv_forward_fast(x, w, b, conv_param)
    errors = {"forward": scaled_error(fast_out, out),
              "backward": scaled_error(fl.conv_backward_fast(dout, fast_cache),
                                       layers.conv_backward_naive(dout, naive_cache))}
    torch_pair = torch_ops.conv(x, w, b, dout, case.stride, case.pad)
    if torch_pair:
        fns["torch forward"], fns["torch backward"] = torch_pair
    times = interleaved_medians(fns, repeats, warm)
    return _rows(case, dtype, naive, times, errors, {"im2col": "im2col", "strides_or_reshape": "strides"})


def measure_pool(case: PoolCase, dtype: np.dtype, repeats: int, rng: np.random.Generator,
                 warm: bool) -> list[dict[str, Any]]:
    """Time a max-pool case's forward and backward passes."""
    x = rng.standard_normal(case.x_shape).astype(dtype)
    pool_param = {"pool_height": case.size, "pool_width": case.size, "stride": case.stride}
    out, naive_cache = layers.max_pool_forward_naive(x, pool_param)
    dout = rng.standard_normal(out.shape).astype(dtype)
    naive = {"forward": time_once(lambda: layers.max_pool_forward_naive(x, pool_param)),
             "backward": time_once(lambda: layers.max_pool_backward_naive(dout, naive_cache))}
    fast_out, fast_cache = fl.max_pool_forward_fast(x, pool_param)
    errors = {"forward": scaled_error(fast_out, out),
              "backward": scaled_error(fl.max_pool_backward_fast(dout, fast_cache),
                                       layers.max_pool_backward_naive(dout, naive_cache))}
    _, im2col_cache = fl.max_pool_forward_im2col(x, pool_param)
    fns = {
        "fast forward": lambda: fl.max_pool_forward_fast(x, pool_param),
        "im2col forward": lambda: fl.max_pool_forward_im2col(x, pool_param),
        "fast backward": lambda: fl.max_pool_backward_fast(dout, fast_cache),
        "im2col backward": lambda: fl.max_pool_backward_im2col(dout, im2col_cache),
    }
    if case.size == case.stride:
        _, reshape_cache = fl.max_pool_forward_reshape(x, pool_param)
        fns["reshape forward"] = lambda: fl.max_pool_forward_reshape(x, pool_param)
        fns["reshape backward"] = lambda: fl.max_pool_backward_reshape(dout, reshape_cache)
    torch_pair = torch_ops.max_pool(x, dout, case.size, case.size, case.stride)
    if torch_pair:
        fns["torch forward"], fns["torch backward"] = torch_pair
    times = interleaved_medians(fns, repeats, warm)
    return _rows(case, dtype, naive, times, errors, {"im2col": "im2col", "strides_or_reshape": "reshape"})


def measure(case: ConvCase | PoolCase, dtype: np.dtype, repeats: int, rng: np.random.Generator,
            warm: bool = True) -> list[dict[str, Any]]:
    """Rows for any case."""
    measure_case = measure_conv if isinstance(case, ConvCase) else measure_pool
    return measure_case(case, dtype, repeats, rng, warm)
