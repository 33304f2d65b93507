"""`autograder grade` on whole submissions, good and malformed."""
import json
import zipfile

import pytest

from autograder.cli import main
from autograder.grading.results import Results
from grading_support import TEST_SECRET, grade, lost_tasks, reference_submission


@pytest.fixture(autouse=True)
def test_secret(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_SECRET", TEST_SECRET.value.decode())


def zip_folder(folder, archive, prefix=""):
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, prefix + path.relative_to(folder).as_posix())
    return archive


@pytest.mark.slow
def test_grade_writes_valid_results_junit_and_feedback(tmp_path, capsys):
    submission = reference_submission("linear_regression", tmp_path / "sub")
    out = tmp_path / "out"
    status = main(["grade", "linear_regression", str(submission), "--student", "alice", "--results", str(out / "results.json"),
                   "--junit", str(out / "junit.xml"), "--feedback", str(out / "feedback.html")])
    assert status == 0
    results = Results.from_json(json.loads((out / "results.json").read_text()))
    assert results.score == results.max_score == 100
    assert all(t.status == "passed" and t.visibility == "visible" for t in results.tests)
    assert "<testsuite" in (out / "junit.xml").read_text()
    assert "alice" in (out / "feedback.html").read_text()
    assert "score 100 / 100" in capsys.readouterr().out


@pytest.mark.slow
def test_a_syntax_error_costs_only_the_tasks_of_that_file(tmp_path):
    submission = reference_submission("linear_regression", tmp_path / "sub")
    (submission / "numnet" / "metrics.py").write_text("def mean_absolute_error(:\n")
    graded = grade("linear_regression", submission)
    assert "numnet/metrics.py can't be imported: SyntaxError" in graded.results.output
    assert lost_tasks(graded) == {"metrics"}


@pytest.mark.slow
def test_a_missing_file_is_reported_and_its_stub_graded(tmp_path):
    submission = reference_submission("linear_regression", tmp_path / "sub")
    (submission / "numnet" / "linear.py").unlink()
    graded = grade("linear_regression", submission)
    assert "missing file(s): numnet/linear.py" in graded.results.output
    assert lost_tasks(graded) == {"closed_form", "ridge", "gradient_descent"}
    assert graded.results.extra_data["tasks"]["ridge"]["status"] == "not_implemented"


@pytest.mark.slow
def test_a_zip_with_an_extra_top_folder_is_graded_with_a_note(tmp_path):
    submission = reference_submission("linear_regression", tmp_path / "sub")
    archive = zip_folder(submission, tmp_path / "alice.zip", prefix="my work/")
    graded = grade("linear_regression", archive)
    assert "found inside 'my work/'" in graded.results.output
    assert graded.results.score == graded.results.max_score


@pytest.mark.parametrize("entry", ["../escape.py", "/abs/path.py"])
def test_a_zip_that_escapes_scores_zero_with_a_reason(tmp_path, entry):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(entry, "print('hi')")
        bundle.writestr("numnet/metrics.py", "")
    graded = grade("linear_regression", archive)
    assert graded.results.score == 0
    assert "points outside the submission" in graded.results.output
    assert not (tmp_path.parent / "escape.py").exists()


def test_unusable_inputs_are_explained(tmp_path):
    graded = grade("linear_regression", tmp_path / "nowhere")
    assert "does not exist" in graded.results.output and graded.results.score == 0
    (tmp_path / "empty").mkdir()
    assert "none of the expected files" in grade("linear_regression", tmp_path / "empty").results.output
    (tmp_path / "broken.zip").write_bytes(b"not a zip")
    assert "not a readable zip" in grade("linear_regression", tmp_path / "broken.zip").results.output


@pytest.mark.slow
def test_a_pyx_that_does_not_compile_is_a_visible_failed_check(tmp_path):
    submission = reference_submission("conv_nets", tmp_path / "sub")
    pyx = submission / "numnet" / "im2col_cython.pyx"
    pyx.write_text(pyx.read_text() + "\ncdef int broken(:\n")
    graded = grade("conv_nets", submission)
    build = [t for t in graded.results.tests if t.name == "im2col: build the Cython extension"]
    assert len(build) == 1 and build[0].status == "failed" and "did not build" in build[0].output
    assert "im2col_cython.pyx" in build[0].output
    assert graded.results.extra_data["tasks"]["im2col"]["score"] == 0
    assert lost_tasks(graded) == {"im2col", "three_layer_convnet"}
