"""The student worker: the only process that runs submitted code.

Started by :mod:`autograder.grading.client` as
``python -I -S -B worker.py SANDBOX READ_FD WRITE_FD [LIBRARY_DIR...]``
from a private copy of this file and :mod:`wire`. ``-I -S`` keep the grader's
environment, site-packages and ``.pth`` hooks out; ``sys.path`` is then the
runtime copy, the sandbox (the student's copy of the course's package) and the folders of
the allowed libraries. It answers requests until its input closes:

- ``call``: call ``target`` with arguments, reply with the result and, on request,
  the arguments as they are after the call (side effects cross back too);
- ``each``: call ``target`` once per value of ``values``, that value taking the place
  of argument ``position``, or first assigned to ``attribute`` of the object the target
  belongs to (a model's ``params``); one reply per call, sent as soon as the call
  returns, so the grader times every call on its own. Each call gets fresh copies of the
  shared arguments (the first ``shared`` arrays). With ``first``, a tuple or list result
  is replaced by its first item (a layer's output without its cache). The first failure
  is the last reply;
- ``get`` / ``set``: read or write an attribute of a kept object.

Any request may carry ``seed``: the global random generators (``random``,
``numpy.random``) are seeded with it first. Replies describe student exceptions by
type, message and location only.
"""
from __future__ import annotations

import importlib
import os
import signal
import sys
import traceback
from collections.abc import Iterator
from typing import Any


def _bootstrap() -> tuple[str, int, int]:
    runtime = os.path.dirname(os.path.abspath(__file__))
    sandbox, read_fd, write_fd, *libraries = sys.argv[1:]
    sys.path[:0] = [runtime, sandbox]
    sys.path.extend(libraries)
    os.chdir(sandbox)
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it; past the file-size limit the worker stops
    if os.environ.get("AUTOGRADER_REFUSE_SOCKETS"):
        _refuse_sockets()
    return sandbox, int(read_fd), int(write_fd)


def _refuse_sockets() -> None:
    """Make creating a socket fail: the fallback when there is no network namespace.
    Code that reaches ``_socket`` directly gets around it, so this only stops honest mistakes
    and casual attempts."""
    import socket

    class RefusedSocket(socket.socket):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise PermissionError("network access is not allowed while grading")

    socket.socket = RefusedSocket  # type: ignore[misc]


SANDBOX, READ_FD, WRITE_FD = _bootstrap()

import wire  # noqa: E402  (importable only after _bootstrap)


class Objects:
    """Objects kept in the worker and referred to by handle."""

    def __init__(self) -> None:
        self._by_id: dict[int, Any] = {}
        self._next = 1

    def keep(self, obj: Any) -> wire.Handle:
        handle_id, self._next = self._next, self._next + 1
        self._by_id[handle_id] = obj
        return wire.Handle(handle_id, type(obj).__name__)

    def resolve(self, handle_id: int) -> Any:
        try:
            return self._by_id[handle_id]
        except KeyError:
            raise LookupError(f"worker object #{handle_id} no longer exists") from None


def _target(objects: Objects, spec: dict[str, Any]) -> tuple[Any, list[str]]:
    """The object a request starts from, and the attribute path to follow."""
    if "handle" in spec:
        return objects.resolve(spec["handle"]), list(spec["path"])
    return importlib.import_module(spec["module"]), list(spec["path"])


def _follow(obj: Any, path: list[str]) -> Any:
    for name in path:
        obj = getattr(obj, name)
    return obj


