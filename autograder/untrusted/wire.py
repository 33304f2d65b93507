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
MAX_HEADER_BYTES = 1 << 20  # the JSON part; arrays carry the bulk
MAX_ARRAYS = 10_000
MAX_DEPTH = 64  # nesting of the JSON header, and of decoded values
ARRAY_KINDS = "biufc"  # booleans and numbers: the only arrays that cross
NON_FINITE = ("nan", "inf", "-inf")


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


def encode(value: Any, arrays: list[np.ndarray], keep: Callable[[Any], Handle] | None = None, depth: int = 0) -> Any:
    """JSON-ready form of ``value``; arrays are appended to ``arrays``.

    Objects that can't be encoded become handles through ``keep`` (worker side);
    without ``keep`` they raise :class:`TypeError` (trusted side).
    """
    if depth > MAX_DEPTH // 2:  # tuples and tagged dicts take two JSON levels each
        raise WireError(f"the value is nested more than {MAX_DEPTH // 2} levels deep")
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
        return {"__tuple__": [encode(v, arrays, keep, depth + 1) for v in value]}
    if type(value) is list:
        return [encode(v, arrays, keep, depth + 1) for v in value]
    if type(value) is dict and all(type(k) is str for k in value):
        if any(k.startswith("__") and k.endswith("__") for k in value):
            return {"__dict__": [[k, encode(v, arrays, keep, depth + 1)] for k, v in value.items()]}
        return {k: encode(v, arrays, keep, depth + 1) for k, v in value.items()}
    if isinstance(value, Handle):
        return {"__handle__": value.id, "type": value.type_name}
    if keep is not None:
        handle = keep(value)
        return {"__handle__": handle.id, "type": handle.type_name}
    raise TypeError(f"can't send an object of type {type(value).__name__} to the worker")


