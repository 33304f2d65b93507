"""The trust boundary: what crosses it, and what the worker can and cannot do."""
import io
import os

import numpy as np
import pytest

from autograder.untrusted import wire
from autograder.grading.client import StudentError, StudentTimeout, WorkerCrashed
from autograder.grading.compare import Mismatch, expect_array
from autograder.grading.limits import Limits


def test_values_round_trip_through_the_wire():
    value = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "t": (1, 2.5, None, "s"), "nan": float("nan"),
             "__class__": [np.int64(3), True]}
    arrays = []
    encoded = wire.encode(value, arrays)
    buffer = io.BytesIO()
    wire.write_message(buffer, {"v": encoded}, arrays)
    buffer.seek(0)
    header, out = wire.read_message(buffer)
    decoded = wire.decode(header["v"], out)
    assert decoded["a"].dtype == np.float32 and np.array_equal(decoded["a"], value["a"])
    assert decoded["t"] == (1, 2.5, None, "s")
    assert np.isnan(decoded["nan"])
    assert decoded["__class__"][0] == 3 and decoded["__class__"][1] is True


def test_object_arrays_and_pickles_never_cross():
    with pytest.raises(TypeError):
        wire.encode(np.array([object()]), [])
    buffer = io.BytesIO()
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    blob = pickled.getvalue()
    body = b'{"v": {"__array__": 0}}'
    buffer.write(wire.HEADER.pack(len(body), 1) + body + wire.ARRAY_LENGTH.pack(len(blob)) + blob)
    buffer.seek(0)
    with pytest.raises(wire.WireError):
        wire.read_message(buffer)


def test_calls_return_values_and_keep_objects_in_the_worker(make_student):
    student = make_student("""
        import numpy as np
        class Box:
            def __init__(self, v): self.v = v
            def double(self): return self.v * 2
        def make(v): return Box(v)
        def grow(d): d["n"] = d.get("n", 0) + 1; return None
    """)
    box = student.probe.make(np.arange(3.0))
    assert box.type_name == "Box"
    assert np.array_equal(box.double(), [0.0, 2.0, 4.0])
    box.set("v", np.ones(2))
    assert np.array_equal(box.get("v"), np.ones(2))
    call = student.probe.grow.effects({"n": 1})
    assert call.args[0] == {"n": 2}


def test_a_hang_fails_only_that_call_and_the_worker_restarts(make_student):
    student = make_student("""
        import time
        def hang(): time.sleep(60)
        def ok(): return 7
    """, Limits(call_seconds=1))
    with pytest.raises(StudentTimeout):
        student.probe.hang()
    assert student.probe.ok() == 7
    assert student.process.restarts == 1


@pytest.mark.parametrize("exit_code", ["import os; os._exit(0)", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"])
def test_a_dying_worker_is_reported_and_replaced(make_student, exit_code):
    student = make_student(f"""
        def die():
            {exit_code}
        def ok(): return 1
    """)
    with pytest.raises(WorkerCrashed):
        student.probe.die()
    assert student.probe.ok() == 1


@pytest.mark.parametrize("statement,kind", [("raise SystemExit(0)", "SystemExit"), ("raise KeyboardInterrupt", "KeyboardInterrupt"),
                                            ("raise NotImplementedError", "NotImplementedError")])
def test_student_exceptions_come_back_as_descriptions(make_student, statement, kind):
    student = make_student(f"""
        def fail():
            {statement}
    """)
    with pytest.raises(StudentError) as info:
        student.probe.fail()
    assert info.value.kind == kind
    assert info.value.not_implemented == (kind == "NotImplementedError")
    assert "probe.py" in info.value.where


def test_the_worker_sees_no_grader_no_reference_and_no_secret(make_student, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_SECRET", "do-not-leak")
    student = make_student("""
        import importlib.util, os, sys
        def environment(): return sorted(os.environ)
        def importable(name): return importlib.util.find_spec(name) is not None
        def numnet_location(): return os.path.dirname(__import__("numnet").__file__)
    """)
    assert "AUTOGRADER_SECRET" not in student.probe.environment()
    for name in ("autograder", "pytest", "nbgrader", "Cython"):
        assert student.probe.importable(name) is False, name
    assert student.probe.importable("numpy") is True
    assert student.probe.numnet_location().startswith(str(student.process.sandbox))


def test_patching_numpy_in_the_worker_does_not_fool_the_comparison(make_student):
    student = make_student("""
        import numpy as np
        np.allclose = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        def wrong(): return np.zeros(3)
    """)
    with pytest.raises(Mismatch, match="all zeros"):
        expect_array("out", student.probe.wrong(), np.ones(3), 1e-7)


def test_hostile_return_values_are_kept_as_opaque_objects(make_student):
    student = make_student("""
        import numpy as np
        class Evil(np.ndarray):
            def __array__(self, *a, **k): raise RuntimeError("gotcha")
            def __eq__(self, other): return True
        def evil(): return np.zeros(3).view(Evil)
    """)
    value = student.probe.evil()
    with pytest.raises(Mismatch, match="type Evil"):
        expect_array("out", value, np.zeros(3), 1e-7)


def test_output_printed_by_student_code_does_not_break_the_channel(make_student):
    student = make_student("""
        import os, sys
        def noisy():
            print("x" * 100000); os.write(1, b"raw"); sys.stderr.write("err")
            return 5
    """)
    assert student.probe.noisy() == 5
    assert os.path.getsize(student.process.log_path) > 100000


def test_the_submission_time_budget_stops_further_calls(make_student):
    student = make_student("""
        import time
        def slow(): time.sleep(5); return 1
    """, Limits(call_seconds=10, submission_seconds=8))  # leaves 3 s for the worker to start on a loaded machine
    assert student.probe.slow() == 1
    with pytest.raises(StudentTimeout):
        student.probe.slow()
    with pytest.raises(StudentTimeout, match="used up its 8 s"):
        student.probe.slow()
