"""Compare every reference backward pass with numeric gradients.

Run ``python -m numnet.selfcheck`` to print one row per layer with the largest
relative error of the element-by-element numeric check and of the cheaper
random-direction check, and a verdict. The exit status is 0 when every layer
passes.

The pieces are reusable: a :class:`LayerCase` bundles a forward, its backward
and the inputs to differentiate; :func:`full_check` and :func:`directional_check`
measure a case; the ``*_case`` builders make a case for any shape.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.table import Table

from . import layers
from .gradient_check import directional_gradient_check, eval_numerical_gradient_array, rel_error

Forward = Callable[..., tuple[Any, Any]]
Backward = Callable[[Any, Any], Any]

# A directional derivative is a single number, so its relative error grows when
# that number happens to be small; a wrong backward still lands far above this.
DIRECTIONAL_TOLERANCE = 1e-6


@dataclass(frozen=True)
class LayerCase:
    """A layer evaluated at fixed inputs.

    Attributes
    ----------
    name : str
        Label shown in reports.
    forward : callable
        Takes the values of ``inputs`` positionally and returns ``(out, cache)``;
        any other argument of the layer is bound inside it.
    backward : callable
        ``backward(dout, cache)`` returns the gradient of every input, in the
        order of ``inputs`` (a bare array when there is only one).
    inputs : dict of str to ndarray
        The arguments to differentiate, in the forward's order.
    tolerance : float
        Largest relative error (the course notebooks' figure) accepted for a
        correct float64 backward on well-scaled gradient entries.
    """

    name: str
    forward: Forward
    backward: Backward
    inputs: dict[str, np.ndarray]
    tolerance: float

    def astype(self, dtype: npt.DTypeLike) -> LayerCase:
        """The same case with every input converted to ``dtype``."""
        return replace(self, inputs={key: value.astype(dtype) for key, value in self.inputs.items()})

    def output(self) -> Any:
        """The forward's output at the case's inputs."""
        return self.forward(*self.inputs.values())[0]

    def gradients(self, dout: np.ndarray) -> dict[str, np.ndarray]:
        """The backward's gradient of every input for the upstream gradient ``dout``."""
        _, cache = self.forward(*self.inputs.values())
        grads = self.backward(dout, cache)
        if not isinstance(grads, tuple):
            grads = (grads,)
        return dict(zip(self.inputs, grads, strict=True))

    def output_of(self, name: str) -> Callable[[np.ndarray], Any]:
        """The forward's output as a function of input ``name`` alone."""

        def evaluate(value: np.ndarray) -> Any:
            return self.forward(*{**self.inputs, name: value}.values())[0]

        return evaluate


def upstream_gradient(case: LayerCase, rng: np.random.Generator) -> np.ndarray:
    """A random upstream gradient shaped like the case's output."""
    return rng.standard_normal(np.shape(case.output()))


def numeric_gradients(case: LayerCase, dout: np.ndarray) -> dict[str, np.ndarray]:
    """Element-by-element centred-difference gradient of ``sum(out * dout)``
    with respect to every input."""
    return {
        name: eval_numerical_gradient_array(case.output_of(name), value.copy(), dout)
        for name, value in case.inputs.items()
    }


def full_check(case: LayerCase, dout: np.ndarray) -> dict[str, float]:
    """Relative error (:func:`~numnet.gradient_check.rel_error`) of each input's
    gradient against :func:`numeric_gradients`."""
    analytic = case.gradients(dout)
    return {name: rel_error(analytic[name], numeric) for name, numeric in numeric_gradients(case, dout).items()}


def directional_check(case: LayerCase, dout: np.ndarray, num_directions: int = 8, seed: int = 0) -> dict[str, float]:
    """Relative error of each input's gradient along ``num_directions`` random
    directions (see :func:`~numnet.gradient_check.directional_gradient_check`)."""
    analytic = case.gradients(dout)
    return {
        name: directional_gradient_check(
            case.output_of(name), value, analytic[name], dout, num_directions=num_directions, seed=seed
        ).rel_error
        for name, value in case.inputs.items()
    }


# --- case builders -----------------------------------------------------------------


def affine_case(rng: np.random.Generator, x_shape: Sequence[int], num_outputs: int) -> LayerCase:
    """Fully connected layer on inputs of shape ``x_shape`` (batch axis first)."""
    D = int(np.prod(x_shape[1:]))
    inputs = {
        "x": rng.standard_normal(x_shape),
        "w": rng.standard_normal((D, num_outputs)),
        "b": rng.standard_normal(num_outputs),
    }
    return LayerCase("affine", layers.affine_forward, layers.affine_backward, inputs, 1e-9)


def relu_case(rng: np.random.Generator, shape: Sequence[int]) -> LayerCase:
    """ReLU on standard normal inputs."""
    return LayerCase("relu", layers.relu_forward, layers.relu_backward, {"x": rng.standard_normal(shape)}, 1e-11)


def _loss_case(name: str, loss: Callable, scores: np.ndarray, labels: np.ndarray, tolerance: float) -> LayerCase:
    """Present ``loss(scores, labels) -> (value, dscores)`` as a layer whose
    cache is the gradient, so losses go through the same checks."""

    def forward(x: np.ndarray) -> tuple[float, np.ndarray]:
        return loss(x, labels)

    def backward(dout: np.ndarray, dx: np.ndarray) -> np.ndarray:
        return float(dout) * dx

    return LayerCase(name, forward, backward, {"x": scores}, tolerance)


def softmax_case(rng: np.random.Generator, num_samples: int, num_classes: int) -> LayerCase:
    """Softmax cross-entropy on standard normal scores."""
    scores, labels = rng.standard_normal((num_samples, num_classes)), rng.integers(num_classes, size=num_samples)
    return _loss_case("softmax_loss", layers.softmax_loss, scores, labels, 1e-8)


def svm_case(rng: np.random.Generator, num_samples: int, num_classes: int) -> LayerCase:
    """Multiclass hinge loss on standard normal scores."""
    scores, labels = rng.standard_normal((num_samples, num_classes)), rng.integers(num_classes, size=num_samples)
    return _loss_case("svm_loss", layers.svm_loss, scores, labels, 1e-9)


def _normalization_inputs(rng: np.random.Generator, x_shape: Sequence[int], param_shape: Sequence[int]) -> dict:
    """Shifted, scaled inputs with random scale and shift parameters."""
    return {
        "x": 5 * rng.standard_normal(x_shape) + 12,
        "gamma": rng.standard_normal(param_shape),
        "beta": rng.standard_normal(param_shape),
    }


def batchnorm_case(rng: np.random.Generator, num_samples: int, num_features: int, mode: str = "train") -> LayerCase:
    """Batch normalization; in ``'test'`` mode with random running averages."""
    inputs = _normalization_inputs(rng, (num_samples, num_features), (num_features,))
    running_mean = rng.standard_normal(num_features) + 12
    running_var = rng.uniform(10, 40, num_features)

    def forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, Any]:
        averages = {"running_mean": running_mean.astype(x.dtype), "running_var": running_var.astype(x.dtype)}
        return layers.batchnorm_forward(x, gamma, beta, {"mode": mode, **averages})

    return LayerCase(f"batchnorm ({mode})", forward, layers.batchnorm_backward, inputs, 1e-7)


