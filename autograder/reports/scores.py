"""Reading scores out of results: per test, per task, and the test columns of a class."""
from __future__ import annotations

from collections.abc import Iterable

from autograder.grading.results import Results
from autograder.manifest import Manifest


def task_scores(results: Results, manifest: Manifest) -> dict[str, float]:
    """Points earned per manifest task, summed over that task's checks."""
    earned = dict.fromkeys(manifest.tasks, 0.0)
    for test in results.tests:
        if test.task in earned:
            earned[test.task] += test.score
    return earned


def test_columns(all_results: Iterable[Results]) -> list[str]:
    """Every check name seen in the class, in order of first appearance."""
    return list(dict.fromkeys(test.name for results in all_results for test in results.tests))
