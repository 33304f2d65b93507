"""Grading one submission: stage it, build it, run the hidden suite, score it.

Everything here runs in the trusted process; the student's code runs only in the
worker started by :class:`~autograder.grading.client.StudentProcess`.
"""
from __future__ import annotations

import contextlib
import io
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from autograder.grading.build import DEFAULT_CACHE, BuildOutcome, build_extensions
from autograder.grading.client import StudentError, StudentPackage, StudentProcess
from autograder.grading.limits import Limits
from autograder.grading.plugin import GradingContext, GradingPlugin, TestRecord
from autograder.grading.provenance import graded_with
from autograder.grading.results import CheckDetails, Results, TestResult
from autograder.grading.safe_text import OUTPUT_CHARS, clean_text
from autograder.grading.seeds import Secret, load_secret
from autograder.grading.submission import SubmissionError, stage
from autograder.manifest import Manifest, load_manifest
from autograder.course import Course, current_course
from autograder_student.status import Status

#: How much of a hidden suite's own output an error shows (its end).
SUITE_LOG_CHARS = 3000


# pytest's built-in plugins that offer a hidden suite nothing (no fixture, marker or hook it
# could use): reports, debugging, caching and the two that end every session with a full
# garbage collection (0.1 s of a warm grade).
UNUSED_PLUGINS = ("cacheprovider", "unraisableexception", "threadexception", "doctest", "junitxml", "pastebin",
                  "stepwise", "setuponly", "setupplan", "faulthandler", "debugging")


@dataclass
class GradingOptions:
    """How to grade: limits, secret, where builds are cached, which suites and release
    (default: the current course's; ``suites`` replaces its suites folder).

    ``allow_unconfined_build``: compile student C code even where the isolation can't
    hide the grader's files from the compiler (only ever needed with a real secret).
    """

    limits: Limits = field(default_factory=Limits)
    secret: Secret | None = None
    build_cache: Path = DEFAULT_CACHE
    allow_unconfined_build: bool = False
    suites: Path | None = None
    release: Path | None = None
    course: Course = field(default_factory=current_course)

    @property
    def release_root(self) -> Path:
        return self.release or self.course.release

    def suite(self, manifest: Manifest) -> Path:
        """The hidden suite of ``manifest``: its ``suite`` path, else ``<suites>/<assignment>``."""
        if self.suites is None and manifest.suite is not None:
            return self.course.root / manifest.suite
        return (self.suites or self.course.suites) / manifest.name

    def manifest(self, assignment: str) -> Manifest:
        return load_manifest(assignment, self.course.source, self.course.package)

    def fingerprints(self, manifest: Manifest, secret: Secret) -> dict[str, str]:
        """What grading ``manifest``'s assignment with these options depends on (see :func:`graded_with`)."""
        return graded_with(manifest, secret, self.release_root / manifest.name, self.suite(manifest), self.course.reference)


@dataclass
class Graded:
    """Results plus what the instructor (not the student) may want to see."""

    results: Results
    known_names: set[str]
    internal_errors: list[str]


def grade_submission(assignment: str, submission: Path, student_id: str = "student",
                     options: GradingOptions | None = None) -> Graded:
    """Grade ``submission`` (a folder or a ``.zip``) for ``assignment``."""
    options = options or GradingOptions()
    started = time.monotonic()
    options.course.import_reference()
    manifest = options.manifest(assignment)
    release, suite = options.release_root, options.suite(manifest)
    secret = options.secret or load_secret((release,))
    inputs = options.fingerprints(manifest, secret)
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        workdir = Path(tmp)
        try:
            staged = stage(manifest, Path(submission), release / assignment, workdir)
        except SubmissionError as exc:
            return _unusable(manifest, str(exc), started, secret, inputs)
        build = build_extensions(staged.sandbox, workdir, options.limits, options.build_cache, package=manifest.package,
                                 refuse_unconfined=not (secret.is_demo or options.allow_unconfined_build))
        process = StudentProcess(staged.sandbox, workdir / "runtime", options.limits, workdir / "worker.log")
        context = GradingContext(manifest, student_id, secret, StudentPackage(process, manifest.package))
        try:
            process.start()  # the worker starts up while pytest collects the suite
            imports = ImportsFirst(context, manifest)
            build_record = _apply_build(context, manifest, build)
            plugin = GradingPlugin(context)
            _run_suite(suite, plugin, imports)
            notes = staged.notes + imports.problems
        finally:
            process.close()
        if build_record:
            context.records.insert(0, build_record)
        extra = {
            "student": student_id,
            "assignment": assignment,
            "submission_sha256": staged.digest,
            "archive_sha256": staged.archive_digest,
            "secret": secret_origin(secret),
            "graded_with": inputs,
            "worker": {"requests": process.requests, "calls": process.calls, "restarts": process.restarts},
            "isolation": process.isolation.report(),
            "build": None if build is None else build.report(),
        }
        results = score(manifest, context.records, notes, time.monotonic() - started, extra)
        return Graded(results, {r.name for r in context.records}, plugin.errors)


