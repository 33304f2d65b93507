"""The student's environment, built exactly as each release's README says, in a real venv.

A fresh virtual environment (``python -m venv``) gets ``pip install -r requirements.txt``
run inside a copy of each release folder. The packages come from a wheelhouse this
module fills once (``pip wheel``, through the package index) and keeps in
``~/.cache/autograder/``, so later runs install with ``--no-index``.

Jupyter is the one requirement left out of the venv: its ~70 packages double the
install time, come from the index rather than from this project (so they can hold no
solution or grader code), and the notebooks are executed by
``test_release_invariants.py``. The wheelhouse is built from every line of the files,
Jupyter included, so they still have to resolve together.

One venv serves the whole test run (xdist workers share it through a file lock), as it
serves a student across the three assignments.
"""
from __future__ import annotations

import base64
import csv
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from autograder.manifest import load_manifest
from autograder.paths import PROJECT_ROOT, REFERENCE_PACKAGE, RELEASE
from release_support import ASSIGNMENTS, solution_lines

pytestmark = pytest.mark.slow

WHEELHOUSES = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "autograder" / "student-wheelhouse"
JUPYTER = re.compile(r"^notebook\b")
#: Solution lines shorter than this ("mask = None") also occur in ordinary code by chance.
DISTINCTIVE = 20
ENV = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "200"}


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _run(command: list, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=ENV, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"{command} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def _third_party_requirements() -> list[str]:
    """Every requirement of the releases that is not a local path, plus what the student tools need to build."""
    lines = {line.strip() for name in ASSIGNMENTS
             for line in (RELEASE / name / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith(("#", "."))}
    tools = tomllib.loads((PROJECT_ROOT / "student_tools" / "pyproject.toml").read_text())
    lines.update(tools["build-system"]["requires"] + tools["project"]["dependencies"])
    return sorted(lines)


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    """Wheels for every third-party requirement, built once per requirement set and Python version."""
    wanted = _third_party_requirements()
    key = hashlib.sha256("\n".join([sys.version, *wanted]).encode()).hexdigest()[:16]
    house = WHEELHOUSES / key
    with _locked(WHEELHOUSES / ".lock"):
        if not house.is_dir():
            for stale in WHEELHOUSES.iterdir():  # wheelhouses of older requirement sets
                if stale.is_dir():
                    shutil.rmtree(stale)
            partial = WHEELHOUSES / f"{key}.partial"
            _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", partial, *wanted], PROJECT_ROOT)
            partial.rename(house)
    return house


def _session_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder shared by the xdist workers of this run (and only of this run)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def student_env(tmp_path_factory, wheelhouse) -> Path:
    """A venv in which every release's requirements (Jupyter aside) were installed from inside a copy of it."""
    root = _session_root(tmp_path_factory) / "student-env"
    venv = root / "venv"
    with _locked(root.with_suffix(".lock")):
        if not (root / "ready").is_file():
            shutil.rmtree(root, ignore_errors=True)
            _run([sys.executable, "-m", "venv", venv], PROJECT_ROOT)
            offline = ["--no-index", "--find-links", wheelhouse]
            for name in ASSIGNMENTS:
                folder = root / "releases" / name
                shutil.copytree(RELEASE / name, folder)
                kept = [line for line in (folder / "requirements.txt").read_text().splitlines() if not JUPYTER.match(line)]
                (root / f"{name}-requirements.txt").write_text("\n".join(kept) + "\n")
                _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", *offline,
                      "-r", root / f"{name}-requirements.txt"], folder)
            (root / "ready").touch()
    return venv


def _published_files(venv: Path) -> set[Path]:
    """Files of the third-party distributions whose bytes are exactly as their wheel's RECORD says.

    They are the index's files, which can't hold this project's solutions; everything
    else in the venv (the student tools, files that installers generate, anything
    unrecorded or changed) is scanned.
    """
    published = set()
    for record in venv.glob("lib/python*/site-packages/*.dist-info/RECORD"):
        if record.parent.name.startswith("autograder_student-"):
            continue
        for row in csv.reader(record.read_text(encoding="utf-8").splitlines()):
            if len(row) >= 2 and row[1].startswith("sha256="):
                file = (record.parent.parent / row[0]).resolve()
                if not file.is_file():
                    continue
                digest = base64.urlsafe_b64encode(hashlib.sha256(file.read_bytes()).digest()).rstrip(b"=").decode()
                if digest == row[1].removeprefix("sha256="):
                    published.add(file)
    return published


def _leaks(root: Path, secret: set[str], skip: set[Path] = frozenset()) -> list[str]:
    """``file: line`` for every distinctive solution line in the files under ``root`` (``skip`` aside)."""
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.resolve() not in skip:
            for line in path.read_bytes().decode("utf-8", "ignore").splitlines():
                if len(line.strip()) >= DISTINCTIVE and line.strip() in secret:
                    found.append(f"{path.relative_to(root)}: {line.strip()}")
    return found