def _where(exc: BaseException) -> str:
    """``file:line in function`` of the innermost frame inside the sandbox."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(SANDBOX)]
    if isinstance(exc, SyntaxError) and exc.filename and exc.filename.startswith(SANDBOX):
        return f"{os.path.relpath(exc.filename, SANDBOX)}:{exc.lineno}"
    if not frames:
        return ""
    last = frames[-1]
    return f"{os.path.relpath(last.filename, SANDBOX)}:{last.lineno} in {last.name}"


def _describe(exc: BaseException) -> dict[str, Any]:
    """Type, message and location of a student exception, each cut short.

    Student code can replace this function; the grader cleans and cuts whatever
    arrives again, so these caps only keep honest replies small."""
    try:
        message = str(exc)
    except BaseException:  # a hostile __str__
        message = "<message unavailable>"
    return {
        "type": type(exc).__name__[:80],
        "message": message[:2000],
        "where": _where(exc)[:200],
        "not_implemented": isinstance(exc, NotImplementedError),
    }


Reply = tuple[dict[str, Any], list[Any]]


def _seed(seed: int) -> None:
    import random

    import numpy

    random.seed(seed)
    numpy.random.seed(seed % 2**32)


def answers(objects: Objects, header: dict[str, Any], arrays: list[Any]) -> Iterator[Reply]:
    """Carry out one request; yield its replies (one per call for ``each``, else one)."""
    if "seed" in header:
        _seed(header["seed"])
    op = header.get("op")
    owner, path = _target(objects, header["target"])
    out: list[Any] = []
    if op == "get":
        value = _follow(owner, path)
        yield {"ok": True, "value": wire.encode(value, out, objects.keep)}, out
    elif op == "set":
        value = wire.decode(header["value"], arrays, objects.resolve)
        setattr(_follow(owner, path[:-1]), path[-1], value)
        yield {"ok": True}, out
    elif op == "call":
        args = wire.decode(header["args"], arrays, objects.resolve)
        kwargs = wire.decode(header["kwargs"], arrays, objects.resolve)
        result = _follow(owner, path)(*args, **kwargs)
        reply = {"ok": True, "value": wire.encode(result, out, objects.keep)}
        if header.get("effects"):
            reply["args"] = wire.encode(tuple(args), out, objects.keep)
            reply["kwargs"] = wire.encode(kwargs, out, objects.keep)
        yield reply, out
    elif op == "each":
        yield from _each(objects, owner, path, header, arrays)
    else:
        raise ValueError(f"unknown request {op!r}")


def _each(objects: Objects, owner: Any, path: list[str], header: dict[str, Any], arrays: list[Any]) -> Iterator[Reply]:
    function, holder = _follow(owner, path), _follow(owner, path[:-1])
    shared, attribute = arrays[:header["shared"]], header.get("attribute")
    for value in header["values"]:
        fresh = [array.copy() for array in shared]
        args = list(wire.decode(header["args"], fresh, objects.resolve))
        if attribute is None:
            args[header["position"]] = wire.decode(value, arrays, objects.resolve)
        else:
            setattr(holder, attribute, wire.decode(value, arrays, objects.resolve))
        result = function(*args, **wire.decode(header["kwargs"], fresh, objects.resolve))
        if header.get("first") and isinstance(result, (tuple, list)):
            result = result[0]
        out: list[Any] = []
        yield {"ok": True, "value": wire.encode(result, out, objects.keep)}, out


def _failure(exc: BaseException) -> Reply:
    return {"ok": False, "error": _describe(exc)}, []


def main() -> None:
    reader, writer = wire.open_channel(READ_FD, WRITE_FD)
    objects = Objects()
    while True:
        try:
            header, arrays = wire.read_message(reader)
        except EOFError:
            return
        replies = answers(objects, header, arrays)
        while True:
            try:
                reply, out = next(replies)
            except StopIteration:
                break
            except BaseException as exc:  # student code may raise anything, SystemExit included
                reply, out = _failure(exc)
            try:
                wire.write_message(writer, reply, out)
            except (wire.WireError, ValueError, TypeError) as exc:
                reply, out = _failure(exc)
                reply["error"]["type"] = "UnsendableResult"
                wire.write_message(writer, reply, out)
            if not reply["ok"]:
                break  # the first failure ends the request


if __name__ == "__main__":
    main()
