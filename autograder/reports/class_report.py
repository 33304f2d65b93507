"""The instructor's class report: one self-contained HTML page with embedded figures.

Grades come from nbgrader's gradebook (manual overrides, written answers and
late penalties included), so the totals match the formgrader and the CSV. The
page shows the score distribution, each task's mean score and pass rate, a
student x task heatmap, the most common mistakes of each task (the failed checks'
diagnoses, counted by kind of mistake: a factor of 2 and one of 64 are one), the
slowest submissions, a table of students and, when the similarity check ran, its section.
"""
from __future__ import annotations

import base64
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
import numpy as np  # noqa: E402

from autograder.batch.run import ClassRow  # noqa: E402
from autograder.manifest import Manifest  # noqa: E402
from autograder.reports.nbgrader_db import StudentGrade  # noqa: E402
from autograder.reports.scores import task_scores  # noqa: E402
from autograder.similarity.report_section import similarity_section  # noqa: E402
from autograder_student.status import Status  # noqa: E402

TOP = 10
TOP_PER_TASK = 3

_PAGE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}: class report</title>
<style>body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;color:#222}
table{border-collapse:collapse;margin-bottom:1rem}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
td.n{text-align:right}img{max-width:100%}.error{color:#a4161a}</style></head><body>
<h1>{{ title }}: class report</h1>
<p>{{ graded }} graded, {{ errors }} without results; mean total {{ "%.3g"|format(mean) }} / {{ "%g"|format(max_score) }}
(module tasks, written answers and late penalties, as in nbgrader's gradebook).</p>
<h2>Tasks</h2><table><tr><th>task</th><th>points</th><th>mean score</th><th>pass rate</th><th>most common mistakes (students)</th></tr>
{% for task in tasks %}<tr><td>{{ task.title }}</td><td class="n">{{ "%g"|format(task.points) }}</td>
<td class="n">{{ "%.3g"|format(task.mean) }}</td><td class="n">{{ "%.0f"|format(100 * task.pass_rate) }}%</td>
<td>{% for cause, count in task.mistakes %}{{ cause }} ({{ count }})<br>{% endfor %}</td></tr>
{% endfor %}</table>
{% for caption, png in figures %}<h2>{{ caption }}</h2><img alt="{{ caption }}" src="data:image/png;base64,{{ png }}">
{% endfor %}
{{ similarity }}
<h2>Students</h2><table><tr><th>student</th><th>total</th><th>tasks</th><th>written</th><th>late penalty</th>
<th>seconds</th><th>note</th></tr>
{% for row in rows %}{% set grade = grades.get(row.student) %}<tr><td>{{ row.student }}</td>
{% if grade %}<td class="n">{{ "%.3g"|format(grade.total) }}</td><td class="n">{{ "%.3g"|format(grade.autograded) }}</td>
<td class="n">{{ "%.3g"|format(grade.written) }}{% if grade.needs_manual_grade %} (to grade){% endif %}</td>
<td class="n">{{ "%.3g"|format(grade.late_penalty) }}</td>{% else %}<td>-</td><td>-</td><td>-</td><td>-</td>{% endif %}
<td class="n">{{ "%.1f"|format(row.seconds) }}</td><td class="error">{{ row.error }}</td></tr>
{% endfor %}</table></body></html>
""")


@dataclass(frozen=True)
class TaskSummary:
    """One task across the class."""

    name: str
    title: str
    points: float
    mean: float
    pass_rate: float
    mistakes: list[tuple[str, int]]


def _png(figure: plt.Figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _barh(labels: Sequence[str], values: Sequence[float], xlabel: str) -> str:
    figure, axes = plt.subplots(figsize=(8, 0.35 * len(labels) + 1.2))
    axes.barh(range(len(labels)), values, color="#4c72b0")
    axes.set_yticks(range(len(labels)), [label[:70] for label in labels], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    return _png(figure)


def score_histogram(totals: Sequence[float], max_score: float) -> str:
    figure, axes = plt.subplots(figsize=(7, 3))
    axes.hist(totals, bins=10, range=(0, max_score or 1), color="#4c72b0")
    axes.set_xlabel("total")
    axes.set_ylabel("students")
    return _png(figure)


def task_chart(tasks: Sequence[TaskSummary]) -> str:
    """Mean score (share of the task's points) and pass rate, side by side per task."""
    figure, axes = plt.subplots(figsize=(8, 0.45 * len(tasks) + 1.2))
    positions = np.arange(len(tasks))
    axes.barh(positions - 0.2, [t.mean / t.points for t in tasks], height=0.4, label="mean score / points", color="#4c72b0")
    axes.barh(positions + 0.2, [t.pass_rate for t in tasks], height=0.4, label="pass rate", color="#55a868")
    axes.set_yticks(positions, [t.title[:40] for t in tasks], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.legend(fontsize=8, loc="lower right")
    return _png(figure)


def heatmap(students: Sequence[str], tasks: Sequence[TaskSummary], shares: np.ndarray) -> str:
    """Students (rows) x tasks (columns), coloured by the share of the task's points earned."""
    figure, axes = plt.subplots(figsize=(1.1 + 0.6 * len(tasks), 1.2 + 0.25 * len(students)))
    image = axes.imshow(shares, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    axes.set_xticks(range(len(tasks)), [t.name for t in tasks], rotation=45, ha="right", fontsize=8)
    axes.set_yticks(range(len(students)), [s[:30] for s in students], fontsize=7)
    figure.colorbar(image, ax=axes, label="share of points")
    return _png(figure)


def common_causes(rows: Sequence[ClassRow]) -> dict[str, list[tuple[str, int]]]:
    """Per task, the most frequent mistakes (:attr:`~autograder.grading.diagnose.Diagnosis.mistake`)
    diagnosed in its failed checks, counted once per student."""
    per_task: dict[str, Counter] = {}
    for row in rows:
        if not row.results:
            continue
        seen = {(t.task, t.extra_data.diagnosis.mistake) for t in row.results.tests
                if t.status is Status.FAILED and t.extra_data.diagnosis}
        for task, cause in seen:
            per_task.setdefault(task, Counter())[cause] += 1
    return {task: counter.most_common(TOP_PER_TASK) for task, counter in per_task.items()}


def _task_scores(row: ClassRow, manifest: Manifest, grades: Mapping[str, StudentGrade]) -> dict[str, float]:
    grade = grades.get(row.student)
    return dict(grade.tasks) if grade else task_scores(row.results, manifest)


def task_summaries(rows: Sequence[ClassRow], manifest: Manifest, grades: Mapping[str, StudentGrade]) -> list[TaskSummary]:
    """Mean score (overrides included), pass rate (every check passed) and common mistakes of each task."""
    graded = [row for row in rows if row.results]
    causes = common_causes(rows)
    summaries = []
    for task in manifest.tasks.values():
        scores = [_task_scores(row, manifest, grades).get(task.name, 0.0) for row in graded]
        passed = [all(t.status is Status.PASSED for t in row.results.tests if t.task == task.name) for row in graded]
        summaries.append(TaskSummary(task.name, task.title, task.points, float(np.mean(scores)) if scores else 0.0,
                                     float(np.mean(passed)) if passed else 0.0, causes.get(task.name, [])))
    return summaries


@matplotlib.rc_context({"text.parse_math": False})  # labels hold student text: "$" must stay a dollar sign
def class_report(rows: Sequence[ClassRow], manifest: Manifest, grades: Mapping[str, StudentGrade],
                 similarity_dir: Path | None = None) -> str:
    """The report as HTML text; with the similarity section when ``similarity_dir`` holds a summary."""
    graded = [r for r in rows if r.results]
    totals = [grades[r.student].total if r.student in grades else r.results.score for r in graded]
    max_score = next(iter(grades.values())).max_score if grades else manifest.max_score
    tasks = task_summaries(rows, manifest, grades)
    figures = [("Score distribution", score_histogram(totals, max_score))]
    if graded:
        figures.append(("Mean score and pass rate per task", task_chart(tasks)))
        shares = np.array([[_task_scores(r, manifest, grades).get(t.name, 0.0) / t.points for t in tasks] for r in graded])
        figures.append(("Students x tasks", heatmap([r.student for r in graded], tasks, shares)))
    slowest = sorted(rows, key=lambda r: r.seconds, reverse=True)[:TOP]
    if slowest:
        figures.append(("Slowest submissions", _barh([r.student for r in slowest], [r.seconds for r in slowest], "seconds")))
    mean = sum(totals) / len(totals) if totals else 0.0
    return _PAGE.render(title=manifest.title, rows=rows, grades=grades, tasks=tasks, figures=figures, graded=len(graded),
                        errors=len(rows) - len(graded), mean=mean, max_score=max_score,
                        similarity=similarity_section(similarity_dir))
