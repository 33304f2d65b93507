"""The pytest plugin that runs a hidden suite against one submission.

Fixtures available to hidden tests:

``student``
    the submission's package (the course's), called through the worker process
    (:class:`~autograder.grading.client.StudentPackage`);
``reference``
    the course's reference package, imported in this (trusted) process;
``rng``
    a :class:`numpy.random.Generator` seeded from the course secret, the
    assignment, the student and the test;
``tol``
    the tolerances of the test's task (``tol["forward"]``, ``tol["gradient"]``...).

Every test carries ``@pytest.mark.task("<task>")`` naming a manifest task, at least one
``@pytest.mark.rule("<id>", ...)`` naming the rules it enforces (each stated in a stub
docstring and exercised by a public test: ``autograder rules``), and optionally
``@pytest.mark.weight(w)`` (default 1) for its share of the task's points and
``@pytest.mark.requires("<test function>", ...)``: the test's credit counts only when
every run of those tests of the same task passed (every run with the same values of the
parameters they share) (a check of the student's code
against itself earns nothing until the matching check against the reference passes).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from autograder.grading.client import StudentError, StudentPackage, StudentTimeout, WorkerCrashed
from autograder.grading.compare import Mismatch
from autograder.grading.diagnose import Diagnosis
from autograder.grading.results import check_name
from autograder.grading.safe_text import clean_text
from autograder.grading.seeds import Secret, derive_seed, hidden_rng
from autograder.manifest import Manifest
from autograder_student.status import Status

#: ``np.random.seed`` takes seeds below this bound.
LEGACY_SEED_BOUND = 2**32


@dataclass(frozen=True)
class Failure:
    """Why a hidden test did not pass: its status, the message for the student and, for a
    numeric mismatch, the likely cause and the failing case as data."""

    status: Status
    message: str
    diagnosis: Diagnosis | None = None
    case: dict[str, Any] = field(default_factory=dict)


@dataclass
class TestRecord:
    """The outcome of one hidden test."""

    __test__ = False  # not a pytest test class

    nodeid: str
    task: str
    check: str  # the test's name in its task, with its parameters: "test_forward[float32]"
    weight: float
    description: str
    status: Status = Status.PASSED  # PASSED, FAILED, NOT_IMPLEMENTED or ERROR
    message: str = ""
    function: str = ""  # the test function, without parameters
    rules: tuple[str, ...] = ()  # ids of the stated rules the test enforces
    params: tuple[tuple[str, str], ...] = ()  # the test's parameters, by name
    requires: tuple[str, ...] = ()  # test functions of the same task whose success this credit depends on
    diagnosis: Diagnosis | None = None  # the likely cause of a numeric mismatch
    case: dict[str, Any] = field(default_factory=dict)  # which output failed, and its numbers (Mismatch.case)

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    @property
    def name(self) -> str:
        """The check's name in results.json."""
        return check_name(self.task, self.check)

    def fail(self, failure: Failure) -> None:
        self.status, self.message, self.diagnosis, self.case = (failure.status, failure.message, failure.diagnosis,
                                                                 dict(failure.case))


@dataclass
class GradingContext:
    """Everything a hidden suite needs for one submission."""

    manifest: Manifest
    student_id: str
    secret: Secret
    student: StudentPackage
    unavailable: dict[str, str] = field(default_factory=dict)  # task -> why it can't be graded
    records: list[TestRecord] = field(default_factory=list)


class Reference:
    """Lazy access to the reference modules: ``reference.layers``, ``reference.classifiers.cnn``."""

    def __init__(self, package: str) -> None:
        self._package = package

    def __getattr__(self, name: str) -> ModuleType:
        if name.startswith("_"):
            raise AttributeError(name)
        return importlib.import_module(f"{self._package}.{name}")


def failure_of(exc: BaseException) -> Failure:
    """What an exception raised by a hidden test means for the student."""
    if isinstance(exc, StudentError):
        if exc.not_implemented:
            return Failure(Status.NOT_IMPLEMENTED, "not implemented yet (NotImplementedError)")
        if isinstance(exc, (StudentTimeout, WorkerCrashed)):
            return Failure(Status.FAILED, exc.summary())
        return Failure(Status.FAILED, f"your code raised {exc.summary()}")
    if isinstance(exc, Mismatch):
        return Failure(Status.FAILED, str(exc), exc.diagnosis, exc.case)
    if isinstance(exc, AssertionError):
        return Failure(Status.FAILED, "a check failed")
    return Failure(Status.ERROR,
                   f"the check could not be completed ({type(exc).__name__}); this was reported to the instructor")


