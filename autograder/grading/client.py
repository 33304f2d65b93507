"""The trusted side of the trust boundary: a student worker process and proxies to it.

:class:`StudentProcess` starts :mod:`autograder.untrusted.worker` in a separate
process, sends it requests and enforces the time limits. A crash, hang or exit
of the worker fails only the request in flight; the next request starts a fresh
worker. :class:`StudentPackage` lets hidden tests call the student's code as if
it were local: ``student.layers.affine_forward(x, w, b)``.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder import untrusted
from autograder.untrusted import wire
from autograder.grading.channel import DeadlineChannel, Expired
from autograder.grading.isolation import Isolation, detect
from autograder.grading.limits import Limits, apply_limits
from autograder.grading.safe_text import LOCATION_CHARS, clean_name, clean_text
from autograder.grading.users import SandboxUser

_RUNTIME_FILES = ("worker.py", "wire.py")


Reply = tuple[dict[str, Any], list[np.ndarray]]


class StudentError(Exception):
    """The student's code failed; the message is safe to show to the student."""

    def __init__(self, kind: str, message: str, where: str = "", not_implemented: bool = False) -> None:
        self.kind = kind
        self.message = message
        self.where = where
        self.not_implemented = not_implemented
        super().__init__(self.summary())

    def summary(self) -> str:
        location = f" (at {self.where})" if self.where else ""
        return f"{self.kind}: {self.message}{location}"


class StudentTimeout(StudentError):
    """A call ran past its time limit."""


class WorkerCrashed(StudentError):
    """The worker process died during a call."""


@dataclass
class Call:
    """A call's result and its arguments as they were after the call."""

    result: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


