"""Hostile replies: the worker writes whatever bytes it likes on its channel to the grader.

Each malformed reply must fail only the call in flight, with a message of ours (never the
worker's text), and the next call must get a fresh worker. What the grader keeps of a
reply is bounded: the JSON part, the number and size of arrays, the nesting depth.
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from autograder.untrusted import wire
from autograder.grading.client import StudentError, WorkerCrashed
from autograder.grading.feedback import render_feedback
from autograder.grading.limits import Limits
from autograder.grading.results import junit_xml
from grading_support import grade, lost_tasks
from test_adversarial import SMALL, attacked, results_text, task_output

SENDER = """
    import os, sys
    def send(frame):
        data = frame.tobytes()
        fd = sys.modules["__main__"].WRITE_FD
        while data:
            data = data[os.write(fd, data):]
        os._exit(0)
    def ok():
        return 1
"""
LIMITS = Limits(call_seconds=5, message_bytes=8 << 20)


def frame(body: bytes, blobs: list[bytes] = (), count: int | None = None) -> bytes:
    """A reply frame from raw parts; ``count`` overrides the announced number of arrays."""
    parts = [wire.HEADER.pack(len(body), len(blobs) if count is None else count), body]
    for blob in blobs:
        parts += [wire.ARRAY_LENGTH.pack(len(blob)), blob]
    return b"".join(parts)


def npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def npy_claiming(shape: tuple[int, ...], data: bytes) -> bytes:
    """A ``.npy`` blob whose header announces ``shape`` (float64) but holds ``data``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue() + data


def reply(value: object, blobs: list[bytes] = ()) -> bytes:
    return frame(json.dumps({"ok": True, "value": value}).encode(), blobs)


def nested(depth: int) -> bytes:
    return b'{"ok": true, "value": ' + b"[" * depth + b"]" * depth + b"}"