def secret_origin(secret: Secret) -> str:
    """Where the secret came from, for the results: never a path of the grading machine."""
    return "file" if Path(secret.source).is_absolute() else secret.source


def _run_suite(suite: Path, plugin: GradingPlugin, *more: object) -> None:
    """Run the hidden suite in this process, quietly (``more``: further pytest plugins)."""
    if not suite.is_dir():
        raise FileNotFoundError(f"no hidden suite at {suite}")
    # No third-party plugins (xdist, anyio, ...): the suites need none, and loading them costs start-up time.
    # One line per failure (--tb=line): the grader reports failures from its own records and never shows
    # pytest's tracebacks, whose source excerpts cost about 50 ms of parsing per failed check.
    args = [str(suite), "--disable-plugin-autoload", *(f"-pno:{name}" for name in UNUSED_PLUGINS), "-q", "--tb=line",
            "-o", "addopts=", "--rootdir", str(suite.parent), "-c", str(suite.parent / "pytest.ini"), "-W", "ignore"]
    with contextlib.redirect_stdout(io.StringIO()) as output, contextlib.redirect_stderr(output):
        code = pytest.main(args, plugins=[plugin, *more])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(f"the hidden suite {suite} did not run (pytest exit {int(code)}):\n{output.getvalue()[-SUITE_LOG_CHARS:]}")


class ImportsFirst:
    """A pytest plugin that imports the student's modules (:func:`_import_problems`) once the
    suite is collected, before its first test; ``problems`` then says what could not be imported."""

    def __init__(self, context: GradingContext, manifest: Manifest) -> None:
        self.context, self.manifest = context, manifest
        self.problems: list[str] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.problems = _import_problems(self.context, self.manifest)


def _import_problems(context: GradingContext, manifest: Manifest) -> list[str]:
    """Import each student-owned Python module once, to report syntax and import errors up front."""
    problems = []
    for module in manifest.owned_modules():
        if not module.endswith(".py"):
            continue
        dotted = f"{manifest.package}." + module.removesuffix(".py").replace("/", ".")
        try:
            context.student.import_module(dotted)
        except StudentError as exc:
            problems.append(f"{manifest.package}/{module} can't be imported: {exc.summary()}")
    return problems


def _apply_build(context: GradingContext, manifest: Manifest, build: BuildOutcome | None) -> TestRecord | None:
    """A failed Cython build becomes a failed, visible check of the tasks whose
    functions live in ``.pyx`` files, and their other checks are reported as unable
    to run. A successful build earns nothing by itself."""
    if build is None or build.ok:
        return None
    pyx_tasks = [t.name for t in manifest.tasks.values() if any(f.module.endswith(".pyx") for f in t.functions)]
    if not pyx_tasks:
        return None
    for task in pyx_tasks:
        context.unavailable[task] = "the Cython extension did not build, so this check could not run"
    return TestRecord(nodeid="build", task=pyx_tasks[0], check="build the Cython extension",
                      weight=1.0, description="the submitted .pyx compiles", status=Status.FAILED,
                      message=("the grader refused to build the Cython extension:\n" if build.refused
                               else "the Cython extension did not build:\n") + build.log)


