"""CIFAR-10 loader on generated batch files, the synthetic image set, regression data."""
import pickle
import time

import numpy as np
import pytest

from numnet.data import (
    class_names,
    get_CIFAR10_data,
    load_CIFAR10,
    load_libsvm_regression,
    synthetic_images,
    train_val_test_split,
)

BATCH_NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


@pytest.fixture
def cifar_folder(tmp_path):
    """Six pickled batches of 6 images each, pixel values encoding (batch, image)."""
    rng = np.random.default_rng(0)
    for b, name in enumerate(BATCH_NAMES):
        pixels = rng.integers(0, 256, size=(6, 3072), dtype=np.uint8)
        pixels[:, 0] = 10 * b + np.arange(6)  # red channel, top-left pixel
        batch = {b"data": pixels, b"labels": list(rng.integers(0, 10, size=6)), b"batch_label": name.encode()}
        with open(tmp_path / name, "wb") as handle:
            pickle.dump(batch, handle)
    return tmp_path


def test_load_cifar10_any_batch_size(cifar_folder):
    X_train, y_train, X_test, y_test = load_CIFAR10(cifar_folder)
    assert X_train.shape == (30, 32, 32, 3) and y_train.shape == (30,)
    assert X_test.shape == (6, 32, 32, 3) and y_test.shape == (6,)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    # the first stored value of each row is the top-left pixel's red channel
    np.testing.assert_array_equal(X_train[:, 0, 0, 0], [10 * b + i for b in range(5) for i in range(6)])
    np.testing.assert_array_equal(X_test[:, 0, 0, 0], 50 + np.arange(6))


def test_get_cifar10_data_splits_and_centres(cifar_folder):
    data = get_CIFAR10_data(num_training=20, num_validation=5, num_test=4, root=cifar_folder)
    assert {k: v.shape for k, v in data.items()} == {
        "X_train": (20, 3, 32, 32), "y_train": (20,), "X_val": (5, 3, 32, 32),
        "y_val": (5,), "X_test": (4, 3, 32, 32), "y_test": (4,),
    }
    raw = get_CIFAR10_data(num_training=20, num_validation=5, num_test=4, subtract_mean=False, root=cifar_folder)
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(data["X_val"] - raw["X_val"], np.broadcast_to(-raw["X_train"].mean(axis=0), (5, 3, 32, 32)), atol=1e-4)
    # validation images follow the training ones: batch 4, images 2..5 then batch 5, image 0
    np.testing.assert_array_equal(raw["X_val"][:, 0, 0, 0], [32, 33, 34, 35, 40])
    with pytest.raises(ValueError, match="30"):
        get_CIFAR10_data(num_training=30, num_validation=1, num_test=1, root=cifar_folder)


def test_missing_cifar_folder_says_where_to_put_files(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        load_CIFAR10(tmp_path / "nowhere")
    message = str(error.value)
    assert "nowhere" in message and "data_batch_1" in message and "test_batch" in message


def test_synthetic_images_layout_and_determinism():
    data = synthetic_images(40, 10, 12, seed=3)
    assert data["X_train"].shape == (40, 3, 32, 32) and data["X_test"].shape == (12, 3, 32, 32)
    assert all(data[f"X_{s}"].dtype == np.float32 for s in ("train", "val", "test"))
    assert data["y_val"].shape == (10,) and data["y_train"].max() < len(class_names) == 10
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0, atol=1e-3)
    again = synthetic_images(40, 10, 12, seed=3)
    for key, value in data.items():
        np.testing.assert_array_equal(value, again[key])
    other = synthetic_images(40, 10, 12, seed=4)
    assert not np.array_equal(other["X_train"], data["X_train"])


def test_synthetic_images_raw_pixels_and_speed():
    start = time.process_time()
    raw = synthetic_images(3000, 0, 0, seed=0, subtract_mean=False)
    elapsed = time.process_time() - start
    assert elapsed < 3.0  # CPU seconds; about 0.5 on an idle machine
    X, y = raw["X_train"], raw["y_train"]
    assert X.min() >= 0 and X.max() <= 255
    assert np.bincount(y, minlength=10).min() > 200
    # images of one class differ from each other (random placement, colour and noise)
    same_class = X[y == 0]
    assert np.abs(same_class[0] - same_class[1]).mean() > 10


def test_synthetic_images_rejects_bad_sizes():
    with pytest.raises(ValueError, match="num_val"):
        synthetic_images(10, -1, 0)


def test_libsvm_reader_and_split(tmp_path):
    path = tmp_path / "tiny.scale"
    lines = [f"{i * 0.5} 1:{i / 10} 3:{-i / 20}" for i in range(1, 21)]
    path.write_text("\n".join(lines) + "\n")
    X, y = load_libsvm_regression(path)
    assert X.shape == (20, 3) and y.shape == (20,)
    np.testing.assert_array_equal(X[:, 1], 0)
    np.testing.assert_allclose(X[3], [0.4, 0.0, -0.2])
    data = train_val_test_split(X, y, test_size=0.25, val_size=0.2, seed=0)
    assert [data[k].shape[0] for k in ("X_train", "X_val", "X_test")] == [12, 3, 5]
    assert sorted(np.concatenate([data["y_train"], data["y_val"], data["y_test"]])) == sorted(y)
    with pytest.raises(FileNotFoundError, match="missing.scale"):
        load_libsvm_regression(tmp_path / "missing.scale")
