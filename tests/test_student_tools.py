"""`autograder check` and `autograder submit` in a small hand-made release folder."""
import json
import zipfile
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.manifest import ManifestError
from autograder.release.scaffold import write_scaffold
from autograder.student.check import run_public_tests, task_rows
from autograder.student.folder import load_folder_manifest
from autograder.student.plugin import failure_summary

MANIFEST = '''\
[assignment]
name = "fc_nets"
notebooks = ["Demo.ipynb"]

[release]
modules = ["__init__.py", "ops.py"]

[submission]
files = ["numnet/ops.py", "Demo.ipynb"]

[tasks.scaling]
title = "Scaling"
points = 4
functions = ["ops.py:scale"]

[tasks.shifting]
title = "Shifting"
points = 1
functions = ["ops.py:shift"]

[tasks.untested]
title = "Untested"
points = 1
functions = ["ops.py:unused"]
'''

STUBS = '''\
def scale(x):
    raise NotImplementedError("not implemented yet")


def shift(x):
    raise NotImplementedError("not implemented yet")


def unused():
    raise NotImplementedError("not implemented yet")
'''

SOLVED = '''\
import numpy as np


def scale(x):
    return 2 * np.asarray(x, dtype=float)


def shift(x):
    return x + 1


def unused():
    return None
'''

PUBLIC_TESTS = '''\
import numpy as np
import pytest
from numpy.testing import assert_allclose

from numnet.ops import scale, shift


@pytest.mark.task("scaling")
def test_scale_vector():
    assert_allclose(scale([1.0, 2.0, 3.0]), [2.0, 4.0, 6.0])


@pytest.mark.task("scaling")
def test_scale_scalar():
    assert_allclose(scale(1.5), 3.0)


@pytest.mark.task("shifting")
def test_shift():
    assert shift(1) == 2


def test_without_task():
    assert np.pi > 3
'''


def _notebook(outputs: list) -> str:
    cell = {"cell_type": "code", "execution_count": 1 if outputs else None, "id": "c1", "metadata": {},
            "outputs": outputs, "source": "print(1)"}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "fc_nets"
    (root / "numnet").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "assignment.toml").write_text(MANIFEST)
    (root / "numnet" / "__init__.py").write_text("")
    (root / "numnet" / "ops.py").write_text(STUBS)
    (root / "tests" / "test_ops.py").write_text(PUBLIC_TESTS)
    (root / "Demo.ipynb").write_text(_notebook([]))
    write_scaffold(load_folder_manifest(root), root)
    return root


def _statuses(folder: Path) -> dict[str, tuple[str, int, int, str]]:
    rows = task_rows(load_folder_manifest(folder), run_public_tests(folder))
    return {row.task: (row.status, row.passed, row.total, row.detail) for row in rows}


def test_failure_summary_keeps_numpy_numeric_lines_on_one_line():
    message = (
        "AssertionError: \nNot equal to tolerance rtol=1e-07, atol=0\n\nMismatched elements: 1 / 3 (33.3%)\n"
        "Max absolute difference among violations: 0.5\nMax relative difference among violations: 0.1\n"
    )
    assert failure_summary(message) == (
        "Mismatched elements: 1 / 3 (33.3%); Max absolute difference among violations: 0.5; "
        "Max relative difference among violations: 0.1"
    )
    assert failure_summary("AssertionError: assert 3 == 2\n+ where 3 = f()") == "AssertionError: assert 3 == 2"
    assert len(failure_summary("x" * 500)) == 160


def test_untouched_release_is_reported_as_not_implemented(folder):
    assert _statuses(folder) == {
        "scaling": ("not implemented yet", 0, 2, ""),
        "shifting": ("not implemented yet", 0, 1, ""),
        "untested": ("no public tests", 0, 0, ""),
        "-": ("passed", 1, 1, ""),
    }


def test_wrong_results_fail_with_a_numeric_summary(folder):
    (folder / "numnet" / "ops.py").write_text(SOLVED.replace("2 * np.asarray", "np.asarray"))
    statuses = _statuses(folder)
    status, passed, total, detail = statuses["scaling"]
    assert (status, passed, total) == ("failed", 0, 2)
    assert detail.startswith("test_scale_vector: Mismatched elements: 3 / 3 (100%); Max absolute difference")
    assert statuses["shifting"] == ("passed", 1, 1, "")


def test_a_module_that_does_not_import_is_reported(folder):
    (folder / "numnet" / "ops.py").write_text("def scale(x):\n    return (\n")
    run = run_public_tests(folder)
    assert [nodeid for nodeid, _ in run.collection_errors] == ["tests/test_ops.py"]
    assert "SyntaxError" in run.collection_errors[0][1]
    rows = task_rows(load_folder_manifest(folder), run)
    assert {row.task: row.status for row in rows} == {"scaling": "not run", "shifting": "not run", "untested": "not run"}


def test_check_command_prints_the_table_and_sets_the_exit_status(folder, capsys):
    assert main(["check", "--folder", str(folder)]) == 1
    assert "not implemented yet" in capsys.readouterr().out
    (folder / "numnet" / "ops.py").write_text(SOLVED)
    assert main(["check", "--folder", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Scaling" in out and "2/2" in out and "failed" not in out
    assert not (folder / ".pytest_cache").exists() and not any(folder.rglob("__pycache__"))


def test_submit_zips_only_the_owned_files_and_warns(folder, capsys):
    (folder / "numnet" / "ops.py").write_text(SOLVED)
    (folder / "notes.txt").write_text("not part of the submission")
    assert main(["submit", "--folder", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Demo.ipynb has no outputs" in out
    archive = folder / "fc_nets_submission.zip"
    first = archive.read_bytes()
    with zipfile.ZipFile(archive) as zipped:
        assert zipped.namelist() == ["Demo.ipynb", "numnet/ops.py"]
        assert zipped.read("numnet/ops.py").decode() == SOLVED

    (folder / "Demo.ipynb").unlink()
    assert main(["submit", "--folder", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Demo.ipynb is missing" in out and "no outputs" not in out
    with zipfile.ZipFile(archive) as zipped:
        assert zipped.namelist() == ["numnet/ops.py"]
    assert archive.read_bytes() != first


def test_submit_is_reproducible_for_the_same_files(folder, tmp_path):
    (folder / "Demo.ipynb").write_text(_notebook([{"output_type": "stream", "name": "stdout", "text": "1\n"}]))
    assert main(["submit", "--folder", str(folder)]) == 0
    first = (folder / "fc_nets_submission.zip").read_bytes()
    (folder / "numnet" / "ops.py").touch()
    assert main(["submit", "--folder", str(folder)]) == 0
    assert (folder / "fc_nets_submission.zip").read_bytes() == first


def test_submit_refuses_files_that_do_not_compile(folder, capsys):
    (folder / "numnet" / "ops.py").write_text("def scale(x):\n    return x +\n")
    (folder / "Demo.ipynb").write_text("{not json")
    assert main(["submit", "--folder", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "numnet/ops.py:2: invalid syntax" in out
    assert "Demo.ipynb: not a readable notebook (JSONDecodeError" in out
    assert not (folder / "fc_nets_submission.zip").exists()


def test_tools_need_a_release_folder(tmp_path, capsys):
    with pytest.raises(ManifestError, match="no assignment.toml here"):
        load_folder_manifest(tmp_path)
    assert main(["check", "--folder", str(tmp_path)]) == 1
    assert "run this command inside an assignment's release folder" in capsys.readouterr().out
