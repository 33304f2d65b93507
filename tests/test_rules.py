"""Issues 12 and 13: every hidden check cites a rule a stub docstring states and a
public test exercises; the table says which, and every gap is reported."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.grading.runner import GradingOptions, grade_submission
from autograder.paths import SOURCE, SUITES
from autograder.rules.statements import RuleError, rules_in_docstring, stated_rules
from autograder.rules.table import rules_table
from grading_support import TEST_SECRET, reference_submission
from release_support import ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_hidden_check_cites_a_stated_rule_that_a_public_test_exercises(assignment):
    table = rules_table(assignment)
    assert table.problems == ()
    assert all(row.public and row.hidden for row in table.rows)


@pytest.fixture
def course(tmp_path: Path) -> tuple[Path, Path]:
    """Copies of linear_regression's source folder and hidden suite, to break."""
    source, suites = tmp_path / "source", tmp_path / "suites"
    shutil.copytree(SOURCE / "linear_regression", source / "linear_regression")
    shutil.copytree(SUITES / "linear_regression", suites / "linear_regression")
    shutil.copy(SUITES / "pytest.ini", suites / "pytest.ini")
    return source, suites


def add_test(folder: Path, body: str) -> None:
    (folder / "test_added.py").write_text("import pytest\n\n\n" + textwrap.dedent(body))


def test_a_hidden_test_without_a_rule_is_a_gap(course):
    source, suites = course
    add_test(suites / "linear_regression", '''
        @pytest.mark.task("metrics")
        def test_something_unstated(student):
            pass
        ''')
    problems = rules_table("linear_regression", source=source, suites=suites).problems
    assert problems == ("hidden test suites/linear_regression/test_added.py::test_something_unstated cites no rule",)


def test_unstated_rules_unexercised_rules_and_unknown_prerequisites_are_gaps(course):
    source, suites = course
    add_test(suites / "linear_regression", '''
        pytestmark = pytest.mark.rule("metrics.values")

        @pytest.mark.task("metrics")
        @pytest.mark.rule("metrics.secret", "layers.untouched")
        @pytest.mark.requires("test_nowhere")
        def test_hidden(student):
            pass
        ''')
    public = source / "linear_regression" / "tests" / "test_linear_models.py"
    public.write_text(public.read_text().replace('@pytest.mark.rule("gd.shuffle")\n', ""))
    problems = "\n".join(rules_table("linear_regression", source=source, suites=suites).problems)
    assert "test_hidden cites 'metrics.secret', which no docstring of the release states" in problems
    assert "cites 'layers.untouched'" in problems  # stated in layers.py, which linear_regression does not release
    assert "requires 'test_nowhere', which is no hidden test of task 'metrics'" in problems
    assert "rule 'gd.shuffle'" in problems and "no public test exercises it" in problems
    assert "cites no rule" not in problems  # the module's pytestmark counts


def test_the_grader_refuses_a_hidden_suite_with_a_test_without_a_rule(course, tmp_path):
    _, suites = course
    add_test(suites / "linear_regression", '''
        @pytest.mark.task("metrics")
        def test_something_unstated(student):
            pass
        ''')
    options = GradingOptions(secret=TEST_SECRET, suites=suites)
    with pytest.raises(RuntimeError, match="test_something_unstated: needs @pytest.mark.rule"):
        grade_submission("linear_regression", reference_submission("linear_regression", tmp_path / "sub"), "s", options)


def test_a_rule_reads_id_and_statement_over_several_lines():
    rules = rules_in_docstring("Does things.\n\nRules\n-----\n- ``a.b``: first line\n  goes on.\n- ``c``: two.\n\nNotes",
                               "m.py:f")
    assert [(r.id, r.text, r.where) for r in rules] == [("a.b", "first line goes on.", "m.py:f"), ("c", "two.", "m.py:f")]
    assert rules_in_docstring("No rules here.", "m.py") == []


@pytest.mark.parametrize("section", ["- a.b: no backquotes", "- ``a``: fine\nnot indented"])
def test_a_malformed_rule_is_refused(section):
    with pytest.raises(RuleError, match="m.py"):
        rules_in_docstring(f"Rules\n-----\n{section}\n", "m.py")


def test_a_rule_stated_twice_is_refused(tmp_path):
    (tmp_path / "a.py").write_text('"""Rules\n-----\n- ``x``: one.\n"""\n\ndef f():\n    """Rules\n    -----\n    - ``x``: two.\n    """\n')
    with pytest.raises(RuleError, match="stated twice"):
        stated_rules(tmp_path, ["a.py"])


def test_the_rules_command_prints_the_table_and_checks(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["rules", "fc_nets", "conv_nets", "--check"]) == 0
    assert main(["rules", "linear_regression"]) == 0
    out = capsys.readouterr().out
    assert "standardizer.unfitted" in out and "test_error_before_fit" in out
