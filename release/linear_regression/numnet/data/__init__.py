"""Data sets, all available offline.

- :func:`get_CIFAR10_data` / :func:`load_CIFAR10`: the real CIFAR-10 batches from disk;
- :func:`synthetic_images`: a generated 10-class image set with the same layout,
  the default for notebooks and the demo;
- regression data for the linear models: :func:`load_libsvm_regression`,
  :func:`load_diabetes_regression`, :func:`train_val_test_split`.

See ``docs/data.md``.
"""
from .cifar10 import get_CIFAR10_data, load_CIFAR10, load_CIFAR_batch
from .regression import load_diabetes_regression, load_libsvm_regression, train_val_test_split
from .synthetic import class_names, synthetic_images

__all__ = [
    "class_names",
    "get_CIFAR10_data",
    "load_CIFAR10",
    "load_CIFAR_batch",
    "load_diabetes_regression",
    "load_libsvm_regression",
    "synthetic_images",
    "train_val_test_split",
]
