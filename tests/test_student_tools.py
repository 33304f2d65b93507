"""`autograder check` and `autograder submit` in a small hand-made release folder.

The grader's ``autograder`` command delegates both to the student tools
(``autograder_student``), so these tests drive the same code a student runs.
"""
import hashlib
import json
import tomllib
import zipfile
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.manifest import parse_manifest
from autograder.release.scaffold import write_scaffold
from autograder_student.manifest import ManifestError, load_folder_manifest
from autograder_student.plugin import describe_parameter, failure_summary

MANIFEST = '''\
[assignment]
name = "fc_nets"
notebooks = ["Demo.ipynb"]

[release]
modules = ["__init__.py", "ops.py", "im2col_cython.pyx"]

[submission]
files = ["numnet/ops.py", "numnet/im2col_cython.pyx", "Demo.ipynb"]

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

[tasks.compiled]
title = "Compiled"
points = 1
functions = ["im2col_cython.pyx:im2col_cython"]
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
    return 2 * np.asarray(x)


def shift(x):
    return x + 1


def unused():
    return None
'''

#: Named like the reference's compiled module, which the project's own environment can import:
#: the check must use the folder's module and report it as not built.
PYX_STUB = '''\
def im2col_cython(x):
    raise NotImplementedError("not implemented yet")
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


@pytest.mark.task("scaling")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_scale_keeps_the_dtype(dtype):
    assert scale(np.ones(3, dtype=dtype)).dtype == dtype


@pytest.mark.task("compiled")
def test_compiled_module():
    from numnet.im2col_cython import im2col_cython

    im2col_cython(np.zeros(1))


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


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Rich wraps its table to the terminal; a wide one keeps each cell on one line."""
    monkeypatch.setenv("COLUMNS", "400")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "fc_nets"
    (root / "numnet").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "assignment.toml").write_text(MANIFEST)
    (root / "numnet" / "__init__.py").write_text("")
    (root / "numnet" / "ops.py").write_text(STUBS)
    (root / "numnet" / "im2col_cython.pyx").write_text(PYX_STUB)
    (root / "tests" / "test_ops.py").write_text(PUBLIC_TESTS)
    (root / "Demo.ipynb").write_text(_notebook([]))
    write_scaffold(parse_manifest(tomllib.loads(MANIFEST), root / "assignment.toml"), root)
    return root


def _check(folder: Path, capsys, seconds: float = 120) -> tuple[int, dict[str, tuple[str, int, int, str]], str]:
    """``autograder check`` on ``folder``: exit status, (status, passed, total, detail) per task, printed text."""
    report = folder.parent / "check.json"
    code = main(["check", "--folder", str(folder), "--timeout", str(seconds), "--json", str(report)])
    rows = json.loads(report.read_text())["tasks"]
    return code, {r["task"]: (r["status"], r["passed"], r["total"], r["detail"]) for r in rows}, capsys.readouterr().out


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
    assert len(failure_summary("x" * 500)) == 200


def test_parameters_are_described_by_name():
    import numpy as np

    assert describe_parameter(np.float32) == "float32"
    assert describe_parameter(failure_summary) == "failure_summary"
    assert describe_parameter((2, 3, 5)) == "(2, 3, 5)"
    assert describe_parameter("x" * 100).endswith("...") and len(describe_parameter("x" * 100)) == 40


def test_untouched_release_is_reported_as_not_implemented_or_not_built(folder, capsys):
    code, statuses, out = _check(folder, capsys)
    assert code == 1 and "not implemented" in out
    assert statuses.pop("compiled") == (
        "not_built", 0, 1, "test_compiled_module: numnet/im2col_cython.pyx is not compiled: "
        "run `python -m numnet.build_ext` in this folder")
    assert statuses == {
        "scaling": ("not_implemented", 0, 4, ""),
        "shifting": ("not_implemented", 0, 1, ""),
        "untested": ("no_tests", 0, 0, ""),
        "-": ("passed", 1, 1, ""),
    }


def test_wrong_results_fail_naming_the_test_its_parameters_and_the_mismatch(folder, capsys):
    (folder / "numnet" / "ops.py").write_text(SOLVED.replace("2 * np.asarray(x)", "np.asarray(x, dtype=np.float64)"))
    code, statuses, out = _check(folder, capsys)
    status, passed, total, detail = statuses["scaling"]
    assert (code, status, passed, total) == (1, "failed", 1, 4)
    assert detail.startswith("test_scale_vector: Mismatched elements: 3 / 3 (100%); Max absolute difference")
    assert statuses["shifting"] == ("passed", 1, 1, "")
    assert "test_scale_keeps_the_dtype(dtype=float32)" in out
    assert "test_scale_keeps_the_dtype(dtype=float64)" not in out


def test_an_error_in_student_code_names_its_line(folder, capsys):
    (folder / "numnet" / "ops.py").write_text(SOLVED.replace("return x + 1", "return [x][1]"))
    status, _, _, detail = _check(folder, capsys)[1]["shifting"]
    assert status == "failed"
    assert detail == "test_shift: IndexError: list index out of range (at numnet/ops.py:9)"


def test_a_module_that_does_not_compile_is_named_with_its_line(folder, capsys):
    (folder / "numnet" / "ops.py").write_text("def scale(x):\n    return (\n")
    code, statuses, out = _check(folder, capsys)
    assert code == 1
    assert {task: row[0] for task, row in statuses.items()} == {
        "scaling": "not_run", "shifting": "not_run", "untested": "not_run", "compiled": "not_run"}
    assert "does not compile: numnet/ops.py:2: '(' was never closed" in out
    assert "could not import tests/test_ops.py" in out


@pytest.mark.parametrize(("body", "status", "summary"), [
    ("while True:\n        pass", "timed_out", "still running after 20 s"),
    ("import os\n    os._exit(3)", "crashed", "the Python process died (exit status 3)"),
])
def test_a_hanging_or_crashing_task_is_reported_while_the_others_run(folder, body, status, summary, capsys):
    (folder / "numnet" / "ops.py").write_text(SOLVED.replace("return x + 1", body))
    statuses = _check(folder, capsys, seconds=20)[1]  # 20 s: ample for the other tasks on a loaded machine
    assert statuses["scaling"] == ("passed", 4, 4, "")
    shifting = statuses["shifting"]
    assert shifting[:3] == (status, 0, 1) and shifting[3].startswith(f"test_shift: {summary}")


def test_check_command_passes_a_solved_folder_and_leaves_no_caches(folder, capsys):
    (folder / "numnet" / "ops.py").write_text(SOLVED)
    (folder / "numnet" / "im2col_cython.pyx").unlink()
    (folder / "numnet" / "im2col_cython.py").write_text("def im2col_cython(x):\n    return x\n")
    assert main(["check", "--folder", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Scaling" in out and "4/4" in out and "failed" not in out
    assert not (folder / ".pytest_cache").exists() and not any(folder.rglob("__pycache__"))


def _solve(folder: Path) -> None:
    (folder / "numnet" / "ops.py").write_text(SOLVED)
    (folder / "Demo.ipynb").write_text(_notebook([{"output_type": "stream", "name": "stdout", "text": "1\n"}]))


def test_submit_zips_only_the_owned_files_and_prints_their_fingerprint(folder, capsys):
    (folder / "numnet" / "ops.py").write_text(SOLVED)
    (folder / "notes.txt").write_text("not part of the submission")
    assert main(["submit", "--folder", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Demo.ipynb has no outputs" in out
    archive = folder / "fc_nets_submission.zip"
    with zipfile.ZipFile(archive) as zipped:
        assert zipped.namelist() == ["Demo.ipynb", "numnet/im2col_cython.pyx", "numnet/ops.py"]
        assert zipped.read("numnet/ops.py").decode() == SOLVED
    data = archive.read_bytes()
    assert f"({len(data)} bytes)" in out
    assert f"SHA-256 {hashlib.sha256(data).hexdigest()}" in out


def test_submit_is_reproducible_for_the_same_files(folder, tmp_path):
    _solve(folder)
    assert main(["submit", "--folder", str(folder)]) == 0
    first = (folder / "fc_nets_submission.zip").read_bytes()
    (folder / "numnet" / "ops.py").touch()
    assert main(["submit", "--folder", str(folder)]) == 0
    assert (folder / "fc_nets_submission.zip").read_bytes() == first


def test_submit_refuses_missing_and_unreadable_files(folder, capsys):
    (folder / "numnet" / "ops.py").write_text("def scale(x):\n    return x +\n")
    (folder / "Demo.ipynb").write_text("{not json")
    (folder / "numnet" / "im2col_cython.pyx").write_bytes(b"\xff\xfe")
    assert main(["submit", "--folder", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "numnet/ops.py:2: invalid syntax" in out
    assert "Demo.ipynb: not a readable notebook (JSONDecodeError" in out
    assert "numnet/im2col_cython.pyx: not UTF-8 text (byte 0)" in out
    assert not (folder / "fc_nets_submission.zip").exists()

    _solve(folder)
    (folder / "numnet" / "im2col_cython.pyx").unlink()
    assert main(["submit", "--folder", str(folder)]) == 1
    assert "numnet/im2col_cython.pyx is missing" in capsys.readouterr().out
    assert not (folder / "fc_nets_submission.zip").exists()


def test_tools_need_a_release_folder(tmp_path, capsys):
    with pytest.raises(ManifestError, match="no assignment.toml here"):
        load_folder_manifest(tmp_path)
    assert main(["check", "--folder", str(tmp_path)]) == 1
    assert "run this command inside an assignment's release folder" in capsys.readouterr().out
