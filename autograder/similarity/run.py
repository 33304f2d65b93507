"""A class's similarity run: fingerprint every submission in parallel, then score per task.

Fingerprinting (reading, extracting, normalising, winnowing) is the costly part and
runs on local processes or a Dask cluster, one job per submission; the index and
scoring run in this process on plain data.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from autograder.batch.discovery import Submission, discover
from autograder.manifest import Manifest, load_manifest
from autograder.course import current_course
from autograder.paths import CourseLayout
from autograder.similarity.fingerprint import Fingerprint, Settings, fingerprint
from autograder.similarity.index import IndexSettings, Owner, Pair, score_task
from autograder.similarity.normalize import Document
from autograder.similarity.sources import known_code, submission_code
from autograder.similarity.tasks import Starter, TaskDocuments, load_starter, task_documents

CLUSTER_SIZE = 3


@dataclass(frozen=True)
class Options:
    """How to run: the flagging threshold, extra inputs and where to compute."""

    threshold: float = 0.5
    known: Path | None = None
    zips: Path | None = None
    scheduler: str | None = None
    workers: int = 2
    settings: Settings = Settings()
    index: IndexSettings = IndexSettings()


@dataclass(frozen=True)
class Prints:
    """One owner's documents and fingerprints per task, and notes for the reviewer."""

    owner: Owner
    documents: dict[str, Document]
    fingerprints: dict[str, Fingerprint]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Context:
    """What every fingerprinting job needs besides its submission (sent once per worker)."""

    manifest: Manifest
    starter: Starter
    settings: Settings


@dataclass
class Report:
    """Everything the writers need; ``pairs`` are ranked by score, best first."""

    assignment: str
    title: str
    threshold: float
    pairs: list[Pair]
    prints: dict[Owner, Prints]
    best: dict[str, dict[str, float]]
    clusters: dict[str, list[list[str]]]
    common: dict[str, frozenset[int]] = field(default_factory=dict)

    @property
    def flagged(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.score >= self.threshold]

    def parsed(self, pair: Pair) -> bool:
        """Both sides' task code was extracted from parsed Python (not by tokens only)."""
        return all(self.prints[o].documents[pair.task].parsed for o in (pair.first, pair.second))


def _prints(owner: Owner, documents: TaskDocuments, context: Context) -> Prints:
    fingerprints = {task: fingerprint(doc, context.settings, context.starter.boilerplate.get(task, frozenset()))
                    for task, doc in documents.documents.items()}
    return Prints(owner, documents.documents, fingerprints, documents.notes)


def fingerprint_submission(submission: Submission, context: Context) -> Prints:
    """Fingerprint one student's submission (runs in a pool process or on a Dask worker)."""
    manifest = context.manifest
    modules = tuple(f"{manifest.package}/{module}" for module in manifest.task_functions())
    try:
        files = submission_code(submission.path, manifest.student_files, modules)
        documents = task_documents(files, manifest, context.starter.given_names)
    except Exception as exc:  # noqa: BLE001 - one unreadable submission must not stop the class
        documents = TaskDocuments({}, (f"could not be read ({type(exc).__name__}: {exc})",))
    return _prints(Owner(submission.student), documents, context)


def _local(submissions: Sequence[Submission], context: Context, workers: int) -> Iterator[Prints]:
    if workers <= 1:
        yield from (fingerprint_submission(s, context) for s in submissions)
        return
    chunk = max(1, len(submissions) // (8 * workers))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(partial(fingerprint_submission, context=context), submissions, chunksize=chunk)


def _dask(submissions: Sequence[Submission], context: Context, address: str) -> Iterator[Prints]:
    from distributed import Client, as_completed

    with Client(address) as client:
        shared = client.scatter(context, broadcast=True)
        futures = client.map(fingerprint_submission, list(submissions), context=shared, pure=False,
                             key=[f"similarity-{context.manifest.name}-{i}" for i in range(len(submissions))])
        for future in as_completed(futures):
            yield future.result()


def _known_prints(folder: Path, context: Context) -> Iterator[Prints]:
    for label, files in known_code(folder):
        documents = task_documents(files, context.manifest, context.starter.given_names, any_module=True)
        if documents.documents:
            yield _prints(Owner(label, known=True), documents, context)


def clusters_of(pairs: Sequence[Pair], size: int = CLUSTER_SIZE) -> list[list[str]]:
    """Groups of at least ``size`` students linked by flagged pairs (known files left out)."""
    students = sorted({o.name for p in pairs for o in (p.first, p.second) if not o.known})
    number = {name: i for i, name in enumerate(students)}
    links = [(number[p.first.name], number[p.second.name]) for p in pairs if not p.second.known]
    if not links:
        return []
    rows, cols = np.array(links).T
    graph = coo_matrix((np.ones(len(links)), (rows, cols)), shape=(len(students), len(students)))
    _, labels = connected_components(graph, directed=False)
    groups = [sorted(students[i] for i in np.flatnonzero(labels == label)) for label in np.unique(labels)]
    return sorted((g for g in groups if len(g) >= size), key=lambda g: (-len(g), g))


def run_similarity(assignment: str, course: CourseLayout, options: Options,
                   on_start: Callable[[int], None] = lambda total: None,
                   on_done: Callable[[Prints], None] = lambda prints: None) -> Report:
    """Fingerprint the class (and the known folder), score every task, rank the pairs."""
    manifest = load_manifest(assignment)
    release = current_course().release / assignment
    context = Context(manifest, load_starter(manifest, release, options.settings), options.settings)
    submissions = discover(course.submitted, assignment, options.zips)
    on_start(len(submissions))
    prints: dict[Owner, Prints] = {}
    stream = _dask(submissions, context, options.scheduler) if options.scheduler else \
        _local(submissions, context, options.workers)
    for result in stream:
        prints[result.owner] = result
        on_done(result)
    if options.known is not None:
        prints.update((p.owner, p) for p in _known_prints(options.known, context))
    pairs, best, clusters, common = [], {}, {}, {}
    for task in manifest.tasks:
        task_prints = {owner: p.fingerprints[task] for owner, p in prints.items() if task in p.fingerprints}
        scored, common[task] = score_task(task, task_prints, options.index)
        pairs.extend(scored)
        best[task] = {owner.name: 0.0 for owner in task_prints if not owner.known}
        for pair in scored:
            for owner in (pair.first, pair.second):
                if not owner.known:
                    best[task][owner.name] = max(best[task][owner.name], pair.score)
        clusters[task] = clusters_of([p for p in scored if p.score >= options.threshold])
    pairs.sort(key=lambda p: (-p.score, p.task, p.first.name, p.second.name))
    return Report(assignment, manifest.title, options.threshold, pairs, prints, best, clusters, common)
