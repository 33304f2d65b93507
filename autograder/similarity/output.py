"""Writing a similarity report: ranked table, CSV, one HTML page per flagged pair, JSON summary.

Every output repeats that the scores are evidence for a person to review, never
an automatic penalty. The JSON summary is what the class report's section reads.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup, escape
from rich.markup import escape as escape_rich
from rich.table import Table

from autograder import similarity
from autograder.grading.results import write_atomically
from autograder.paths import CourseLayout
from autograder.similarity.fingerprint import matched_spans
from autograder.similarity.index import Pair
from autograder.similarity.report_section import SUMMARY
from autograder.similarity.run import Options, Report

TABLE_ROWS = 40


@dataclass(frozen=True)
class OutputPaths:
    """Where a run's outputs go: ``reports/<assignment>/similarity/``."""

    folder: Path

    @classmethod
    def of(cls, course: CourseLayout, assignment: str) -> "OutputPaths":
        return cls(course.root / "reports" / assignment / "similarity")

    @property
    def csv(self) -> Path:
        return self.folder / "similarity.csv"

    @property
    def summary(self) -> Path:
        return self.folder / SUMMARY

    def page(self, rank: int, pair: Pair) -> Path:
        """The HTML page of the ``rank``-th flagged pair (names never enter the file name)."""
        return self.folder / "pairs" / f"{rank:04d}-{pair.task}.html"


def _side(pair: Pair, index: int) -> str:
    owner = (pair.first, pair.second)[index]
    return f"known: {owner.name}" if owner.known else owner.name


def _notes(report: Report, pair: Pair) -> str:
    return "" if report.parsed(pair) else "compared by tokens only (code that does not parse, or Cython)"


def ranked_table(report: Report, limit: int = TABLE_ROWS) -> Table:
    """The best-scoring pairs, flagged ones first (they are ranked by score)."""
    table = Table(title=f"{report.title}: most similar pairs per task (threshold {report.threshold:.2f})",
                  caption=similarity.NOTICE)
    for column, justify in (("task", "left"), ("first", "left"), ("second", "left"), ("score", "right"),
                            ("matched share", "right"), ("note", "left")):
        table.add_column(column, justify=justify)
    for pair in report.pairs[:limit]:
        style = "bold red" if pair.score >= report.threshold else ""
        table.add_row(pair.task, escape_rich(_side(pair, 0)), escape_rich(_side(pair, 1)), f"{pair.score:.2f}",
                      f"{pair.first_share:.0%} / {pair.second_share:.0%}", _notes(report, pair), style=style)
    return table


def _cell(text: str) -> str:
    """A name as a CSV cell a spreadsheet shows as text, never evaluates as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def pairs_csv(report: Report) -> str:
    """Every scored pair, best first; the first line is a ``#`` comment with the notice."""
    buffer = io.StringIO()
    buffer.write(f"# {similarity.NOTICE}\n")
    writer = csv.writer(buffer)
    writer.writerow(["task", "first", "first_known", "second", "second_known", "score", "first_share",
                     "second_share", "shared_fingerprints", "flagged", "compared_by"])
    for pair in report.pairs:
        writer.writerow([pair.task, _cell(pair.first.name), pair.first.known, _cell(pair.second.name), pair.second.known,
                         f"{pair.score:.4f}", f"{pair.first_share:.4f}", f"{pair.second_share:.4f}", pair.shared,
                         pair.score >= report.threshold, "ast" if report.parsed(pair) else "tokens"])
    return buffer.getvalue()


_PAGE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ task }}: similar code</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}.notice{background:#fff3cd;padding:.6rem}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:1rem}pre{background:#f6f8fa;padding:.6rem;overflow:auto;
font-size:.8rem}mark{background:#ffd166}</style></head><body>
<p class="notice">{{ notice }}</p>
<h1>Task {{ task }}: score {{ "%.2f"|format(score) }}</h1>
<p>{{ shared }} shared fingerprints; matched share {{ "%.0f"|format(100 * shares[0]) }}% of the first side,
{{ "%.0f"|format(100 * shares[1]) }}% of the second. Highlighted: code whose normalised tokens (identifiers
renamed, comments, docstrings and formatting dropped, starter code excluded) occur on both sides.
{% if note %}<strong>{{ note }}</strong>{% endif %}</p>
<div class="sides">{% for side in sides %}<section><h2>{{ side.label }}</h2>
{% if side.notes %}<ul>{% for note in side.notes %}<li>{{ note }}</li>{% endfor %}</ul>{% endif %}
<pre><code>{{ side.code }}</code></pre></section>{% endfor %}</div></body></html>
""")


def highlighted(text: str, spans: list[tuple[int, int]]) -> Markup:
    """``text`` HTML-escaped, with ``spans`` wrapped in ``<mark>``."""
    parts, at = [], 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        parts += [escape(text[at:start]), Markup("<mark>"), escape(text[start:end]), Markup("</mark>")]
        at = end
    parts.append(escape(text[at:]))
    return Markup("").join(parts)


def pair_page(report: Report, pair: Pair, options: Options) -> str:
    """Side-by-side HTML of one pair's task code, matched regions highlighted."""
    ignore = report.common.get(pair.task, frozenset())
    sides = []
    for index, (mine, theirs) in enumerate(((pair.first, pair.second), (pair.second, pair.first))):
        doc = report.prints[mine].documents[pair.task]
        spans = matched_spans(doc, report.prints[mine].fingerprints[pair.task],
                              report.prints[theirs].fingerprints[pair.task], options.settings, ignore)
        sides.append({"label": _side(pair, index), "code": highlighted(doc.text, spans),
                      "notes": report.prints[mine].notes})
    return _PAGE.render(notice=similarity.NOTICE, task=pair.task, score=pair.score, shared=pair.shared,
                        shares=(pair.first_share, pair.second_share), note=_notes(report, pair), sides=sides)


def summary(report: Report, pages: dict[int, Path], folder: Path) -> dict:
    """Plain data for the class report: per-task best scores, clusters, flagged pairs and their pages."""
    return {
        "notice": similarity.NOTICE,
        "assignment": report.assignment,
        "threshold": report.threshold,
        "best_scores": report.best,
        "clusters": report.clusters,
        "flagged": [{"task": p.task, "first": _side(p, 0), "second": _side(p, 1), "score": p.score,
                     "page": pages[rank].relative_to(folder).as_posix()}
                    for rank, p in enumerate(report.flagged, start=1)],
        "notes": {o.name: list(p.notes) for o, p in report.prints.items() if p.notes},
    }


def write_outputs(report: Report, options: Options, paths: OutputPaths) -> dict[int, Path]:
    """Write the CSV, the pages of the flagged pairs and the summary; return the pages by rank."""
    pages = {}
    for old in (paths.folder / "pairs").glob("*.html"):
        old.unlink()
    for rank, pair in enumerate(report.flagged, start=1):
        pages[rank] = paths.page(rank, pair)
        write_atomically(pages[rank], pair_page(report, pair, options))
    write_atomically(paths.csv, pairs_csv(report))
    write_atomically(paths.summary, json.dumps(summary(report, pages, paths.folder), indent=1))
    return pages