def layernorm_case(rng: np.random.Generator, num_samples: int, num_features: int) -> LayerCase:
    """Layer normalization."""
    inputs = _normalization_inputs(rng, (num_samples, num_features), (num_features,))

    def forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, Any]:
        return layers.layernorm_forward(x, gamma, beta, {})

    return LayerCase("layernorm", forward, layers.layernorm_backward, inputs, 1e-7)


def dropout_case(rng: np.random.Generator, shape: Sequence[int], p: float, seed: int) -> LayerCase:
    """Training-mode inverted dropout with a reproducible mask."""

    def forward(x: np.ndarray) -> tuple[np.ndarray, Any]:
        return layers.dropout_forward(x, {"mode": "train", "p": p, "seed": seed})

    return LayerCase("dropout", forward, layers.dropout_backward, {"x": rng.standard_normal(shape)}, 1e-11)


def conv_case(
    rng: np.random.Generator, x_shape: Sequence[int], w_shape: Sequence[int], stride: int, pad: int
) -> LayerCase:
    """Naive convolution; the geometry must fit (see :func:`~numnet.layers.conv_forward_naive`)."""
    inputs = {
        "x": rng.standard_normal(x_shape),
        "w": rng.standard_normal(w_shape),
        "b": rng.standard_normal(w_shape[0]),
    }

    def forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Any]:
        return layers.conv_forward_naive(x, w, b, {"stride": stride, "pad": pad})

    return LayerCase("conv_naive", forward, layers.conv_backward_naive, inputs, 1e-8)


