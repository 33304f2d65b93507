"""What the release must never contain: the solution lines that `autograder solution` adds."""
import json
from pathlib import Path

from autograder.manifest import load_manifest
from autograder.course import Course
from autograder.paths import PROJECT_ROOT, REFERENCE_PACKAGE, SOURCE
from autograder.release.builder import Inputs, release_files, stubbed_tasks
from autograder.release.markers import BEGIN, END, region_lines, strip


#: This repository's own course, and its assignments in order.
EMBEDDED = Course.load(PROJECT_ROOT)
ASSIGNMENTS = EMBEDDED.assignments()

def _stubbed_functions(assignment: str) -> dict[str, list[str]]:
    stubbed = stubbed_tasks(assignment, Inputs.of(EMBEDDED))
    for module, names in load_manifest(assignment).task_functions().items():
        stubbed.setdefault(module, []).extend(names)
    return stubbed


def notebook_lines(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [line for cell in cells for line in "".join(cell["source"]).splitlines()]


def _notebook_regions(path: Path) -> tuple[set[str], set[str]]:
    """The stripped lines of a notebook inside its solution regions, and outside them."""
    inside, solution, other = False, set(), set()
    for line in notebook_lines(path):
        if line.strip() in (BEGIN, END):
            inside = line.strip() == BEGIN
        elif line.strip():
            (solution if inside else other).add(line.strip())
    return solution, other


def solution_lines(assignment: str) -> set[str]:
    """Lines of the stripped regions that appear nowhere in what legitimately ships.

    A line such as ``return out`` may sit in a stripped region and, by coincidence,
    in code that ships complete; only the lines found in no shipped text are secret.
    """
    manifest = load_manifest(assignment)
    stubbed = _stubbed_functions(assignment)
    secret, shipped = set(), set()
    for module in manifest.modules:
        if module.endswith((".py", ".pyx")):
            text = (REFERENCE_PACKAGE / module).read_text(encoding="utf-8")
            secret.update(region_lines(text, module, stubbed.get(module, ())))
            shipped.update(line.strip() for line in strip(text, module, stubbed.get(module, ()), "").splitlines())
    for path in release_files(SOURCE / assignment):
        if path.endswith(".ipynb"):
            solution, other = _notebook_regions(SOURCE / assignment / path)
            secret.update(solution)
            shipped.update(other)
        else:
            shipped.update(line.strip() for line in (SOURCE / assignment / path).read_text(encoding="utf-8").splitlines())
    return secret - shipped
