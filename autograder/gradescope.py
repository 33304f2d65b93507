"""``autograder gradescope ASSIGNMENT``: the autograder zip for Gradescope's harness.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once when
the image is built, then ``run_autograder`` for every submission, which must leave
``/autograder/results/results.json``. The zip holds the committed project files
the grader needs (package, reference, manifests, release, hidden suites), the two
scripts and, when given, the course secret.
"""
from __future__ import annotations

import argparse
import subprocess
import zipfile
from pathlib import Path

from autograder.paths import ASSIGNMENTS, PROJECT_ROOT

#: Top-level entries of the checkout that the grader needs at run time.
INCLUDED = ("pyproject.toml", "setup.py", "README.md", "autograder/", "student_tools/", "reference/", "source/", "release/")
PROJECT = "project"
SECRET = "secret"

SETUP_SH = """#!/usr/bin/env bash
# Runs once while Gradescope builds the image: a venv with the project installed (editable,
# so the release, manifests and hidden suites are read from /autograder/source/project).
set -euo pipefail
apt-get update -q
# bubblewrap and libseccomp confine student code and its Cython build (docs/sandbox.md)
apt-get install -yq python3 python3-venv python3-dev build-essential bubblewrap libseccomp2
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q --upgrade pip
/autograder/venv/bin/pip install -q "setuptools>=69" wheel "cython>=3.0,<4" "numpy>=1.26,<3"
/autograder/venv/bin/pip install -q --no-build-isolation -e /autograder/source/{project}
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Runs for every submission: grade /autograder/submission into Gradescope's results file.
set -uo pipefail
source_dir=/autograder/source
if [ -f "$source_dir/{secret}" ]; then export AUTOGRADER_SECRET_FILE="$source_dir/{secret}"; fi
student=$(/autograder/venv/bin/python -c 'import json; m = json.load(open("/autograder/submission_metadata.json")); print(m["users"][0]["email"])' 2>/dev/null || echo student)
mkdir -p /autograder/results
cd "$source_dir/{project}"
/autograder/venv/bin/python -m autograder grade {assignment} /autograder/submission --student "$student" \\
    --results /autograder/results/results.json
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("gradescope", help="build the autograder zip for Gradescope")
    parser.add_argument("assignment", choices=ASSIGNMENTS)
    parser.add_argument("--output", type=Path, help="zip to write (default: gradescope-ASSIGNMENT.zip)")
    parser.add_argument("--secret-file", type=Path, help="course secret to ship with the autograder (recommended)")
    parser.set_defaults(run=run)


def project_files(root: Path = PROJECT_ROOT) -> list[str]:
    """The committed files of the checkout the grader needs (``git ls-files``, so no build products)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout.decode()
    return sorted(name for name in listed.split("\0") if name.startswith(INCLUDED) and (root / name).is_file())


def _add_script(bundle: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o100755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, text)


def build_zip(assignment: str, output: Path, secret_file: Path | None = None, root: Path = PROJECT_ROOT) -> Path:
    """Write the Gradescope autograder zip for ``assignment`` to ``output``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bundle:
        _add_script(bundle, "setup.sh", SETUP_SH.format(project=PROJECT))
        _add_script(bundle, "run_autograder", RUN_AUTOGRADER.format(project=PROJECT, secret=SECRET, assignment=assignment))
        for name in project_files(root):
            bundle.write(root / name, f"{PROJECT}/{name}")
        if secret_file is not None:
            bundle.write(secret_file, SECRET)
    return output


def run(args: argparse.Namespace) -> int:
    output = args.output or Path(f"gradescope-{args.assignment}.zip")
    build_zip(args.assignment, output, args.secret_file)
    print(f"Gradescope autograder for {args.assignment}: {output}")
    return 0
