"""The Gradescope autograder zip: its contents and a run of ``run_autograder`` from the unpacked zip."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

from autograder.gradescope import build_zip
from autograder.grading.seeds import Secret
from tests.grading_support import reference_submission

ASSIGNMENT = "linear_regression"


def test_zip_holds_executable_scripts_and_only_committed_grader_files(tmp_path):
    """setup.sh and run_autograder are executable; no tests, benchmarks or build products are shipped."""
    archive = build_zip(ASSIGNMENT, tmp_path / "gs.zip")
    with zipfile.ZipFile(archive) as bundle:
        names = bundle.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in bundle.infolist()}
        setup = bundle.read("setup.sh").decode()
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert "pip install" in setup and "-e /autograder/source/project" in setup
    assert f"project/autograder/suites/{ASSIGNMENT}/" in "\n".join(names)
    assert f"project/release/{ASSIGNMENT}/numnet/__init__.py" in names
    assert "project/student_tools/autograder_student/manifest.py" in names  # setup.py installs it with the grader
    assert not [n for n in names if n.endswith((".so", ".pyc")) or n.startswith(("project/tests/", "project/bench/"))]
    assert "secret" not in names


def test_run_autograder_grades_the_submission_from_the_unpacked_zip(tmp_path):
    """The unpacked zip grades a submission into results.json with the shipped secret and the student's email."""
    secret = tmp_path / "course-secret"
    secret.write_text("a course secret for this test\n")
    home = tmp_path / "autograder"
    with zipfile.ZipFile(build_zip(ASSIGNMENT, tmp_path / "gs.zip", secret)) as bundle:
        bundle.extractall(home / "source")
    reference_submission(ASSIGNMENT, home / "submission")
    (home / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "ana@example.edu"}]}))
    script = (home / "source" / "run_autograder").read_text()
    script = script.replace("/autograder/venv/bin/python", sys.executable).replace("/autograder", str(home))
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((home / "results" / "results.json").read_text())
    assert results["score"] == results["max_score"] == 100
    assert results["extra_data"]["secret"] == "file"  # the secret file, named without its path
    assert results["extra_data"]["graded_with"]["secret"] == Secret(b"a course secret for this test", "").id
    assert str(home) not in json.dumps(results["extra_data"]["graded_with"])
    assert results["extra_data"]["student"] == "ana@example.edu"
