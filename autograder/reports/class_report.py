"""The instructor's class report: one self-contained HTML page with embedded figures.

Figures (matplotlib, PNG as base64): the score distribution, the pass rate of
every check, the most frequent diagnoses (the text after ``Likely cause:`` in
failed checks) and the slowest submissions.
"""
from __future__ import annotations

import base64
import io
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first

from autograder.batch.run import ClassRow  # noqa: E402
from autograder.reports.scores import test_columns  # noqa: E402
from autograder.similarity.report_section import similarity_section  # noqa: E402

CAUSE = re.compile(r"Likely cause: ([^\n]+)")
TOP = 10

_PAGE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}: class report</title>
<style>body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;color:#222}
table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}
img{max-width:100%}.error{color:#a4161a}</style></head><body>
<h1>{{ title }}: class report</h1>
<p>{{ graded }} graded, {{ errors }} without results; mean score {{ "%.3g"|format(mean) }} / {{ "%g"|format(max_score) }}.</p>
{% for caption, png in figures %}<h2>{{ caption }}</h2><img alt="{{ caption }}" src="data:image/png;base64,{{ png }}">
{% endfor %}
{{ similarity }}
<h2>Students</h2><table><tr><th>student</th><th>score</th><th>seconds</th><th>note</th></tr>
{% for row in rows %}<tr><td>{{ row.student }}</td>
<td>{% if row.results %}{{ "%.3g"|format(row.results.score) }}{% else %}-{% endif %}</td>
<td>{{ "%.1f"|format(row.seconds) }}</td><td class="error">{{ row.error }}</td></tr>
{% endfor %}</table></body></html>
""")


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


def score_histogram(rows: Sequence[ClassRow], max_score: float) -> str:
    figure, axes = plt.subplots(figsize=(7, 3))
    axes.hist([r.results.score for r in rows if r.results], bins=10, range=(0, max_score or 1), color="#4c72b0")
    axes.set_xlabel("score")
    axes.set_ylabel("students")
    return _png(figure)


def pass_rates(rows: Sequence[ClassRow]) -> dict[str, float]:
    """Share of graded students passing each check."""
    graded = [r.results for r in rows if r.results]
    rates = {}
    for name in test_columns(graded):
        statuses = [t.status for results in graded for t in results.tests if t.name == name]
        rates[name] = statuses.count("passed") / len(statuses)
    return rates


def common_causes(rows: Sequence[ClassRow]) -> list[tuple[str, int]]:
    """The most frequent diagnoses among failed checks, with their counts."""
    causes = Counter(match.group(1).strip() for r in rows if r.results for t in r.results.tests
                     if t.status == "failed" for match in CAUSE.finditer(t.output))
    return causes.most_common(TOP)


@matplotlib.rc_context({"text.parse_math": False})  # labels hold student text: "$" must stay a dollar sign
def class_report(rows: Sequence[ClassRow], title: str, similarity_dir: Path | None = None) -> str:
    """The report as HTML text; with the similarity section when ``similarity_dir`` holds a summary."""
    graded = [r for r in rows if r.results]
    max_score = max((r.results.max_score for r in graded), default=0.0)
    figures = [("Score distribution", score_histogram(rows, max_score))]
    rates = pass_rates(rows)
    if rates:
        figures.append(("Pass rate per check", _barh(list(rates), list(rates.values()), "share of students passing")))
    causes = common_causes(rows)
    if causes:
        figures.append(("Most common diagnoses", _barh([c for c, _ in causes], [n for _, n in causes], "failed checks")))
    slowest = sorted(rows, key=lambda r: r.seconds, reverse=True)[:TOP]
    if slowest:
        figures.append(("Slowest submissions", _barh([r.student for r in slowest], [r.seconds for r in slowest], "seconds")))
    mean = sum(r.results.score for r in graded) / len(graded) if graded else 0.0
    return _PAGE.render(title=title, rows=rows, figures=figures, graded=len(graded), errors=len(rows) - len(graded),
                        mean=mean, max_score=max_score, similarity=similarity_section(similarity_dir))
