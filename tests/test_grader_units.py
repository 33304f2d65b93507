"""Hidden seeds, numeric comparison and diagnoses, results validation and writing."""
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from autograder.grading.compare import Mismatch, expect_array, expect_scalar, expect_structure
from autograder.grading.results import CheckDetails, Results, ResultsError, TestResult, junit_xml, write_results
from autograder.grading.seeds import DemoSecretWarning, Secret, derive_seed, load_secret
from autograder_student.status import Status

SECRET = Secret(b"k", "tests")


def test_seeds_are_stable_and_differ_per_student_test_and_secret():
    seed = derive_seed(SECRET, "fc_nets", "alice", "test_affine")
    assert seed == derive_seed(SECRET, "fc_nets", "alice", "test_affine")
    others = {derive_seed(SECRET, "fc_nets", "bob", "test_affine"), derive_seed(SECRET, "fc_nets", "alice", "test_relu"),
              derive_seed(SECRET, "conv_nets", "alice", "test_affine"), derive_seed(Secret(b"j", "x"), "fc_nets", "alice", "test_affine")}
    assert seed not in others and len(others) == 4


def test_secret_sources(monkeypatch, tmp_path):
    monkeypatch.delenv("AUTOGRADER_SECRET", raising=False)
    monkeypatch.delenv("AUTOGRADER_SECRET_FILE", raising=False)
    with pytest.warns(DemoSecretWarning):
        assert load_secret().is_demo
    inside = tmp_path / "release" / "secret"
    inside.parent.mkdir()
    inside.write_text("s3cret\n")
    monkeypatch.setenv("AUTOGRADER_SECRET_FILE", str(inside))
    with pytest.raises(ValueError, match="students receive"):
        load_secret((tmp_path / "release",))
    assert load_secret().value == b"s3cret"
    monkeypatch.setenv("AUTOGRADER_SECRET", "from-env")
    secret = load_secret()
    assert secret.value == b"from-env" and "from-env" not in repr(secret)


@pytest.mark.parametrize("transform,diagnosis", [
    (lambda e: e * 4, "factor of 4"),
    (lambda e: e / 8, "factor of 1/8"),
    (lambda e: -e, "sign is flipped"),
    (lambda e: e.T, "axes permuted"),
    (lambda e: e.T.reshape(e.shape), "another order"),
    (lambda e: np.zeros_like(e), "all zeros"),
    (lambda e: e[:-1], "wrong output size"),
])
def test_mismatches_are_diagnosed(transform, diagnosis):
    expected = np.random.default_rng(0).standard_normal((3, 5))
    with pytest.raises(Mismatch, match=diagnosis):
        expect_array("out", transform(expected), expected, 1e-7)


@pytest.mark.parametrize("factor", [889 / 937, 1 + 3e-6, 0.2107])
def test_a_factor_that_is_no_simple_fraction_gets_no_diagnosis(factor):
    expected = np.random.default_rng(0).standard_normal((3, 5))
    with pytest.raises(Mismatch) as info:
        expect_array("out", expected * factor, expected, 1e-7)
    assert "Likely cause" not in str(info.value)
    with pytest.raises(Mismatch) as info:
        expect_scalar("loss", 2.5 * factor, 2.5, 1e-7)
    assert "Likely cause" not in str(info.value)


def test_float32_rounding_of_the_reference_itself_is_forgiven():
    # gamma * x + beta cancels to nearly zero in its first element: every float32 order of operations
    # rounds it differently, by far more than 1e-4 of its own size
    x, gamma, beta = np.array([1.7, -0.3, 0.9]), 2.3, -3.9099999
    exact = gamma * x + beta
    reference32 = np.float32(gamma) * x.astype(np.float32) + np.float32(beta)
    other_order32 = np.float32(gamma) * (x.astype(np.float32) + np.float32(beta / gamma))
    with pytest.raises(Mismatch, match="worst at index \\(0,\\)"):
        expect_array("out", other_order32, reference32, 1e-4)
    expect_array("out", other_order32, reference32, 1e-4, exact=exact)
    with pytest.raises(Mismatch, match="1 of 3 elements differ"):
        expect_array("out", other_order32 + np.float32([0, 0, 1e-3]), reference32, 1e-4, exact=exact)


def test_messages_are_numeric_and_never_show_values():
    expected = np.array([1.25, 2.5, 3.75])
    actual = np.array([1.25, 2.5, 9.875])
    with pytest.raises(Mismatch) as info:
        expect_array("out", actual, expected, 1e-7)
    message = str(info.value)
    assert "1 of 3 elements differ" in message and "index (2,)" in message
    assert "9.875" not in message and "3.75" not in message


def test_dtype_nan_scalar_and_structure_checks():
    with pytest.raises(Mismatch, match="dtype float64, expected float32"):
        expect_array("out", np.ones(2), np.ones(2, np.float32), 1e-7)
    with pytest.raises(Mismatch, match="1 NaN"):
        expect_array("out", np.array([1.0, np.nan]), np.ones(2), 1e-7)
    expect_array("out", np.array([1.0, 1e-17]), np.array([1.0, 0.0]), 1e-7)
    with pytest.raises(Mismatch, match="expected a number"):
        expect_scalar("loss", "2.3", 2.3, 1e-7)
    with pytest.raises(Mismatch, match="must return 2 values, got 3"):
        expect_structure("f", (1, 2, 3), 2)


def _results(score=1.0, status=Status.PASSED):
    return Results(score, 2.0, 0.1, "", [TestResult(CheckDetails("t", "a", status), score, 1.0),
                                         TestResult(CheckDetails("t", "b", Status.FAILED), 0.0, 1.0)])


def test_results_are_validated_before_they_are_written(tmp_path):
    path = tmp_path / "out" / "results.json"
    write_results(path, _results(), {"t: a", "t: b"})
    assert json.loads(path.read_text())["score"] == 1.0
    for bad, names in [(_results(score=1.5), {"t: a", "t: b"}), (_results(status="ok"), {"t: a", "t: b"}), (_results(status=Status.NOT_IMPLEMENTED), {"t: a", "t: b"}), (_results(), {"t: a"})]:
        with pytest.raises(ResultsError):
            write_results(tmp_path / "bad.json", bad, names)
    assert not (tmp_path / "bad.json").exists()


def test_an_unwritable_destination_is_reported_and_leaves_no_partial_file(tmp_path):
    blocker = tmp_path / "autograded"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(ResultsError, match="can't write"):
        write_results(blocker / "alice" / "results.json", _results(), {"t: a", "t: b"})
    existing = tmp_path / "results.json"
    existing.write_text("previous")
    with pytest.raises(ResultsError):
        write_results(existing, _results(score=1.5), {"t: a", "t: b"})
    assert existing.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["autograded", "results.json"]


def test_junit_has_one_case_per_check_with_scores():
    root = ET.fromstring(junit_xml(_results(), "fc_nets"))
    assert root.get("tests") == "2" and root.get("failures") == "1"
    cases = root.findall("testcase")
    assert [c.get("name") for c in cases] == ["a", "b"]
    assert cases[1].find("failure") is not None
