"""Hidden suites run in this process over many student ids, for the property tests.

:class:`LocalWorker` stands in for :class:`~autograder.grading.client.StudentProcess`:
it answers the same requests (call, each, get, set; any of them may carry the seed) through the same encoding (JSON
headers, copied arrays, handles for objects that stay on the student's side), but in
this process. The student's side is either the reference package itself or a staged
submission, whose ``numnet`` modules live in their own module table and replace the
reference's in ``sys.modules`` only while one of its requests runs; its global random
generators are kept apart from the trusted side's the same way, as in a separate process.

:func:`sweep` collects a hidden suite once and runs its tests for many student ids
with the real grading plugin (fixtures, seeds, tolerances, failure messages).
"""
from __future__ import annotations

import contextlib
import importlib
import json
import random
import sys
import traceback
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _pytest.runner import runtestprotocol

from autograder.untrusted import wire
from autograder.grading.build import DEFAULT_CACHE, build_extensions
from autograder.grading.client import StudentPackage
from autograder.grading.limits import Limits
from autograder.grading.plugin import GradingContext, GradingPlugin, TestRecord
from autograder.grading.runner import _run_suite
from autograder.grading.seeds import Secret
from autograder.grading.submission import stage
from autograder.manifest import load_manifest
from autograder.paths import RELEASE, SUITES
from autograder_student.status import Status

PACKAGE = "numnet"


def _package_modules() -> dict[str, Any]:
    """Remove every ``numnet`` module from ``sys.modules``; return them."""
    names = [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]
    return {name: sys.modules.pop(name) for name in names}


class ModuleTable:
    """The ``numnet`` modules of one staged submission, swapped into ``sys.modules`` on demand."""

    def __init__(self, sandbox: Path) -> None:
        self.sandbox = sandbox
        self.modules: dict[str, Any] = {}

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        trusted = _package_modules()
        sys.modules.update(self.modules)
        sys.path.insert(0, str(self.sandbox))
        try:
            yield
        finally:
            sys.path.remove(str(self.sandbox))
            self.modules = _package_modules()
            sys.modules.update(trusted)


def _global_names(module: Any, generator: type) -> tuple[str, ...]:
    """The module-level functions of ``module`` that act on its hidden global ``generator`` instance."""
    return tuple(name for name in dir(generator) if not name.startswith("_") and callable(getattr(module, name, None)))


NUMPY_GLOBALS = _global_names(np.random, np.random.RandomState)
PYTHON_GLOBALS = _global_names(random, random.Random)


class RandomState:
    """The global generators (``random``, ``numpy.random``) of one side, swapped in on demand:
    the module-level functions are pointed at this side's own generators while it runs
    (cheaper than copying generator states at every request)."""

    def __init__(self) -> None:
        self.numpy = np.random.RandomState(0)
        self.python = random.Random(0)

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        swaps = [(np.random, name, getattr(self.numpy, name)) for name in NUMPY_GLOBALS]
        swaps += [(random, name, getattr(self.python, name)) for name in PYTHON_GLOBALS]
        trusted = [(module, name, getattr(module, name)) for module, name, _ in swaps]
        for module, name, function in swaps:
            setattr(module, name, function)
        try:
            yield
        finally:
            for module, name, function in trusted:
                setattr(module, name, function)


def _copied(arrays: Iterable[np.ndarray]) -> list[np.ndarray]:
    """Fresh arrays, as ``.npy`` bytes would give on the other side."""
    return [np.array(a, copy=True) for a in arrays]


def _through_json(header: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(header, allow_nan=False))


