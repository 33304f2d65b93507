"""The class report's similarity section, from the summary the last similarity run wrote.

Shows the distribution of each student's best score per task, the clusters of three
or more students and links to the flagged pairs' pages, under the notice that this is
evidence to review, never a penalty. Without a summary the section is empty.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import jinja2
from markupsafe import Markup

SUMMARY = "similarity.json"
SHOWN_PAIRS = 50

_SECTION = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string("""
<h2>Code similarity</h2><p><strong>{{ data.notice }}</strong></p>
{% if problem %}<p class="error">{{ problem }}</p>{% else %}
<p>Best score of each student per task against any classmate or known solution
(threshold {{ "%.2f"|format(data.threshold) }}); details in <code>{{ folder }}/similarity.csv</code>.</p>
{{ figure }}
{% if clusters %}<h3>Clusters of three or more</h3><table><tr><th>task</th><th>students</th></tr>
{% for task, group in clusters %}<tr><td>{{ task }}</td><td>{{ group|join(", ") }}</td></tr>{% endfor %}</table>{% endif %}
{% if data.flagged %}<h3>Flagged pairs</h3><table><tr><th>task</th><th>first</th><th>second</th><th>score</th></tr>
{% for pair in data.flagged[:shown] %}<tr><td>{{ pair.task }}</td><td>{{ pair.first }}</td><td>{{ pair.second }}</td>
<td><a href="{{ folder }}/{{ pair.page }}">{{ "%.2f"|format(pair.score) }}</a></td></tr>{% endfor %}</table>
{% if data.flagged|length > shown %}<p>{{ data.flagged|length - shown }} more in the CSV.</p>{% endif %}{% endif %}
{% endif %}""")


def _distribution(best_scores: dict[str, dict[str, float]]) -> Markup:
    """Inline SVG: per task (row), how many students' best score falls in each tenth of [0, 1]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    tasks = [task for task, scores in best_scores.items() if scores]
    if not tasks:
        return Markup("")
    counts = np.array([np.histogram(list(best_scores[t].values()), bins=10, range=(0, 1))[0] for t in tasks])
    figure, axes = plt.subplots(figsize=(8, 0.4 * len(tasks) + 1.4))
    axes.imshow(counts, cmap="Oranges", aspect="auto", extent=(0, 1, len(tasks) - 0.5, -0.5))
    for row, column in zip(*np.nonzero(counts)):
        axes.text(column / 10 + 0.05, row, str(counts[row, column]), ha="center", va="center", fontsize=8)
    axes.set_yticks(range(len(tasks)), tasks)
    axes.set_xlabel("best similarity score per student (number of students per tenth)")
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    svg = buffer.getvalue()
    return Markup(svg[svg.index("<svg"):])


def similarity_section(folder: Path | None) -> Markup:
    """The section for the summary in ``folder`` (links relative to the class report's folder)."""
    if folder is None or not (folder / SUMMARY).is_file():
        return Markup("")
    try:
        data = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
        clusters = [(task, group) for task, groups in data["clusters"].items() for group in groups]
        figure = _distribution(data["best_scores"])
        problem = ""
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        data, clusters, figure = {"notice": "Similarity summary"}, [], Markup("")
        problem = f"{folder / SUMMARY} could not be read ({type(exc).__name__}); run `autograder similarity` again"
    return Markup(_SECTION.render(data=data, clusters=clusters, figure=figure, problem=problem, folder=folder.name,
                                   shown=SHOWN_PAIRS))