@dataclass
class Budget:
    """The time left for a whole submission."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)


def library_dirs(names: tuple[str, ...]) -> list[tuple[str, Path]]:
    """The installed package folder of each allowed top-level library."""
    found = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"allowed library {name!r} is not installed")
        found.append((name, Path(spec.origin).resolve().parent))
    return found


def library_folders(names: tuple[str, ...]) -> list[Path]:
    """The folders of the libraries ``names``, with the shared libraries manylinux wheels keep beside them."""
    found = [folder for _, folder in library_dirs(names)]
    return found + [v for v in (f.parent / f"{f.name}.libs" for f in found) if v.is_dir()]


def worker_isolation(limits: Limits) -> Isolation:
    """The isolation a worker gets on this machine under ``limits``."""
    return detect(limits.isolation, tuple(library_folders(limits.libraries)))


class StudentProcess:
    """One submission's worker process, restarted whenever it dies."""

    def __init__(self, sandbox: Path, runtime: Path, limits: Limits, log_path: Path) -> None:
        self.sandbox = sandbox
        self.runtime = runtime
        self.limits = limits
        self.log_path = log_path
        self.budget = Budget(limits.submission_seconds)
        self.starts = 0
        self.requests = 0  # messages sent to the worker
        self.calls = 0  # replies received: one per student call, get, set or import
        self._unread = 0  # replies of the last request not read yet
        self._proc: subprocess.Popen[bytes] | None = None
        self._channel: DeadlineChannel | None = None
        self._libraries = library_folders(limits.libraries)
        self.isolation: Isolation = worker_isolation(limits)
        self.user: SandboxUser | None = self.isolation.lease_user()
        self._prepare_runtime()
        self.isolation.grant(sandbox, self.user, [sandbox.parent, runtime.parent])

    def _prepare_runtime(self) -> None:
        """Copy the worker's own code into ``runtime`` and link the allowed libraries
        into ``runtime/libs``, so that nothing else installed beside them (the grader,
        the reference package, their ``.pth`` hooks) is importable by the worker."""
        here = Path(untrusted.__file__).resolve().parent
        libs = self.runtime / "libs"
        libs.mkdir(parents=True, exist_ok=True)
        for name in _RUNTIME_FILES:
            shutil.copyfile(here / name, self.runtime / name)
        for name, folder in library_dirs(self.limits.libraries):
            link = libs / name
            if not link.exists():
                link.symlink_to(folder, target_is_directory=True)
            vendored = folder.parent / f"{name}.libs"  # manylinux wheels keep shared libraries here
            if vendored.is_dir() and not (libs / vendored.name).exists():
                (libs / vendored.name).symlink_to(vendored, target_is_directory=True)

    @property
    def restarts(self) -> int:
        """How many times a worker had to be replaced after a crash or a time-out."""
        return max(0, self.starts - 1)

    def start(self) -> None:
        """Start the worker now, unless it is running (requests start it when needed)."""
        if self._proc is None or self._proc.poll() is not None:
            self.stop()
            self._start()

    def _start(self) -> None:
        self.starts += 1
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        log = open(self.log_path, "wb")  # a fresh log per worker: a full one would kill the next worker too
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "HOME": str(self.sandbox)}
        if self.isolation.level == "rlimits":
            env["AUTOGRADER_REFUSE_SOCKETS"] = "1"
        python = [self.isolation.python, "-I", "-S", "-B", str(self.runtime / "worker.py"), str(self.sandbox),
                  str(to_worker_r), str(from_worker_w), str(self.runtime / "libs")]

        def in_child() -> None:
            apply_limits(self.limits)
            self.isolation.in_child(self.user)

        try:
            with self.isolation.launch(python, [self.runtime, *self._libraries], [self.sandbox], self.user) as launch:
                self._proc = subprocess.Popen(
                    launch.command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, cwd=self.sandbox,
                    pass_fds=(to_worker_r, from_worker_w, *launch.pass_fds), start_new_session=True,
                    preexec_fn=in_child,
                )
        finally:
            log.close()
            os.close(to_worker_r)
            os.close(from_worker_w)
        self._channel = DeadlineChannel(from_worker_r, to_worker_w)

    def stop(self) -> None:
        """Kill the worker and every process it started."""
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._proc.wait()
        self._unread = 0
        if self._channel is not None:
            self._channel.close()
        self._proc, self._channel = None, None

    def replies(self, header: dict[str, Any], arrays: list[np.ndarray], count: int = 1,
                timeout: float | None = None) -> Iterator[Reply]:
        """Send one request and yield its replies: ``count`` of them, or fewer when one reports
        a failure. Each reply must arrive within the call limit of the one before (of the
        request, for the first), so every student call of a request has a limit of its own.

        Replies the caller leaves unread are never read: the next request starts a fresh worker."""
        if self._unread:
            self.stop()
        limit = self._call_limit(timeout)
        self.start()
        channel = self._channel
        self.requests += 1
        self._unread = count
        channel.deadline = time.monotonic() + limit
        self._guarded(lambda: wire.write_message(channel, header, arrays), limit)
        while self._unread:
            reply = self._guarded(lambda: wire.read_message(channel, self.limits.message_bytes), limit)
            arrived = time.monotonic()
            self.calls += 1
            self._unread = self._unread - 1 if reply[0].get("ok") is True else 0
            yield reply
            if self._unread:
                try:
                    limit = self._call_limit(timeout)
                except StudentTimeout:
                    self.stop()
                    raise
                channel.deadline = arrived + limit

    def _call_limit(self, timeout: float | None) -> float:
        """Seconds the next student call may take: its limit, within what is left of the budget."""
        remaining = self.budget.remaining()
        if remaining <= 0:
            raise StudentTimeout("TimeLimit", f"the submission used up its {self.limits.submission_seconds:g} s of grading time")
        return min(timeout or self.limits.call_seconds, remaining)

    def _guarded(self, step: Callable[[], Reply | None], limit: float) -> Any:
        """One write or read of the channel; when it fails, the worker is replaced and the request fails."""
        try:
            return step()
        except Expired:
            self.stop()
            raise StudentTimeout("Timeout", f"the call did not finish within {limit:.3g} s") from None
        except (EOFError, OSError):
            status = self._exit_status()
            self.stop()
            raise WorkerCrashed("WorkerCrashed", self._death_notice(status)) from None
        except Exception as error:  # noqa: BLE001 - the worker answered, wrongly: this call fails, no need to wait
            self.stop()
            raise bad_reply(error) from None

    def _exit_status(self) -> int | None:
        """How the worker ended, as a ``Popen.returncode`` (negative: a signal), once it has ended.
        Launchers report a signal ``N`` that ended the worker as the exit status ``128 + N``."""
        try:
            code = self._proc.wait(timeout=1) if self._proc is not None else None
        except subprocess.TimeoutExpired:
            return None
        if code is not None and code > 128 and self.isolation.level != "rlimits":
            return 128 - code
        return code

    def _death_notice(self, code: int | None) -> str:
        if code is not None and code < 0:
            return _SIGNAL_NOTICES.get(-code, "the student process was killed by {name} during the call").format(
                name=_signal_name(-code), limits=self.limits, mib=self.limits.file_bytes >> 20)
        if code is None:
            return "the student process stopped answering during the call"
        return f"the student process exited (status {code}) during the call"

    def close(self) -> None:
        """Stop the worker for good and give its user back."""
        self.stop()
        if self.user is not None:
            self.user.release()
            self.user = None