def credited(records: list[TestRecord]) -> list[TestRecord]:
    """The records as they count: a passed check whose prerequisites (``requires``, test
    functions of the same task, in their runs with the same values of the parameters both
    share) did not all pass earns nothing, and says which to fix first."""
    failing = [r for r in records if r.status is not Status.PASSED]

    def agree(a: TestRecord, b: TestRecord) -> bool:
        mine = dict(a.params)
        return all(mine.get(name, value) == value for name, value in b.params)

    result = []
    for record in records:
        missing = sorted({r.function for r in failing
                          if r.task == record.task and r.function in record.requires and agree(record, r)})
        if record.status is Status.PASSED and missing:
            record = replace(record, status=Status.FAILED, case={"waits_for": missing}, message=(
                f"passed, but it counts only once {', '.join(missing)} also passes "
                "(that check compares your code with the reference): fix that first."))
        result.append(record)
    return result


def _rules_line(record: TestRecord) -> str:
    """The ids of a failed check's rules, as the Rules sections of the docstrings state them
    (none for code not implemented yet)."""
    if record.status is not Status.FAILED or not record.rules:
        return ""
    return f"Rules checked: {', '.join(record.rules)}"


def score(manifest: Manifest, records: list[TestRecord], notes: list[str], seconds: float, extra: dict) -> Results:
    """Share each task's points among its credited checks and build the results."""
    tests: list[TestResult] = []
    tasks_summary = {}
    records = credited(records)
    for task in manifest.tasks.values():
        mine = [r for r in records if r.task == task.name]
        if not mine:
            raise RuntimeError(f"the hidden suite has no checks for task {task.name!r}")
        total_weight = sum(r.weight for r in mine)
        for record in mine:
            share = task.points * record.weight / total_weight
            passed = record.status is Status.PASSED
            text = record.description if passed else "\n".join(filter(None, (record.description, record.message,
                                                                               _rules_line(record))))
            tests.append(TestResult(details_of(record), share if passed else 0.0, share, clean_text(text, OUTPUT_CHARS)))
        earned = task.points * sum(r.weight for r in mine if r.status is Status.PASSED) / total_weight
        tasks_summary[task.name] = {"title": task.title, "score": earned, "max_score": task.points,
                                    "status": task_status({r.status for r in mine}).value}
    total = sum(t["score"] for t in tasks_summary.values())
    return Results(total, manifest.max_score, round(seconds, 3), clean_text("\n".join(notes), OUTPUT_CHARS), tests,
                   {**extra, "tasks": tasks_summary})


def details_of(record: TestRecord) -> CheckDetails:
    """The record as results.json keeps it: the failing case is the test's parameters and what failed."""
    case = {"parameters": dict(record.params), **record.case} if record.params or record.case else {}
    return CheckDetails(record.task, record.check, record.status, record.diagnosis, case, record.rules)


def task_status(statuses: set[Status]) -> Status:
    """A task's status from its checks': passed, not implemented, partial (some passed) or failed."""
    if statuses == {Status.PASSED}:
        return Status.PASSED
    if statuses == {Status.NOT_IMPLEMENTED}:
        return Status.NOT_IMPLEMENTED
    return Status.PARTIAL if Status.PASSED in statuses else Status.FAILED


def _unusable(manifest: Manifest, reason: str, started: float, secret: Secret, inputs: dict[str, str]) -> Graded:
    """Results for a submission that could not be graded at all: every task scores 0."""
    reason = clean_text(reason)
    tests = [TestResult(CheckDetails(task.name, "submission", Status.FAILED), 0.0, task.points, reason)
             for task in manifest.tasks.values()]
    results = Results(0.0, manifest.max_score, round(time.monotonic() - started, 3),
                      f"The submission could not be graded: {reason}", tests,
                      {"assignment": manifest.name, "secret": secret_origin(secret), "graded_with": inputs,
                       "unusable": True})
    return Graded(results, {t.name for t in tests}, [])
