"""``autograder quickstart DIR``: a new course directory that releases and grades at once.

It holds the course configuration, a reference package with one layer, and one
assignment with one task: its manifest, hidden suite, public test and notebook.
``docs/authoring.md`` walks through growing it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.release.cells import nbgrader_cell, write_notebook

ASSIGNMENT = "first_layer"


def _config(package: str) -> str:
    return f'''\
"""nbgrader and autograder configuration of this course (this folder is the course directory)."""

c = get_config()  # noqa: F821 - injected by traitlets when nbgrader loads this file

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

c.ClearSolutions.code_stub = {{"python": "raise NotImplementedError(\\"not implemented yet\\")"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# The reference package (its folder name is the package students receive) and the
# folder of hidden suites, one sub-folder per assignment. Keep both out of release/.
c.Autograder.reference_dir = "reference/{package}"
c.Autograder.suites_dir = "suites"
'''


LAYERS = '''\
"""Layers: each ``*_forward`` maps an input batch to an output of the same shape."""
from __future__ import annotations

import numpy as np


def leaky_relu_forward(x: np.ndarray, alpha: float) -> np.ndarray:
    """``x`` where it is positive, ``alpha * x`` elsewhere.

    Rules
    -----
    - ``leaky_relu.forward``: the output has the shape of ``x``, holds ``x`` where it is
      positive and ``alpha * x`` elsewhere, and ``x`` is not modified.
    """
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * x)
    ### END SOLUTION
    return out
'''

MANIFEST = f'''\
# Manifest of the {ASSIGNMENT} assignment (format: docs/manifest.md and docs/authoring.md).
[assignment]
name = "{ASSIGNMENT}"
title = "A first layer"
order = 1
notebooks = ["FirstLayer.ipynb"]

[release]
modules = ["__init__.py", "layers.py"]

[submission]
files = ["{{package}}/layers.py", "FirstLayer.ipynb"]

[tasks.leaky_relu_forward]
title = "Leaky ReLU, forward"
points = 10
functions = ["layers.py:leaky_relu_forward"]
'''

HIDDEN_TEST = '''\
"""Hidden checks of the leaky ReLU forward pass."""
import numpy as np
import pytest

from autograder.grading.checks import expect_array


@pytest.mark.task("leaky_relu_forward")
@pytest.mark.rule("leaky_relu.forward")
@pytest.mark.parametrize("shape", [(7,), (4, 6), (2, 3, 5)])
def test_leaky_relu_forward(student, reference, rng, tol, shape):
    """the output matches the reference for any shape and slope"""
    x = rng.standard_normal(shape)
    alpha = float(rng.uniform(0.01, 0.3))
    expected = reference.layers.leaky_relu_forward(x.copy(), alpha)
    expect_array("leaky_relu_forward", student.layers.leaky_relu_forward(x, alpha), expected, tol["forward"])
'''

PUBLIC_CONFTEST = '''\
"""Public tests, run against this folder's own package."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def pytest_configure(config):
    config.addinivalue_line("markers", "task(name): the graded task a test exercises")
    config.addinivalue_line("markers", "rule(*ids): the rules, stated in the docstrings, that a test exercises")
'''

PUBLIC_TEST = '''\
"""Public checks of the leaky ReLU: the rules its docstring states."""
import numpy as np
import pytest

from {package}.layers import leaky_relu_forward


@pytest.mark.task("leaky_relu_forward")
@pytest.mark.rule("leaky_relu.forward")
def test_leaky_relu_scales_only_negative_inputs():
    x = np.array([-2.0, -0.5, 0.0, 1.5])
    assert np.allclose(leaky_relu_forward(x, 0.1), [-0.2, -0.05, 0.0, 1.5])
    assert np.array_equal(x, [-2.0, -0.5, 0.0, 1.5])  # the input is not modified
'''


def _notebook_cells(package: str) -> list:
    return [
        nbgrader_cell("markdown", "# A first layer\n\nImplement `leaky_relu_forward` in "
                      f"`{package}/layers.py`, then run the cells below.", "intro"),
        nbgrader_cell("code", f"import numpy as np\n\nfrom {package}.layers import leaky_relu_forward", "setup"),
        nbgrader_cell("code", "# Choose the slope for negative inputs.\n### BEGIN SOLUTION\nalpha = 0.1\n"
                      "### END SOLUTION\nprint(leaky_relu_forward(np.linspace(-3, 3, 7), alpha))", "try-it", solution=True),
    ]


def files(package: str) -> dict[str, str]:
    """The text files of a new course (relative path -> content)."""
    source = Path("source") / ASSIGNMENT
    return {
        "nbgrader_config.py": _config(package),
        f"reference/{package}/__init__.py": f'"""{package}: the reference solutions of the course."""\n',
        f"reference/{package}/layers.py": LAYERS,
        str(source / "assignment.toml"): MANIFEST.replace("{package}", package),
        str(source / "tests" / "conftest.py"): PUBLIC_CONFTEST,
        str(source / "tests" / "test_leaky_relu.py"): PUBLIC_TEST.replace("{package}", package),
        "suites/pytest.ini": "[pytest]\npython_files = test_*.py\n",
        f"suites/{ASSIGNMENT}/test_leaky_relu.py": HIDDEN_TEST,
    }


def create_course(root: Path, package: str) -> None:
    """Write a new course into ``root``, which must not exist or be empty."""
    if not package.isidentifier():
        raise ValueError(f"{package!r} is not a Python package name")
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty; quickstart only writes into a new folder")
    for relative, text in files(package).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    write_notebook(root / "source" / ASSIGNMENT / "FirstLayer.ipynb", _notebook_cells(package))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("quickstart", help="create a new course directory with one assignment")
    parser.add_argument("dest", type=Path, metavar="DIR", help="the new course directory")
    parser.add_argument("--package", default="mynet", help="name of the course's reference package (default: mynet)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        create_course(args.dest, args.package)
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"created the course {args.dest}; next: cd {args.dest} && autograder release && "
          f"autograder solution {ASSIGNMENT} solved && autograder grade {ASSIGNMENT} solved")
    return 0
