"""Hidden checks of the Standardizer."""
import numpy as np
import pytest

from autograder.grading.client import StudentError, StudentTimeout, WorkerCrashed
from autograder.grading.compare import Mismatch, expect_array


def train_and_other(rng):
    """Training features (one of them constant) and differently distributed new features."""
    m, n = int(rng.integers(5, 12)), int(rng.integers(2, 5))
    X_train = rng.standard_normal((m, n)) * rng.uniform(0.5, 4.0, n) + rng.uniform(-3.0, 3.0, n)
    X_train[:, int(rng.integers(n))] = rng.uniform(-2.0, 2.0)
    X_other = 2.0 * rng.standard_normal((int(rng.integers(3, 8)), n)) + 1.0
    return X_train, X_other


def mistakes(X_train, X_other):
    """What common Standardizer mistakes output for ``transform(X_other)``."""
    std_unbiased = X_train.std(axis=0, ddof=1)
    other_std = X_other.std(axis=0)
    return {
        "sample standard deviation (ddof=1) instead of the population one (ddof=0)":
            (X_other - X_train.mean(axis=0)) / np.where(std_unbiased > 0, std_unbiased, 1.0),
        "statistics measured on the data being transformed instead of the fit data":
            (X_other - X_other.mean(axis=0)) / np.where(other_std > 0, other_std, 1.0),
    }


@pytest.mark.task("standardizer")
@pytest.mark.rule("standardizer.fit")
@pytest.mark.weight(2)
def test_transform_uses_fit_statistics(student, reference, rng, tol):
    """transform scales new data with the mean and population std of the fit data (constant features become 0)"""
    X_train, X_other = train_and_other(rng)
    scaler = student.preprocessing.Standardizer()
    scaler.fit(X_train)
    expected = reference.preprocessing.Standardizer().fit(X_train)
    expect_array("transform(X_train)", scaler.transform(X_train), expected.transform(X_train), tol["forward"])
    expect_array("transform(X_new)", scaler.transform(X_other), expected.transform(X_other), tol["forward"],
                 alternatives=mistakes(X_train, X_other))


@pytest.mark.task("standardizer")
@pytest.mark.rule("standardizer.inverse")
def test_inverse_transform(student, reference, rng, tol):
    """inverse_transform undoes transform and matches the reference"""
    X_train, X_other = train_and_other(rng)
    scaler = student.preprocessing.Standardizer()
    scaler.fit(X_train)
    expected = reference.preprocessing.Standardizer().fit(X_train)
    Z = rng.standard_normal(X_other.shape)
    expect_array("inverse_transform(Z)", scaler.inverse_transform(Z), expected.inverse_transform(Z), tol["forward"])
    expect_array("inverse_transform(transform(X))", scaler.inverse_transform(scaler.transform(X_other)), X_other,
                 tol["forward"])


@pytest.mark.task("standardizer")
@pytest.mark.rule("standardizer.unfitted")
@pytest.mark.requires("test_transform_uses_fit_statistics")
def test_error_before_fit(student, rng, tol):
    """transform on a Standardizer that was never fitted raises NotFittedError"""
    X_train, X_other = train_and_other(rng)
    fitted = student.preprocessing.Standardizer()
    fitted.fit(X_train)
    fitted.transform(X_other)  # the methods must work before their misuse is judged
    try:
        student.preprocessing.Standardizer().transform(X_other)
    except (StudentTimeout, WorkerCrashed):
        raise
    except StudentError as error:
        if error.not_implemented:
            raise
        if error.kind != "NotFittedError":
            raise Mismatch(f"transform before fit raised {error.kind}; it should raise NotFittedError "
                           "(the provided _check raises it)") from None
        return
    raise Mismatch("transform before fit returned a value; it should raise NotFittedError")
