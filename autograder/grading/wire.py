"""The message format between the trusted grader and the student worker.

A message is one frame: an 8-byte big-endian length, then a JSON header, then the
arrays it refers to, each as ``.npy`` bytes. Values are encoded as JSON with tagged
objects: ``{"__array__": k}`` for the k-th array, ``{"__tuple__": [...]}``,
``{"__float__": "nan"}`` for non-finite floats and ``{"__handle__": id}`` for an
object that stays in the worker (a student's cache, a model instance). Arrays are
read with ``allow_pickle=False``: nothing that crosses the boundary is ever unpickled.

This module imports only the standard library and NumPy, because the untrusted
worker loads it from a private copy, without the rest of the grader.
"""
from __future__ import annotations

import io
import json
import math
import os
import struct
from typing import Any, BinaryIO, Callable

import numpy as np

HEADER = struct.Struct(">QQ")  # JSON length, number of arrays
ARRAY_LENGTH = struct.Struct(">Q")
MAX_MESSAGE_BYTES = 1 << 30


class WireError(Exception):
    """A malformed or oversized message."""


class Handle:
    """A reference to an object that lives in the worker."""

    __slots__ = ("id", "type_name")

    def __init__(self, id: int, type_name: str) -> None:
        self.id = id
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<worker object #{self.id} of type {self.type_name}>"


def encode(value: Any, arrays: list[np.ndarray], keep: Callable[[Any], Handle] | None = None) -> Any:
    """JSON-ready form of ``value``; arrays are appended to ``arrays``.

    Objects that can't be encoded become handles through ``keep`` (worker side);
    without ``keep`` they raise :class:`TypeError` (trusted side).
    """
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if type(value) is np.ndarray and value.dtype.kind in "biufc":
        arrays.append(value)
        return {"__array__": len(arrays) - 1}
    if isinstance(value, np.generic) and type(value).__module__ == "numpy" and value.dtype.kind in "biufc":
        arrays.append(np.asarray(value))
        return {"__array__": len(arrays) - 1, "scalar": True}
    if type(value) is tuple:
        return {"__tuple__": [encode(v, arrays, keep) for v in value]}
    if type(value) is list:
        return [encode(v, arrays, keep) for v in value]
    if type(value) is dict and all(type(k) is str for k in value):
        if any(k.startswith("__") and k.endswith("__") for k in value):
            return {"__dict__": [[k, encode(v, arrays, keep)] for k, v in value.items()]}
        return {k: encode(v, arrays, keep) for k, v in value.items()}
    if isinstance(value, Handle):
        return {"__handle__": value.id, "type": value.type_name}
    if keep is not None:
        handle = keep(value)
        return {"__handle__": handle.id, "type": handle.type_name}
    raise TypeError(f"can't send an object of type {type(value).__name__} to the worker")


def decode(value: Any, arrays: list[np.ndarray], resolve: Callable[[int], Any] | None = None) -> Any:
    """Inverse of :func:`encode`; ``resolve`` maps handle ids to objects (worker side)."""
    if isinstance(value, list):
        return [decode(v, arrays, resolve) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        array = arrays[value["__array__"]]
        return array[()] if value.get("scalar") else array
    if "__tuple__" in value:
        return tuple(decode(v, arrays, resolve) for v in value["__tuple__"])
    if "__float__" in value:
        return float(value["__float__"])
    if "__dict__" in value:
        return {k: decode(v, arrays, resolve) for k, v in value["__dict__"]}
    if "__handle__" in value:
        if resolve is not None:
            return resolve(value["__handle__"])
        return Handle(int(value["__handle__"]), str(value.get("type", "object"))[:80])
    return {k: decode(v, arrays, resolve) for k, v in value.items()}


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def write_message(stream: BinaryIO, header: dict[str, Any], arrays: list[np.ndarray]) -> None:
    """Write one frame and flush."""
    body = json.dumps(header, allow_nan=False).encode()
    blobs = [_npy_bytes(a) for a in arrays]
    size = len(body) + sum(len(b) + ARRAY_LENGTH.size for b in blobs)
    if size > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {size} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit")
    parts = [HEADER.pack(len(body), len(blobs)), body]
    for blob in blobs:
        parts += [ARRAY_LENGTH.pack(len(blob)), blob]
    stream.write(b"".join(parts))
    stream.flush()


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError("the other side closed the channel")
    return data


def read_message(stream: BinaryIO, limit: int = MAX_MESSAGE_BYTES) -> tuple[dict[str, Any], list[np.ndarray]]:
    """Read one frame; raise :class:`WireError` when it is malformed or too large."""
    body_size, count = HEADER.unpack(_read_exactly(stream, HEADER.size))
    if body_size > limit or count > 100_000:
        raise WireError(f"message header announces {body_size} bytes and {count} arrays: over the limit")
    try:
        header = json.loads(_read_exactly(stream, body_size))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"malformed message header: {exc.__class__.__name__}") from None
    arrays, total = [], body_size
    for _ in range(count):
        (size,) = ARRAY_LENGTH.unpack(_read_exactly(stream, ARRAY_LENGTH.size))
        total += size
        if total > limit:
            raise WireError(f"message exceeds the {limit}-byte limit")
        try:
            arrays.append(np.load(io.BytesIO(_read_exactly(stream, size)), allow_pickle=False))
        except ValueError as exc:
            raise WireError(f"malformed array in message: {exc}") from None
    if not isinstance(header, dict):
        raise WireError("message header is not a JSON object")
    return header, arrays


def open_channel(read_fd: int, write_fd: int) -> tuple[BinaryIO, BinaryIO]:
    """Buffered binary streams over a pair of pipe file descriptors."""
    return os.fdopen(read_fd, "rb", buffering=1 << 16), os.fdopen(write_fd, "wb", buffering=1 << 16)