class LocalWorker:
    """Answers a :class:`StudentPackage`'s requests in this process (``table=None``: the reference)."""

    def __init__(self, table: ModuleTable | None = None) -> None:
        self.table = table
        self.root = str(table.sandbox) if table else str(Path(importlib.import_module(PACKAGE).__file__).parent.parent)
        self.random = RandomState()
        self.kept: dict[int, Any] = {}

    def _keep(self, value: Any) -> wire.Handle:
        self.kept[len(self.kept) + 1] = value
        return wire.Handle(len(self.kept), type(value).__name__)

    def _where(self, exc: BaseException) -> str:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(self.root)]
        return f"{Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""

    def _answer(self, header: dict[str, Any], arrays: list[np.ndarray]) -> tuple[dict[str, Any], list[np.ndarray]]:
        out: list[np.ndarray] = []
        if "seed" in header:
            random.seed(header["seed"])
            np.random.seed(header["seed"] % 2**32)
        spec = header["target"]
        owner = self.kept[spec["handle"]] if "handle" in spec else importlib.import_module(spec["module"])
        *parents, last = spec["path"]
        for name in parents:
            owner = getattr(owner, name)
        if header["op"] == "get":
            return {"ok": True, "value": wire.encode(getattr(owner, last), out, self._keep)}, out
        if header["op"] == "set":
            setattr(owner, last, wire.decode(header["value"], arrays, self.kept.__getitem__))
            return {"ok": True}, out
        args = wire.decode(header["args"], arrays, self.kept.__getitem__)
        kwargs = wire.decode(header["kwargs"], arrays, self.kept.__getitem__)
        result = getattr(owner, last)(*args, **kwargs)
        if header.get("first") and isinstance(result, (tuple, list)):
            result = result[0]
        reply = {"ok": True, "value": wire.encode(result, out, self._keep)}
        if header.get("effects"):
            reply.update(args=wire.encode(tuple(args), out, self._keep), kwargs=wire.encode(kwargs, out, self._keep))
        return reply, out

    def stop(self) -> None:
        """Nothing to stop: the stand-in runs in this process and keeps no state worth dropping."""

    def request(self, header: dict[str, Any], arrays: list[np.ndarray],
                timeout: float | None = None) -> tuple[dict[str, Any], list[np.ndarray]]:
        modules = self.table.active() if self.table else contextlib.nullcontext()
        with modules, self.random.active():
            try:
                reply, out = self._answer(_through_json(header), _copied(arrays))
            except (Exception, SystemExit) as exc:
                reply, out = {"ok": False, "error": {"type": type(exc).__name__, "message": str(exc)[:2000],
                                                      "where": self._where(exc),
                                                      "not_implemented": isinstance(exc, NotImplementedError)}}, []
        return _through_json(reply), _copied(out)

    def replies(self, header: dict[str, Any], arrays: list[np.ndarray], count: int = 1,
                timeout: float | None = None) -> Iterator[tuple[dict[str, Any], list[np.ndarray]]]:
        """The replies to a request; an ``each`` request is answered as one ``call`` per value,
        ending at the first failure."""
        if header["op"] != "each":
            yield self.request(header, arrays, timeout)
            return
        seed = {"seed": header["seed"]} if "seed" in header else {}
        for value in header["values"]:
            args = list(header["args"]["__tuple__"])
            if "attribute" in header:
                holder = {**header["target"], "path": [*header["target"]["path"][:-1], header["attribute"]]}
                reply, out = self.request({"op": "set", "target": holder, "value": value, **seed}, arrays, timeout)
                seed = {}
                if not reply["ok"]:  # as the worker does: a failed assignment ends the batch
                    yield reply, out
                    return
            else:
                args[header["position"]] = value
            call = {"op": "call", "target": header["target"], "args": {"__tuple__": args}, "kwargs": header["kwargs"],
                    "first": header["first"], **seed}
            seed = {}
            reply, out = self.request(call, arrays, timeout)
            yield reply, out
            if not reply["ok"]:
                return


def staged_worker(assignment: str, submission: Path, workdir: Path) -> LocalWorker:
    """``submission`` staged over the release (and its Cython extension built), served in this process."""
    manifest = load_manifest(assignment)
    staged = stage(manifest, submission, RELEASE / assignment, workdir)
    outcome = build_extensions(staged.sandbox, workdir, Limits(), DEFAULT_CACHE, package=manifest.package)
    if outcome is not None and not outcome.ok:
        raise RuntimeError(f"the Cython extension of {submission} did not build:\n{outcome.log}")
    return LocalWorker(ModuleTable(staged.sandbox))


@dataclass
class Outcome:
    """What one student id's run of (part of) a hidden suite gave."""

    records: list[TestRecord]
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[TestRecord]:
        return [r for r in self.records if r.status is not Status.PASSED]

    @property
    def lost_tasks(self) -> set[str]:
        return {r.task for r in self.failed}


@dataclass
class Run:
    """One submission (its worker) graded for every id in ``ids``."""

    worker: LocalWorker
    ids: Sequence[str]
    outcomes: dict[str, Outcome] = field(default_factory=dict)


class SweepPlugin(GradingPlugin):
    """The grading plugin, running the collected tests once per run and student id."""

    def __init__(self, context: GradingContext, runs: Sequence[Run], check: str | None = None) -> None:
        super().__init__(context)
        self.runs = runs
        self.check = check

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        super().pytest_collection_modifyitems(items)
        if self.check is not None:
            items[:] = [item for item in items if item.originalname == self.check]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        template = self.context
        items = session.items
        for run in self.runs:
            template.student.process = run.worker
            for student_id in run.ids:
                self.context = GradingContext(template.manifest, student_id, template.secret, template.student)
                self.errors = []
                for item, following in zip(items, [*items[1:], None]):
                    runtestprotocol(item, log=False, nextitem=following)
                run.outcomes[student_id] = Outcome(self.context.records, self.errors)
        return True


def sweep(assignment: str, runs: Sequence[Run], secret: Secret, check: str | None = None) -> Sequence[Run]:
    """Run the hidden suite of ``assignment`` (collected once; only the test function ``check``
    when given) for every run; fill their outcomes."""
    student = StudentPackage(runs[0].worker, "numnet")  # type: ignore[arg-type]
    plugin = SweepPlugin(GradingContext(load_manifest(assignment), runs[0].ids[0], secret, student), runs, check)
    _run_suite(SUITES / assignment, plugin)
    return runs