def register_markers(config: pytest.Config) -> None:
    """Declare the hidden suites' markers (also for sessions that import a suite module themselves)."""
    config.addinivalue_line("markers", "task(name): the manifest task a hidden test grades")
    config.addinivalue_line("markers", "weight(w): the test's share of its task's points (default 1)")
    config.addinivalue_line("markers", "rule(*ids): the stated rules a hidden test enforces")
    config.addinivalue_line("markers", "requires(*tests): test functions of the same task that must pass "
                                       "before this test's credit counts")


class GradingPlugin:
    """Binds a :class:`GradingContext` to a pytest session."""

    def __init__(self, context: GradingContext) -> None:
        self.context = context
        self.errors: list[str] = []

    def pytest_configure(self, config: pytest.Config) -> None:
        register_markers(config)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        functions = {(_task_of_checked(item, self.context.manifest), _function_of(item)) for item in items}
        for item in items:
            if not _rules_of(item):
                raise pytest.UsageError(f"{item.nodeid}: needs @pytest.mark.rule naming the stated rules it enforces")
            for name in _requires_of(item):
                if (_task_of(item), name) not in functions:
                    raise pytest.UsageError(f"{item.nodeid}: requires {name!r}, which is no test of task {_task_of(item)!r}")

    @pytest.fixture(scope="session")
    def student(self) -> StudentPackage:
        return self.context.student

    @pytest.fixture(scope="session")
    def reference(self) -> Reference:
        return Reference(self.context.manifest.package)

    def _test_id(self, item: pytest.Item) -> str:
        return item.nodeid.split("::", 1)[-1]

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        ctx = self.context
        return hidden_rng(ctx.secret, ctx.manifest.name, ctx.student_id, self._test_id(request.node))

    @pytest.fixture
    def tol(self, request: pytest.FixtureRequest) -> dict[str, float]:
        return self.context.manifest.tasks[_task_of(request.node)].tolerances

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Refuse tests of tasks that can't be graded; seed the global random generators
        of both processes from the test's hidden seed, so that everything a test
        does (weight initialisations included) is the same on every regrade."""
        ctx = self.context
        reason = ctx.unavailable.get(_task_of(item))
        if reason:
            raise Mismatch(reason)
        seed = derive_seed(ctx.secret, ctx.manifest.name, ctx.student_id, self._test_id(item) + "#globals")
        np.random.seed(seed % LEGACY_SEED_BOUND)
        ctx.student.seed_globals(seed)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        record = self._record_for(item)
        if record.status is not Status.PASSED:
            return report
        if report.failed and call.excinfo is not None:
            record.fail(failure_of(call.excinfo.value))
            if record.status is Status.ERROR:
                self.errors.append(clean_text(f"{item.nodeid}: {call.excinfo.exconly()}"))
        elif report.skipped:
            record.fail(Failure(Status.ERROR, "the check was skipped"))
            self.errors.append(f"{item.nodeid}: skipped")
        return report

    def _record_for(self, item: pytest.Item) -> TestRecord:
        for record in reversed(self.context.records):
            if record.nodeid == item.nodeid:
                return record
        weight = item.get_closest_marker("weight")
        doc = (getattr(item, "function", None).__doc__ or "").strip().splitlines()
        record = TestRecord(
            nodeid=item.nodeid,
            task=_task_of(item),
            check=item.name,
            weight=float(weight.args[0]) if weight else 1.0,
            description=doc[0] if doc else item.name.replace("_", " "),
            function=_function_of(item),
            rules=_rules_of(item),
            params=tuple((name, str(value)) for name, value in getattr(getattr(item, "callspec", None), "params", {}).items()),
            requires=_requires_of(item),
        )
        self.context.records.append(record)
        return record


def _task_of(item: pytest.Item) -> str:
    return item.get_closest_marker("task").args[0]


def _task_of_checked(item: pytest.Item, manifest: Manifest) -> str:
    markers = list(item.iter_markers("task"))
    if len(markers) != 1 or markers[0].args[0] not in manifest.tasks:
        raise pytest.UsageError(f"{item.nodeid}: needs exactly one @pytest.mark.task naming a task of the manifest")
    return markers[0].args[0]


def _function_of(item: pytest.Item) -> str:
    return getattr(item, "originalname", item.name)


def _rules_of(item: pytest.Item) -> tuple[str, ...]:
    return tuple(rule for marker in item.iter_markers("rule") for rule in marker.args)


def _requires_of(item: pytest.Item) -> tuple[str, ...]:
    return tuple(name for marker in item.iter_markers("requires") for name in marker.args)