def max_pool_case(
    rng: np.random.Generator, x_shape: Sequence[int], pool_height: int, pool_width: int, stride: int
) -> LayerCase:
    """Naive max pooling; the geometry must fit."""
    pool_param = {"pool_height": pool_height, "pool_width": pool_width, "stride": stride}

    def forward(x: np.ndarray) -> tuple[np.ndarray, Any]:
        return layers.max_pool_forward_naive(x, pool_param)

    inputs = {"x": rng.standard_normal(x_shape)}
    return LayerCase("max_pool_naive", forward, layers.max_pool_backward_naive, inputs, 1e-11)


def spatial_batchnorm_case(rng: np.random.Generator, x_shape: Sequence[int]) -> LayerCase:
    """Training-mode spatial batch normalization."""
    inputs = _normalization_inputs(rng, x_shape, (x_shape[1],))

    def forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, Any]:
        return layers.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})

    return LayerCase("spatial_batchnorm", forward, layers.spatial_batchnorm_backward, inputs, 1e-6)


def groupnorm_case(rng: np.random.Generator, x_shape: Sequence[int], groups: int) -> LayerCase:
    """Spatial group normalization with ``groups`` groups."""
    inputs = _normalization_inputs(rng, x_shape, (1, x_shape[1], 1, 1))

    def forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, Any]:
        return layers.spatial_groupnorm_forward(x, gamma, beta, groups, {})

    return LayerCase("spatial_groupnorm", forward, layers.spatial_groupnorm_backward, inputs, 1e-7)


def reference_cases(seed: int = 231) -> list[LayerCase]:
    """One small fixed case per reference backward."""
    rng = np.random.default_rng(seed)
    return [
        affine_case(rng, (3, 2, 3), 4),
        relu_case(rng, (4, 5)),
        softmax_case(rng, 6, 5),
        svm_case(rng, 6, 5),
        batchnorm_case(rng, 5, 4),
        replace(batchnorm_case(rng, 5, 4), name="batchnorm_alt (train)", backward=layers.batchnorm_backward_alt),
        batchnorm_case(rng, 5, 4, mode="test"),
        layernorm_case(rng, 4, 5),
        dropout_case(rng, (4, 5), p=0.6, seed=0),
        conv_case(rng, (2, 3, 5, 5), (2, 3, 3, 3), stride=2, pad=1),
        max_pool_case(rng, (2, 2, 5, 5), pool_height=3, pool_width=3, stride=2),
        spatial_batchnorm_case(rng, (2, 3, 4, 5)),
        groupnorm_case(rng, (2, 6, 4, 5), groups=2),
    ]


def main() -> int:
    """Print the self-check table; return 0 when every layer passes, else 1."""
    rng = np.random.default_rng(1)  # upstream gradients; directions use their own seed
    table = Table(title="numnet reference layers: backward vs numeric gradients (max relative error)")
    table.add_column("layer", no_wrap=True)
    for column in ("full check", "limit", "directional", "limit", "verdict"):
        table.add_column(column, justify="right")
    cases = reference_cases()
    failures = 0
    for case in cases:
        dout = upstream_gradient(case, rng)
        full = max(full_check(case, dout).values())
        directional = max(directional_check(case, dout).values())
        passed = full <= case.tolerance and directional <= DIRECTIONAL_TOLERANCE
        failures += not passed
        table.add_row(
            case.name,
            f"{full:.1e}",
            f"{case.tolerance:.0e}",
            f"{directional:.1e}",
            f"{DIRECTIONAL_TOLERANCE:.0e}",
            "[green]pass[/green]" if passed else "[bold red]FAIL[/bold red]",
        )
    console = Console()
    console.print(table)
    console.print(f"{len(cases) - failures} of {len(cases)} layers pass")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
