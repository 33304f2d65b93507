"""Reading the CIFAR-10 "python version" batches from disk (nothing is downloaded).

Expected layout: a folder (e.g. ``cifar-10-batches-py``) holding the pickled
batches ``data_batch_1`` .. ``data_batch_5`` and ``test_batch`` as distributed
on the CIFAR-10 web page. The folder is found from, in order, the ``root``
argument, the ``NUMNET_CIFAR10_DIR`` environment variable, or
``./datasets/cifar-10-batches-py``. Pickle is acceptable here because these are
the instructor's own files, never student input.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np

from .splits import check_split_sizes, subtract_training_mean

TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
ENV_VAR = "NUMNET_CIFAR10_DIR"


def default_root() -> Path:
    """Folder of the CIFAR-10 batches when no ``root`` is given."""
    return Path(os.environ.get(ENV_VAR, Path("datasets") / "cifar-10-batches-py"))


def load_CIFAR_batch(filename: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """One pickled batch as ``(X, y)``: float32 images (N, 32, 32, 3) and int64 labels (N,)."""
    with open(filename, "rb") as handle:
        batch = pickle.load(handle, encoding="bytes")
    batch = {key.decode() if isinstance(key, bytes) else key: value for key, value in batch.items()}
    pixels = np.asarray(batch["data"], dtype=np.uint8)
    labels = np.asarray(batch["labels"], dtype=np.int64)
    if pixels.ndim != 2 or pixels.shape[1] != 3 * 32 * 32 or labels.shape != (pixels.shape[0],):
        raise ValueError(
            f"{filename}: expected data of shape (N, 3072) and N labels, got {pixels.shape} and {labels.shape}"
        )
    X = pixels.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float32)
    return X, labels


def load_CIFAR10(root: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All of CIFAR-10 as ``X_train, y_train, X_test, y_test`` (images (N, 32, 32, 3), float32).

    Raises
    ------
    FileNotFoundError
        When the folder or one of its batch files is missing; the message names
        the folder and the files it should contain.
    """
    folder = Path(root) if root is not None else default_root()
    expected = (*TRAIN_BATCHES, TEST_BATCH)
    missing = [name for name in expected if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"CIFAR-10 batches not found: {folder.resolve()} must contain {', '.join(expected)} "
            f"(missing: {', '.join(missing)}). Unpack cifar-10-python.tar.gz there, or point "
            f"{ENV_VAR} or the root argument at the folder that holds them."
        )
    train = [load_CIFAR_batch(folder / name) for name in TRAIN_BATCHES]
    X_train = np.concatenate([X for X, _ in train])
    y_train = np.concatenate([y for _, y in train])
    X_test, y_test = load_CIFAR_batch(folder / TEST_BATCH)
    return X_train, y_train, X_test, y_test


def get_CIFAR10_data(
    num_training: int = 49000,
    num_validation: int = 1000,
    num_test: int = 1000,
    subtract_mean: bool = True,
    root: str | os.PathLike | None = None,
) -> dict[str, np.ndarray]:
    """CIFAR-10 split for training: the first ``num_training`` training images, the next
    ``num_validation`` as validation set, the first ``num_test`` test images.

    Returns
    -------
    dict
        ``X_train``, ``X_val``, ``X_test``: float32, shape (N, 3, 32, 32);
        ``y_train``, ``y_val``, ``y_test``: int64. With ``subtract_mean`` the mean
        training image is subtracted from all three splits.
    """
    check_split_sizes(num_training=num_training, num_validation=num_validation, num_test=num_test)
    X_train, y_train, X_test, y_test = load_CIFAR10(root)
    if num_training + num_validation > X_train.shape[0] or num_test > X_test.shape[0]:
        raise ValueError(
            f"asked for {num_training} training + {num_validation} validation of {X_train.shape[0]} "
            f"training images and {num_test} of {X_test.shape[0]} test images"
        )
    channels_first = lambda X: X.transpose(0, 3, 1, 2).copy()  # noqa: E731
    val = slice(num_training, num_training + num_validation)
    data = {
        "X_train": channels_first(X_train[:num_training]), "y_train": y_train[:num_training],
        "X_val": channels_first(X_train[val]), "y_val": y_train[val],
        "X_test": channels_first(X_test[:num_test]), "y_test": y_test[:num_test],
    }
    return subtract_training_mean(data) if subtract_mean else data
