"""The HTML feedback page a student receives: per task, per check, messages only.

Rendered with the student's grade from nbgrader's gradebook (``nbgrader
generate_feedback``), the page shows that grade: task scores a grader
overrode, the grader's comments, written answers and late penalty included.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from autograder.grading.results import Results, write_atomically
from autograder.grading.safe_text import clean_text
from autograder_student.status import Status

if TYPE_CHECKING:
    from autograder.reports.nbgrader_db import StudentGrade

_TEMPLATE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}: feedback for {{ student }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.35rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.passed{color:#17643a}.failed{color:#a4161a}pre{white-space:pre-wrap;margin:0;font-size:.9em}
.score{font-size:1.4rem}.note{background:#fff4d6;padding:.6rem;border-radius:.3rem}
</style></head><body>
<h1>{{ title }}</h1>
{% if grade %}<p class="score">{{ student }}: <strong>{{ "%g"|format(grade.total) }}</strong> / {{ "%g"|format(grade.max_score) }}</p>
<p>Module tasks {{ "%g"|format(grade.autograded) }}, written answers {{ "%g"|format(grade.written) }}
{%- if grade.needs_manual_grade %} (not all graded yet){% endif %}
{%- if grade.late_penalty %}, late penalty &minus;{{ "%g"|format(grade.late_penalty) }}{% endif %}.</p>
{% else %}<p class="score">{{ student }}: <strong>{{ "%g"|format(results.score) }}</strong> / {{ "%g"|format(results.max_score) }}</p>
{% endif %}{% if results.output %}<p class="note"><pre>{{ results.output }}</pre></p>{% endif %}
<h2>Tasks</h2>
<table><tr><th>task</th><th>score</th><th>status</th>{% if grade %}<th>grader's comment</th>{% endif %}</tr>
{% for name, task in tasks.items() %}{% set score = grade.tasks.get(name, task.score) if grade else task.score %}
<tr><td>{{ task.title }}</td><td>{{ "%g"|format(score) }} / {{ "%g"|format(task.max_score) }}
{%- if grade and name in grade.overridden %} (set by a grader; autograded {{ "%g"|format(task.score) }}){% endif %}</td>
<td>{{ task.status }}</td>{% if grade %}<td><pre>{{ grade.comments.get(name, "") }}</pre></td>{% endif %}</tr>
{% endfor %}</table>
<h2>Checks</h2>
<table><tr><th>check</th><th>points</th><th>status</th><th>result</th></tr>
{% for test in results.tests %}<tr><td>{{ test.name }}</td><td>{{ "%g"|format(test.score) }} / {{ "%g"|format(test.max_score) }}</td>
<td class="{{ test.status.value }}">{{ test.extra_data.status.label }}</td><td><pre>{{ test.output }}</pre></td></tr>
{% endfor %}</table>
<p>Inputs were drawn at random for you; messages describe differences in numbers only.</p>
</body></html>
""")


def render_feedback(results: Results, title: str, student: str, grade: StudentGrade | None = None) -> str:
    """The feedback page as HTML text (every value escaped); with ``grade``, the gradebook's scores."""
    tasks = {name: {**task, "status": Status(task["status"]).label}
             for name, task in results.extra_data.get("tasks", {}).items()}
    return _TEMPLATE.render(results=results.cleaned(), title=title, student=clean_text(student), tasks=tasks,
                            grade=grade)


def write_feedback(path: Path, results: Results, title: str, student: str, grade: StudentGrade | None = None) -> None:
    """Write the feedback page atomically."""
    write_atomically(path, render_feedback(results, title, student, grade))
