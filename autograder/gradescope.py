"""``autograder gradescope ASSIGNMENT``: the autograder zip for Gradescope's harness.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once when
the image is built, then ``run_autograder`` for every submission, which must leave
``/autograder/results/results.json``. The zip holds the committed project files
the grader needs (package, reference, manifests, release, hidden suites), the two
scripts and the course secret: without one the zip would grade with the public
demo secret (predictable hidden inputs), which is refused unless asked for.
Each check's visibility and that of the output come from the manifest's
``[gradescope]`` settings and tasks' ``visibility`` (docs/manifest.md).
"""
from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from autograder.grading.results import write_atomically
from autograder.grading.seeds import DEMO_SECRET
from autograder.manifest import Manifest, load_manifest
from autograder.paths import PROJECT_ROOT

#: Top-level entries of the checkout that the grader needs at run time.
INCLUDED = ("pyproject.toml", "setup.py", "README.md", "nbgrader_config.py", "autograder/", "student_tools/", "reference/", "source/", "release/")
PROJECT = "project"
SECRET = "secret"

SETUP_SH = """#!/usr/bin/env bash
# Runs once while Gradescope builds the image: a venv with the project installed (editable,
# so the release, manifests and hidden suites are read from /autograder/source/project).
set -euo pipefail
apt-get update -q
# bubblewrap and libseccomp confine student code and its Cython build (docs/sandbox.md)
apt-get install -yq python3 python3-venv python3-dev build-essential bubblewrap libseccomp2
# The project needs Python >= {python}; older images get that version from the distribution.
python=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < ({python_tuple}))'; then
    apt-get install -yq python{python} python{python}-venv python{python}-dev
    python=python{python}
fi
"$python" -m venv /autograder/venv
/autograder/venv/bin/pip install -q --upgrade pip
/autograder/venv/bin/pip install -q {build_requires}
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
/autograder/venv/bin/python -m autograder gradescope {assignment} --apply-visibility /autograder/results/results.json
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("gradescope", help="build the autograder zip for Gradescope")
    parser.add_argument("assignment", help="an assignment of the course")
    parser.add_argument("--output", type=Path, help="zip to write (default: gradescope-ASSIGNMENT.zip)")
    parser.add_argument("--secret-file", type=Path, help="course secret to ship with the autograder")
    parser.add_argument("--allow-demo-secret", action="store_true",
                        help="build without a course secret: hidden inputs use the public demo secret (never for a real class)")
    parser.add_argument("--apply-visibility", type=Path, metavar="RESULTS",
                        help="(used by run_autograder) set the manifest's visibility settings in this results.json")
    parser.set_defaults(run=run)


def _pyproject(root: Path) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))


def minimum_python(root: Path = PROJECT_ROOT) -> str:
    """The lowest Python version ``pyproject.toml`` accepts, as ``"3.11"``."""
    return _pyproject(root)["project"]["requires-python"].removeprefix(">=").strip()


def setup_script(root: Path = PROJECT_ROOT) -> str:
    """``setup.sh``: a venv on a Python the project accepts, with the project installed (its build
    requirements first, as ``pyproject.toml`` pins them: the install below builds without isolation)."""
    version = minimum_python(root)
    build_requires = " ".join(shlex.quote(spec) for spec in _pyproject(root)["build-system"]["requires"])
    return SETUP_SH.format(project=PROJECT, python=version, python_tuple=version.replace(".", ", "),
                           build_requires=build_requires)


def apply_visibility(results_file: Path, manifest: Manifest) -> None:
    """Give every check its task's visibility and the output the manifest's ``stdout_visibility``."""
    results = json.loads(results_file.read_text(encoding="utf-8"))
    for test in results["tests"]:
        task = manifest.tasks.get(test["extra_data"]["task"])
        test["visibility"] = task.visibility if task else "visible"
    results["stdout_visibility"] = manifest.stdout_visibility
    write_atomically(results_file, json.dumps(results, indent=2) + "\n")


class DemoSecretError(ValueError):
    """The zip would grade with the public demo secret."""


def check_secret(secret_file: Path | None, allow_demo: bool) -> None:
    """Refuse a zip whose hidden inputs anyone could predict, unless ``allow_demo``."""
    if secret_file is None:
        problem = "no --secret-file given: the autograder would use the public demo secret"
    elif secret_file.read_bytes().strip() == DEMO_SECRET:
        problem = f"{secret_file} holds the public demo secret"
    else:
        return
    if not allow_demo:
        raise DemoSecretError(f"{problem}, so every student's hidden inputs are predictable. Pass the course "
                              "secret with --secret-file (or --allow-demo-secret for a trial run).")
    print(f"warning: {problem}; hidden inputs are predictable", file=sys.stderr)


def project_files(root: Path = PROJECT_ROOT) -> list[str]:
    """The committed files of the checkout the grader needs (``git ls-files``, so no build products)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout.decode()
    return sorted(name for name in listed.split("\0") if name.startswith(INCLUDED) and (root / name).is_file())


def _add_script(bundle: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o100755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, text)


def build_zip(assignment: str, output: Path, secret_file: Path | None = None, root: Path = PROJECT_ROOT,
              allow_demo_secret: bool = False) -> Path:
    """Write the Gradescope autograder zip for ``assignment`` to ``output`` (see :func:`check_secret`)."""
    check_secret(secret_file, allow_demo_secret)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bundle:
        _add_script(bundle, "setup.sh", setup_script(root))
        _add_script(bundle, "run_autograder", RUN_AUTOGRADER.format(project=PROJECT, secret=SECRET, assignment=assignment))
        for name in project_files(root):
            bundle.write(root / name, f"{PROJECT}/{name}")
        if secret_file is not None:
            bundle.write(secret_file, SECRET)
    return output


def run(args: argparse.Namespace) -> int:
    if args.apply_visibility:
        apply_visibility(args.apply_visibility, load_manifest(args.assignment))
        return 0
    output = args.output or Path(f"gradescope-{args.assignment}.zip")
    try:
        build_zip(args.assignment, output, args.secret_file, allow_demo_secret=args.allow_demo_secret)
    except DemoSecretError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Gradescope autograder for {args.assignment}: {output}")
    return 0
