"""Rules -> public tests -> hidden checks, per assignment, and what is missing."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.manifest import load_manifest
from autograder.course import current_course
from autograder.rules.statements import Rule, stated_rules
from autograder.rules.usage import TestUse, tests_in_folder


@dataclass(frozen=True)
class RuleRow:
    """One rule of an assignment with the tests that cite it."""

    rule: Rule
    public: tuple[TestUse, ...]
    hidden: tuple[TestUse, ...]


@dataclass(frozen=True)
class RulesTable:
    """The rules an assignment's tests cite and every gap: a hidden check without a rule,
    a cited rule no docstring states, a hidden rule no public test exercises."""

    assignment: str
    rows: tuple[RuleRow, ...]
    problems: tuple[str, ...]


def _citation_problems(uses: list[TestUse], stated: dict[str, Rule], kind: str) -> list[str]:
    return [f"{kind} test {use.file}::{use.name} cites {rule!r}, which no docstring of the release states"
            for use in uses for rule in use.rules if rule not in stated]


def rules_table(assignment: str, reference: Path | None = None, source: Path | None = None,
                suites: Path | None = None) -> RulesTable:
    """The rules table of ``assignment``, from the released modules' docstrings and the tests' markers
    (the folders default to the current course's)."""
    course = current_course()
    reference, source, suites = reference or course.reference, source or course.source, suites or course.suites
    manifest = load_manifest(assignment, source, course.package)
    stated = stated_rules(reference, [module for module in manifest.modules if module.endswith((".py", ".pyx"))])
    hidden = tests_in_folder(suites / assignment, f"suites/{assignment}")
    public = tests_in_folder(source / assignment / "tests", f"{assignment}/tests")
    problems = [f"hidden test {use.file}::{use.name} cites no rule" for use in hidden if not use.rules]
    problems += _citation_problems(hidden, stated, "hidden") + _citation_problems(public, stated, "public")
    functions = {(use.task, use.name) for use in hidden}
    problems += [f"hidden test {use.file}::{use.name} requires {name!r}, which is no hidden test of task {use.task!r}"
                 for use in hidden for name in use.requires if (use.task, name) not in functions]
    exercised = {rule for use in public for rule in use.rules}
    enforced = sorted({rule for use in hidden for rule in use.rules if rule in stated},
                      key=lambda rule: (stated[rule].where, rule))
    problems += [f"rule {rule!r} ({stated[rule].where}) is enforced by hidden tests but no public test exercises it"
                 for rule in enforced if rule not in exercised]
    rows = tuple(RuleRow(stated[rule], tuple(u for u in public if rule in u.rules), tuple(u for u in hidden if rule in u.rules))
                 for rule in enforced)
    return RulesTable(assignment, rows, tuple(problems))