def decode(value: Any, arrays: list[np.ndarray], resolve: Callable[[int], Any] | None = None, depth: int = 0) -> Any:
    """Inverse of :func:`encode`; ``resolve`` maps handle ids to objects (worker side).

    Raises :class:`WireError` on anything :func:`encode` can't have produced.
    """
    if depth > MAX_DEPTH:
        raise WireError(f"a value is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, list):
        return [decode(v, arrays, resolve, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        index = value["__array__"]
        if type(index) is not int or not 0 <= index < len(arrays):
            raise WireError("a value refers to an array the message does not hold")
        return arrays[index][()] if value.get("scalar") is True else arrays[index]
    if "__tuple__" in value:
        return tuple(decode(v, arrays, resolve, depth + 1) for v in _expect(value["__tuple__"], list, "a tuple"))
    if "__float__" in value:
        if value["__float__"] not in NON_FINITE:
            raise WireError("a non-finite float is not one of nan, inf, -inf")
        return float(value["__float__"])
    if "__dict__" in value:
        pairs = _expect(value["__dict__"], list, "a dictionary")
        if not all(type(p) is list and len(p) == 2 and type(p[0]) is str for p in pairs):
            raise WireError("a dictionary holds an entry that is not a (text key, value) pair")
        return {k: decode(v, arrays, resolve, depth + 1) for k, v in pairs}
    if "__handle__" in value:
        handle_id = value["__handle__"]
        if type(handle_id) is not int:
            raise WireError("a worker object's id is not an integer")
        if resolve is not None:
            return resolve(handle_id)
        type_name = value.get("type")
        return Handle(handle_id, type_name if type(type_name) is str else "object")
    return {k: decode(v, arrays, resolve, depth + 1) for k, v in value.items()}


def _expect(value: Any, kind: type, what: str) -> Any:
    if type(value) is not kind:
        raise WireError(f"{what} is not encoded as a JSON {kind.__name__}")
    return value


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def write_message(stream: BinaryIO, header: dict[str, Any], arrays: list[np.ndarray]) -> None:
    """Write one frame and flush."""
    body = json.dumps(header, allow_nan=False).encode()
    if len(body) > MAX_HEADER_BYTES:
        raise WireError(f"the message's JSON part has {len(body)} bytes, over the {MAX_HEADER_BYTES}-byte limit "
                        "(long lists or texts; arrays have no such limit)")
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


def _read_into(stream: BinaryIO, buffer: memoryview) -> None:
    filled = 0
    while filled < len(buffer):
        got = stream.readinto(buffer[filled:])
        if not got:
            raise EOFError("the other side closed the channel")
        filled += got


class _Slice:
    """The next ``size`` bytes of a stream, as a file NumPy can read a ``.npy`` header from."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self.stream = stream
        self.left = size

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        return _read_exactly(self.stream, size)


def read_message(stream: BinaryIO, limit: int = MAX_MESSAGE_BYTES,
                 header_limit: int = MAX_HEADER_BYTES) -> tuple[dict[str, Any], list[np.ndarray]]:
    """Read one frame; raise :class:`WireError` when it is malformed or too large.

    Sizes are checked before anything is allocated, and each array is read straight
    into its own memory, so reading never holds much more than ``limit`` bytes.
    """
    body_size, count = HEADER.unpack(_read_exactly(stream, HEADER.size))
    if body_size > min(limit, header_limit):
        raise WireError(f"the message's JSON header announces {body_size} bytes; the limit is {min(limit, header_limit)}")
    if count > MAX_ARRAYS:
        raise WireError(f"the message announces {count} arrays; the limit is {MAX_ARRAYS}")
    header = _parse_header(_read_exactly(stream, body_size))
    arrays, total = [], body_size
    for _ in range(count):
        (size,) = ARRAY_LENGTH.unpack(_read_exactly(stream, ARRAY_LENGTH.size))
        total += size
        if total > limit:
            raise WireError(f"message exceeds the {limit}-byte limit")
        arrays.append(_read_array(stream, size))
    return header, arrays


def _parse_header(body: bytes) -> dict[str, Any]:
    try:
        header = json.loads(body)
    except RecursionError:
        raise WireError(f"the message's JSON header is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # bad UTF-8, bad JSON, integers too long to convert
        raise WireError(f"malformed message header ({exc.__class__.__name__})") from None
    if not isinstance(header, dict):
        raise WireError("message header is not a JSON object")
    if _nesting(header) > MAX_DEPTH:
        raise WireError(f"the message's JSON header is nested more than {MAX_DEPTH} levels deep")
    return header


def _nesting(value: Any) -> int:
    """How deeply JSON lists and objects nest in ``value`` (without recursion; stops past the limit)."""
    deepest, pending = 0, [(value, 1)]
    while pending and deepest <= MAX_DEPTH:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            pending.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _read_array(stream: BinaryIO, size: int) -> np.ndarray:
    """One ``.npy`` blob of ``size`` bytes: a numeric array whose header matches its data."""
    blob = _Slice(stream, size)
    try:
        version = np.lib.format.read_magic(blob)
        if version not in ((1, 0), (2, 0)):
            raise WireError(f"unsupported .npy format version {version}")
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(blob)
    except (WireError, EOFError):
        raise
    except Exception as exc:  # noqa: BLE001 - NumPy reports bad headers with several exception types
        raise WireError(f"malformed array in message ({exc.__class__.__name__})") from None
    if dtype.kind not in ARRAY_KINDS or dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(f"an array of dtype kind {dtype.kind!r} in message: only numeric arrays may cross")
    if any(extent < 0 for extent in shape):
        raise WireError("an array in message has a negative extent")
    count = math.prod(shape)
    if count * dtype.itemsize != blob.left:
        raise WireError("an array's data in message does not match its header")
    flat = np.empty(count, dtype)
    _read_into(stream, memoryview(flat.view(np.uint8)))
    return flat.reshape(shape[::-1]).transpose() if fortran_order else flat.reshape(shape)


def open_channel(read_fd: int, write_fd: int) -> tuple[BinaryIO, BinaryIO]:
    """Buffered binary streams over a pair of pipe file descriptors."""
    return os.fdopen(read_fd, "rb", buffering=1 << 16), os.fdopen(write_fd, "wb", buffering=1 << 16)