def test_environment_holds_no_solution_no_grader_and_no_numnet(student_env, tmp_path):
    secret = set().union(*(solution_lines(name) for name in ASSIGNMENTS))
    assert _leaks(REFERENCE_PACKAGE, secret), "the scan must find the solutions where they are"
    published = _published_files(student_env)
    assert len(published) > 1000, "numpy, pytest, matplotlib... are all recorded"
    assert _leaks(student_env, secret, published) == []
    assert [p for p in student_env.rglob("*") if p.name in ("numnet", "suites", "grading")] == []
    probe = ("import importlib.util, json\n"
             "names = ['numnet', 'autograder', 'autograder.suites', 'autograder.grading', 'autograder_student']\n"
             "found = {}\n"
             "for name in names:\n"
             "    try:\n"
             "        found[name] = importlib.util.find_spec(name) is not None\n"
             "    except ModuleNotFoundError:\n"
             "        found[name] = False\n"
             "print(json.dumps(found))")
    found = json.loads(_run([student_env / "bin" / "python", "-c", probe], tmp_path).stdout)
    assert found == {"numnet": False, "autograder": False, "autograder.suites": False, "autograder.grading": False,
                     "autograder_student": True}


def _check(venv: Path, folder: Path) -> tuple[int, dict]:
    """Run ``autograder check`` in ``folder`` as the student would; its exit status and JSON report."""
    done = _run([venv / "bin" / "autograder", "check", "--json", folder / "check.json"], folder, check=False)
    assert (folder / "check.json").is_file(), done.stdout + done.stderr
    report = json.loads((folder / "check.json").read_text())
    (folder / "check.json").unlink()
    return done.returncode, report


def _prepare(venv: Path, assignment: str, folder: Path, solved: bool) -> Path:
    """A copy of the release (the solution laid over it when ``solved``), its extension built by the student's Python."""
    shutil.copytree(RELEASE / assignment, folder)
    if solved:
        _run([sys.executable, "-m", "autograder", "solution", assignment, folder], PROJECT_ROOT)
    modules = ["numnet." + module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
               for module in load_manifest(assignment).modules if module.endswith(".py") and module != "__init__.py"]
    script = f"import importlib, numnet\nfor name in {modules!r}: importlib.import_module(name)\nprint(numnet.__file__)"
    imported = _run([venv / "bin" / "python", "-c", script], folder)  # every module's imports are installed
    assert Path(imported.stdout.strip()).is_relative_to(folder)
    if any(module.endswith(".pyx") for module in load_manifest(assignment).modules):
        _run([venv / "bin" / "python", "-m", "numnet.build_ext", "--quiet"], folder)
    return folder


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_check_in_the_student_environment(student_env, assignment, tmp_path):
    untouched = _prepare(student_env, assignment, tmp_path / "untouched" / assignment, solved=False)
    code, report = _check(student_env, untouched)
    assert (code, report["collection_errors"], report["syntax_errors"]) == (1, [], [])
    assert {row["task"]: row["status"] for row in report["tasks"]} == {
        task: "not_implemented" for task in load_manifest(assignment).tasks}

    solved = _prepare(student_env, assignment, tmp_path / "solved" / assignment, solved=True)
    code, report = _check(student_env, solved)
    assert [(row["task"], row["status"], row["detail"]) for row in report["tasks"] if row["status"] != "passed"] == []
    assert code == 0 and report["passed"]


def test_submitted_zip_grades_like_the_folder(student_env, tmp_path):
    assignment = "linear_regression"
    folder = _prepare(student_env, assignment, tmp_path / assignment, solved=True)
    submitted = _run([student_env / "bin" / "autograder", "submit"], folder)
    archive = folder / f"{assignment}_submission.zip"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert f"SHA-256 {digest}" in submitted.stdout
    with zipfile.ZipFile(archive) as zipped:
        assert sorted(zipped.namelist()) == sorted(load_manifest(assignment).student_files)

    results = {}
    for kind, submission in (("zip", archive), ("folder", folder)):
        out = tmp_path / f"{kind}.json"
        _run([sys.executable, "-m", "autograder", "grade", assignment, submission, "--results", out], PROJECT_ROOT)
        results[kind] = json.loads(out.read_text())
    by_test = {kind: [(t["name"], t["status"], t["score"]) for t in data["tests"]] for kind, data in results.items()}
    assert by_test["zip"] == by_test["folder"]
    assert results["zip"]["score"] == results["folder"]["score"] == results["folder"]["max_score"]
    assert results["zip"]["extra_data"]["archive_sha256"] == digest
    assert results["folder"]["extra_data"]["archive_sha256"] is None
    assert results["zip"]["extra_data"]["submission_sha256"] == results["folder"]["extra_data"]["submission_sha256"]
