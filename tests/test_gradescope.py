"""The Gradescope autograder zip: its contents and a run of ``run_autograder`` from the unpacked zip."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import tomllib

import pytest

from autograder.gradescope import DemoSecretError, apply_visibility, build_zip, minimum_python
from autograder.grading.results import CheckDetails, Results, TestResult
from autograder.grading.seeds import DEMO_SECRET, Secret
from autograder.manifest import load_manifest, parse_manifest
from autograder.paths import PROJECT_ROOT, SOURCE
from autograder_student.status import Status
from tests.grading_support import reference_submission

ASSIGNMENT = "linear_regression"


def test_zip_holds_executable_scripts_and_only_committed_grader_files(tmp_path):
    """setup.sh and run_autograder are executable; no tests, benchmarks or build products are shipped."""
    archive = build_zip(ASSIGNMENT, tmp_path / "gs.zip", allow_demo_secret=True)
    with zipfile.ZipFile(archive) as bundle:
        names = bundle.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in bundle.infolist()}
        setup = bundle.read("setup.sh").decode()
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert "pip install" in setup and "-e /autograder/source/project" in setup
    version = minimum_python()
    assert version == tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["requires-python"][2:]
    assert f"sys.version_info < ({version.replace('.', ', ')})" in setup and f"apt-get install -yq python{version} " in setup
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


def test_zip_refuses_the_public_demo_secret(tmp_path):
    """Without a course secret, or with the demo secret in the file, no zip is written unless asked for."""
    demo = tmp_path / "demo-secret"
    demo.write_bytes(DEMO_SECRET + b"\n")
    for secret in (None, demo):
        with pytest.raises(DemoSecretError, match="predictable"):
            build_zip(ASSIGNMENT, tmp_path / "gs.zip", secret)
        assert not (tmp_path / "gs.zip").exists()


def test_visibility_comes_from_the_manifest(tmp_path):
    """A task's visibility applies to each of its checks; stdout_visibility to the output."""
    manifest_file = SOURCE / ASSIGNMENT / "assignment.toml"
    data = tomllib.loads(manifest_file.read_text())
    data["gradescope"] = {"visibility": "after_due_date", "stdout_visibility": "after_published"}
    data["tasks"]["metrics"]["visibility"] = "hidden"
    manifest = parse_manifest(data, manifest_file)
    tests = [TestResult(CheckDetails(task, "check", Status.PASSED), 1.0, 1.0) for task in manifest.tasks]
    results_file = tmp_path / "results.json"
    results_file.write_text(json.dumps(Results(len(tests), len(tests), 1.0, "", tests).to_json()))
    apply_visibility(results_file, manifest)
    written = json.loads(results_file.read_text())
    assert written["stdout_visibility"] == "after_published"
    assert {t["name"]: t["visibility"] for t in written["tests"]} == {
        f"{task}: check": "hidden" if task == "metrics" else "after_due_date" for task in manifest.tasks}
    assert {t.visibility for t in load_manifest(ASSIGNMENT).tasks.values()} == {"visible"}
    data["tasks"]["metrics"]["visibility"] = "later"
    with pytest.raises(ValueError, match="'visibility' must be one of"):
        parse_manifest(data, manifest_file)