_SIGNAL_NOTICES = {
    signal.SIGXFSZ: "the student process wrote more than {mib} MiB (printed output or files) and was stopped",
    signal.SIGXCPU: "the student process used more than its {limits.submission_seconds:g} s of CPU time and was stopped",
}


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def bad_reply(error: BaseException) -> WorkerCrashed:
    """The failure of a call whose reply could not be read; the message is ours, never the worker's text."""
    detail = str(error) if isinstance(error, wire.WireError) else f"the reply could not be read ({type(error).__name__})"
    return WorkerCrashed("BadReply", detail)


class RemoteObject:
    """An object kept in the worker: call its methods, ``get``/``set`` its attributes."""

    def __init__(self, package: "StudentPackage", handle: wire.Handle) -> None:
        self._package = package
        self._handle = handle

    @property
    def type_name(self) -> str:
        return self._handle.type_name

    def get(self, name: str) -> Any:
        return self._package._request({"op": "get", "target": {"handle": self._handle.id, "path": name.split(".")}})

    def set(self, name: str, value: Any) -> None:
        self._package._request({"op": "set", "target": {"handle": self._handle.id, "path": name.split(".")}}, value=value)

    def __getattr__(self, name: str) -> "RemoteFunction":
        if name.startswith("_"):
            raise AttributeError(name)
        return RemoteFunction(self._package, {"handle": self._handle.id, "path": [name]})


class RemoteFunction:
    """A callable in the worker, reached through a module or a kept object."""

    def __init__(self, package: "StudentPackage", target: dict[str, Any]) -> None:
        self._package = package
        self._target = target

    def __getattr__(self, name: str) -> "RemoteFunction":
        if name.startswith("_"):
            raise AttributeError(name)
        target = dict(self._target)
        if "module" in target and not target["path"]:
            target["module"] = f"{target['module']}.{name}"
        else:
            target["path"] = [*target["path"], name]
        return RemoteFunction(self._package, target)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._package._request({"op": "call", "target": self._module_split(), "effects": False}, args=args, kwargs=kwargs)

    def effects(self, *args: Any, **kwargs: Any) -> Call:
        """Call, and also return the arguments as the call left them."""
        return self._package._request({"op": "call", "target": self._module_split(), "effects": True}, args=args, kwargs=kwargs)

    def each(self, values: Sequence[Any], args: Sequence[Any] = (), position: int | None = None,
             attribute: str | None = None, first: bool = False, **kwargs: Any) -> Iterator[Any]:
        """The results of ``self(*args, **kwargs)`` once per value of ``values``, in one request:
        each value takes the place of argument ``position``, or is first assigned to ``attribute``
        of the object this method belongs to (``model.loss.each(params, (X, y), attribute="params")``).
        Every call gets fresh copies of the other arguments and the call time limit of its own.
        ``first``: of a tuple or list result only its first item crosses back (a layer's output
        without its cache).

        Consume the results to the end: replies left unread cost the worker."""
        if (position is None) == (attribute is None):
            raise ValueError("give either the argument position or the attribute the values go to")
        where = {"attribute": attribute} if position is None else {"position": position}
        if position is not None and position < len(args):  # the worker puts each value there: don't send the old one
            args = (*args[:position], None, *args[position + 1:])
        return self._package._each(self._module_split(), values, args, where, kwargs, first)

    def _module_split(self) -> dict[str, Any]:
        """``pkg.layers.affine_forward`` -> module ``pkg.layers``, path ``[affine_forward]``."""
        target = dict(self._target)
        if "module" in target and not target["path"]:
            module, _, name = target["module"].rpartition(".")
            target = {"module": module, "path": [name]}
        return target

    @property
    def name(self) -> str:
        parts = [self._target.get("module", "object")] + list(self._target["path"])
        return ".".join(parts)


