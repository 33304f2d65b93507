"""The HTML feedback page a student receives: per task, per check, messages only."""
from __future__ import annotations

from pathlib import Path

import jinja2

from autograder.grading.results import Results, write_atomically
from autograder.grading.safe_text import clean_text
from autograder_student.status import Status

_TEMPLATE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}: feedback for {{ student }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.35rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.passed{color:#17643a}.failed{color:#a4161a}pre{white-space:pre-wrap;margin:0;font-size:.9em}
.score{font-size:1.4rem}.note{background:#fff4d6;padding:.6rem;border-radius:.3rem}
</style></head><body>
<h1>{{ title }}</h1>
<p class="score">{{ student }}: <strong>{{ "%g"|format(results.score) }}</strong> / {{ "%g"|format(results.max_score) }}</p>
{% if results.output %}<p class="note"><pre>{{ results.output }}</pre></p>{% endif %}
<h2>Tasks</h2>
<table><tr><th>task</th><th>score</th><th>status</th></tr>
{% for name, task in tasks.items() %}<tr><td>{{ task.title }}</td><td>{{ "%g"|format(task.score) }} / {{ "%g"|format(task.max_score) }}</td><td>{{ task.status }}</td></tr>
{% endfor %}</table>
<h2>Checks</h2>
<table><tr><th>check</th><th>points</th><th>status</th><th>result</th></tr>
{% for test in results.tests %}<tr><td>{{ test.name }}</td><td>{{ "%g"|format(test.score) }} / {{ "%g"|format(test.max_score) }}</td>
<td class="{{ test.status.value }}">{{ test.extra_data.status.label }}</td><td><pre>{{ test.output }}</pre></td></tr>
{% endfor %}</table>
<p>Inputs were drawn at random for you; messages describe differences in numbers only.</p>
</body></html>
""")


def render_feedback(results: Results, title: str, student: str) -> str:
    """The feedback page as HTML text (every value escaped)."""
    tasks = {name: {**task, "status": Status(task["status"]).label}
             for name, task in results.extra_data.get("tasks", {}).items()}
    return _TEMPLATE.render(results=results.cleaned(), title=title, student=clean_text(student), tasks=tasks)


def write_feedback(path: Path, results: Results, title: str, student: str) -> None:
    """Write the feedback page atomically."""
    write_atomically(path, render_feedback(results, title, student))