MALFORMED = {
    "header over the JSON limit": (frame(b" " * (2 << 20)), r"JSON header announces 2097152 bytes; the limit is 1048576"),
    "too many arrays announced": (frame(b"{}", count=10**9), r"announces 1000000000 arrays; the limit is 10000"),
    "announced size past the message limit": (frame(b"{}", count=1) + wire.ARRAY_LENGTH.pack(1 << 40),
                                              r"message exceeds the 8388608-byte limit"),
    "not JSON": (frame(b"{not json"), r"malformed message header \(JSONDecodeError\)"),
    "not UTF-8": (frame(b'{"ok": "\xff\xfe"}'), r"malformed message header \(UnicodeDecodeError\)"),
    "an integer of 5000 digits": (frame(b'{"ok": ' + b"9" * 5000 + b"}"), r"malformed message header \(ValueError\)"),
    "deep nesting": (frame(nested(100_000)), r"nested more than 64 levels deep"),
    "nesting past the limit": (frame(nested(70)), r"nested more than 64 levels deep"),
    "header is a list": (frame(b"[1, 2]"), r"not a JSON object"),
    "array index out of range": (reply({"__array__": 3}), r"refers to an array the message does not hold"),
    "negative array index": (reply({"__array__": -1}, [npy(np.ones(2))]), r"refers to an array the message does not hold"),
    "boolean array index": (reply({"__array__": True}, [npy(np.ones(2)), npy(np.ones(2))]), r"refers to an array"),
    "bad non-finite float": (reply({"__float__": "1e999"}), r"not one of nan, inf, -inf"),
    "tuple that is not a list": (reply({"__tuple__": 5}), r"a tuple is not encoded as a JSON list"),
    "dictionary with a number key": (reply({"__dict__": [[1, 2]]}), r"not a \(text key, value\) pair"),
    "handle id that is text": (reply({"__handle__": "x"}), r"id is not an integer"),
    "error that is not a description": (frame(b'{"ok": false, "error": "boom"}'), r"holds no error description"),
    "missing effects": (frame(b'{"ok": true}'), None),
    "pickled object array": (reply({"__array__": 0}, [npy(np.array([{"x": 1}], dtype=object), allow_pickle=True)]),
                             r"dtype kind 'O' in message: only numeric arrays may cross"),
    "structured array": (reply({"__array__": 0}, [npy(np.zeros(2, dtype=[("a", "<f8")]))]), r"dtype kind 'V'"),
    "text array": (reply({"__array__": 0}, [npy(np.array(["a"]))]), r"dtype kind 'U'"),
    "array header claiming a terabyte": (reply({"__array__": 0}, [npy_claiming((1 << 37,), bytes(8))]),
                                         r"data in message does not match its header"),
    "array header claiming a negative extent": (reply({"__array__": 0}, [npy_claiming((-1, -8), bytes(64))]),
                                                r"negative extent"),
    "garbage instead of .npy": (reply({"__array__": 0}, [b"\x93NUMPY\x01\x00\xff\xff" + b"(" * 40]), r"malformed array"),
    "not .npy at all": (reply({"__array__": 0}, [b"PK\x03\x04 something else"]), r"malformed array"),
    "truncated frame": (reply({"__array__": 0}, [npy(np.ones(100))])[:-50], r"exited \(status 0\)"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_reply_fails_one_call_and_the_worker_is_replaced(make_student, name):
    data, message = MALFORMED[name]
    student = make_student(SENDER, LIMITS)
    send = student.probe.send.effects if message is None else student.probe.send  # effects replies need "args"
    with pytest.raises(WorkerCrashed) as caught:
        send(np.frombuffer(data, np.uint8))
    text = caught.value.summary()
    assert len(text) < 300
    if message is None:
        assert text == "BadReply: the reply could not be read (KeyError)"
    else:
        assert re.search(message, text), text
    assert student.probe.ok() == 1
    assert student.process.restarts == 1


def test_a_well_formed_reply_with_odd_encodings_still_decodes():
    """The reader accepts what encode produces, Fortran order and big-endian data included."""
    arrays = [np.asfortranarray(np.arange(12.0).reshape(3, 4)), np.arange(5, dtype=">i4"), np.zeros((0, 3))]
    stream = io.BytesIO(frame(json.dumps({"v": [{"__array__": i} for i in range(3)]}).encode(), [npy(a) for a in arrays]))
    header, out = wire.read_message(stream)
    for sent, received in zip(arrays, wire.decode(header["v"], out)):
        assert received.shape == sent.shape and received.dtype == sent.dtype and np.array_equal(received, sent)
    assert stream.read() == b""


def test_the_worker_refuses_to_send_a_header_over_the_limit(make_student):
    """A long Python list is refused by the worker itself, with a message saying what to send instead."""
    student = make_student("""
        def long_list():
            return [0.5] * 300_000
    """)
    with pytest.raises(StudentError) as caught:
        student.probe.long_list()
    assert caught.value.kind == "UnsendableResult"
    assert "over the 1048576-byte limit" in caught.value.message and "arrays have no such limit" in caught.value.message
    assert student.process.restarts == 0


def test_deeply_nested_values_are_refused_on_both_sides():
    value: list = []
    for _ in range(40):
        value = [value]
    with pytest.raises(wire.WireError, match="nested more than 32"):
        wire.encode(value, [])
    for _ in range(40):
        value = [value]
    with pytest.raises(wire.WireError, match="nested more than 64"):
        wire.decode(value, [])


UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e]")
REPLACED_DESCRIBE = """
    import sys
    sys.modules["__main__"]._describe = lambda exc: {
        "type": "Evil\\x01\\u202e" * 2000, "message": "\\x1b[31m\\ud800]]>$\\\\frac{$" + "x\\x00" * 80_000,
        "where": "numnet/metrics.py:1\\n" * 10_000, "not_implemented": False}
    raise RuntimeError("boom")
"""


def test_a_replaced_error_description_writes_little_and_only_clean_text(tmp_path):
    """Student code that swaps the worker's error description for megabytes of control characters
    costs the attacked task, and results, JUnit and feedback stay small, clean and valid."""
    graded = grade("linear_regression", attacked(tmp_path, REPLACED_DESCRIBE), limits=SMALL)
    assert graded.internal_errors == []
    assert "metrics" in lost_tasks(graded)
    failed = [t for t in graded.results.tests if t.status == "failed"]
    assert failed and all(len(t.output) < 2500 for t in failed)
    # the hook renames every exception, the stated NotFittedError too, so the attack also costs that check
    assert all(" raised " + "Evil" * 20 in t.output for t in failed)
    text = results_text(graded)
    assert len(text) < 64 << 10 and not UNWANTED.search(json.loads(text)["tests"][0]["output"] + text)
    assert "text cut at 2000 characters" in task_output(graded, "metrics")
    junit = junit_xml(graded.results, "linear_regression")
    assert len(junit) < 96 << 10 and ET.fromstring(junit).get("failures") == str(len(failed))
    feedback = render_feedback(graded.results, "Linear regression", "student")
    assert len(feedback) < 96 << 10 and not UNWANTED.search(feedback)


MEMORY_PROBE = """
import json, resource, sys
from pathlib import Path
from grading_support import grade
from autograder.grading.limits import Limits
limits = Limits(call_seconds=5, submission_seconds=60)
outputs = [grade("linear_regression", Path(path), limits=limits).results.tests for path in sys.argv[1:]]
print(json.dumps({"peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "metrics": [[t.output for t in tests if t.name.startswith("metrics:") and t.status == "failed"] for tests in outputs]}))
"""
FLOODS = {
    "the largest reply allowed": "return np.ones(((64 << 20) - 4096) // 8)",
    "an endless array": """
        import os, struct, sys
        fd = sys.modules["__main__"].WRITE_FD
        os.write(fd, struct.pack(">QQ", 2, 1) + b"{}" + struct.pack(">Q", 1 << 40))
        while True:
            os.write(fd, bytes(1 << 20))
    """,
    "ten thousand arrays": "return [np.ones(64)] * 10_000",
}


@pytest.mark.slow
def test_the_grading_process_memory_stays_bounded_whatever_the_worker_sends(tmp_path):
    """A grading process facing reply floods peaks far below 1 GiB (measured by the kernel), and every
    flooded call fails with a message saying what was wrong."""
    paths = [str(attacked(tmp_path / str(i), code)) for i, code in enumerate(FLOODS.values())]
    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, *paths], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).parent, env={**os.environ, "PYTHONPATH": str(Path(__file__).parent)})
    assert done.returncode == 0, done.stderr[-3000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    # The interpreter with the grader, pytest and NumPy loaded peaks at 200-330 MiB here; a reader that kept
    # the endless array (or copies of the 64 MiB reply) would pass 1 GiB.
    assert measured["peak_mib"] < 512, measured["peak_mib"]
    largest, endless, many = measured["metrics"]
    rmse = "your code raised TypeError: only 0-dimensional arrays"  # the student's RMSE calls the flooding MSE
    assert largest and all(re.search(r"expected a number, got an array of shape \(8388096,\)", o) or rmse in o for o in largest)
    assert endless and all("BadReply: message exceeds the 67108864-byte limit" in o for o in endless), endless
    assert many and all("expected a number, got a value of type list" in o or rmse in o for o in many), many