class StudentPackage:
    """The student's package (the course's reference package, as submitted) seen from a hidden test."""

    def __init__(self, process: StudentProcess, package: str) -> None:
        self.process = process
        self._package = package
        self._seed: int | None = None  # to send with the next request

    def __getattr__(self, name: str) -> RemoteFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        return RemoteFunction(self, {"module": f"{self._package}.{name}", "path": []})

    def seed_globals(self, seed: int) -> None:
        """Seed the worker's global random generators, so code that draws from them
        (a model's weight initialisation) behaves the same on every regrade. The seed
        travels with the next request, before which no student code runs."""
        self._seed = seed

    def import_module(self, dotted: str) -> None:
        """Import a module of the submission in the worker (raises :class:`StudentError`)."""
        self._request({"op": "get", "target": {"module": dotted, "path": ["__name__"]}})

    def _send(self, header: dict[str, Any], arrays: list[np.ndarray], count: int = 1) -> Iterator[Reply]:
        if self._seed is not None:
            header["seed"], self._seed = self._seed, None
        return self.process.replies(header, arrays, count)

    def _request(self, header: dict[str, Any], args: tuple = (), kwargs: dict | None = None, value: Any = None) -> Any:
        arrays: list[np.ndarray] = []
        if header["op"] == "call":
            header["args"] = wire.encode(_unwrap(tuple(args)), arrays)
            header["kwargs"] = wire.encode(_unwrap(dict(kwargs or {})), arrays)
        elif header["op"] == "set":
            header["value"] = wire.encode(_unwrap(value), arrays)
        reply, out = next(self._send(header, arrays))
        return self._decode(reply, out, effects=bool(header.get("effects")))

    def _each(self, target: dict[str, Any], values: Sequence[Any], args: Sequence[Any], where: dict[str, Any],
              kwargs: dict[str, Any], first: bool) -> Iterator[Any]:
        arrays: list[np.ndarray] = []
        header = {"op": "each", "target": target, **where, "first": first,
                  "args": wire.encode(_unwrap(tuple(args)), arrays), "kwargs": wire.encode(_unwrap(kwargs), arrays)}
        header["shared"] = len(arrays)
        header["values"] = [wire.encode(_unwrap(value), arrays) for value in values]
        for reply, out in self._send(header, arrays, len(header["values"])):
            yield self._decode(reply, out)

    def _decode(self, reply: dict[str, Any], out: list[np.ndarray], effects: bool = False) -> Any:
        """A reply's value (a :class:`Call` with ``effects``), handles as proxies; raises
        :class:`StudentError` for a failed call, and replaces the worker when the reply does not decode."""
        try:
            if reply.get("ok") is not True:
                raise _student_error(reply.get("error"))
            value = self._wrap(wire.decode(reply.get("value"), out))
            if not effects:
                return value
            return Call(value, tuple(self._wrap(wire.decode(reply["args"], out))),
                        dict(self._wrap(wire.decode(reply["kwargs"], out))))
        except StudentError:
            raise
        except Exception as exc:  # noqa: BLE001 - a reply that doesn't decode fails this call, and the worker is replaced
            self.process.stop()
            raise bad_reply(exc) from None

    def _wrap(self, value: Any) -> Any:
        """Turn handles into :class:`RemoteObject` proxies, recursively."""
        if isinstance(value, wire.Handle):
            return RemoteObject(self, wire.Handle(value.id, clean_name(value.type_name)))
        if isinstance(value, tuple):
            return tuple(self._wrap(v) for v in value)
        if isinstance(value, list):
            return [self._wrap(v) for v in value]
        if isinstance(value, dict):
            return {k: self._wrap(v) for k, v in value.items()}
        return value


def _student_error(error: Any) -> StudentError:
    """The worker's description of a student exception, with every field made safe to show."""
    if not isinstance(error, dict):
        raise wire.WireError("a failed call's reply holds no error description")
    message, where = (value if isinstance(value, str) else "" for value in (error.get("message"), error.get("where")))
    return StudentError(clean_name(error.get("type"), fallback="Error"), clean_text(message),
                        clean_text(where.replace("\n", " "), LOCATION_CHARS), error.get("not_implemented") is True)


def _unwrap(value: Any) -> Any:
    """Replace :class:`RemoteObject` proxies by their handles, recursively."""
    if isinstance(value, RemoteObject):
        return value._handle
    if isinstance(value, tuple):
        return tuple(_unwrap(v) for v in value)
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value
