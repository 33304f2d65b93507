"""Batched calls (``each``), the seed that rides with a request, numeric gradients of the
student's code measured in one request per measurement, and the isolation probe that
reads the libraries rather than importing them.

A batch is one request and one reply per student call: every call keeps its own time
limit, a failure or a hostile reply ends the batch, and what the trusted side computes
from a batch is exactly what it computed call by call.
"""
from __future__ import annotations

import os
import shutil
import time

import numpy as np
import pytest

from autograder.grading.checks import FULL_CHECK_LIMIT, numeric_gradient_error, one_at_a_time
from autograder.grading.checks.gradients import STEPS, elementwise_gradient
from autograder.grading.client import StudentError, StudentTimeout, WorkerCrashed
from autograder.grading.isolation import Isolation, _works
from autograder.grading.limits import Limits
from numnet.gradient_check import eval_numerical_gradient_array
from test_adversarial_wire import SENDER, frame

PROBE = """
    import time
    import numpy as np

    class Model:
        def __init__(self): self.params = {"w": np.zeros(2)}
        def loss(self, x): return float(self.params["w"] @ x), "cache"

    def make(): return Model()

    def scale(x, factor):
        out = x * factor
        x *= 0  # changes its argument in place: the next call of a batch must not see it
        return out, {"factor": factor}

    def fails_at_two(value):
        if value == 2:
            raise ValueError("two is not allowed")
        return value

    def slow(seconds):
        time.sleep(seconds)
        return seconds

    def draw(_):
        return float(np.random.random_sample())
"""


def test_each_answers_like_separate_calls_with_fresh_arguments(make_student):
    student = make_student(PROBE)
    x = np.arange(3.0)
    factors = [1.0, 2.0, -0.5]
    batched = list(student.probe.scale.each(factors, (x, None), position=1))
    assert student.process.requests == 1 and student.process.calls == 3
    for factor, (out, cache) in zip(factors, batched):
        assert np.array_equal(out, x * factor) and cache == {"factor": factor}
        assert np.array_equal(student.probe.scale(x, factor)[0], out)
    firsts = list(student.probe.scale.each(factors, (x, None), position=1, first=True))
    assert all(np.array_equal(out, x * factor) for factor, out in zip(factors, firsts))


def test_each_assigns_an_attribute_of_a_kept_object_before_each_call(make_student):
    student = make_student(PROBE)
    model = student.probe.make()
    x = np.array([1.0, 10.0])
    weights = [{"w": np.array([1.0, 0.0])}, {"w": np.array([0.0, 2.0])}]
    assert list(model.loss.each(weights, (x,), attribute="params", first=True)) == [1.0, 20.0]
    assert np.array_equal(model.get("params")["w"], [0.0, 2.0])
    with pytest.raises(ValueError, match="either the argument position or the attribute"):
        model.loss.each(weights, (x,), position=0, attribute="params")


def test_a_failing_call_ends_the_batch_and_the_worker_carries_on(make_student):
    student = make_student(PROBE)
    results = []
    with pytest.raises(StudentError) as caught:
        for value in student.probe.fails_at_two.each([1, 2, 3], (None,), position=0):
            results.append(value)
    assert results == [1]
    assert caught.value.kind == "ValueError" and "two is not allowed" in caught.value.message
    assert student.probe.fails_at_two(5) == 5
    assert student.process.restarts == 0


def test_every_call_of_a_batch_has_its_own_time_limit(make_student):
    student = make_student(PROBE, Limits(call_seconds=2))
    assert student.probe.slow(0) == 0  # the worker is up: its start-up counts against no call below
    started = time.monotonic()
    assert list(student.probe.slow.each([1.0, 1.0, 1.0], (None,), position=0)) == [1.0, 1.0, 1.0]
    assert time.monotonic() - started > 2  # the batch as a whole took longer than one call may
    started = time.monotonic()
    with pytest.raises(StudentTimeout, match="did not finish within 2 s"):
        list(student.probe.slow.each([0.1, 60.0, 0.1], (None,), position=0))
    assert time.monotonic() - started < 10
    assert student.probe.slow(0) == 0
    assert student.process.restarts == 1


def test_the_submission_budget_also_stops_a_batch_between_calls(make_student):
    student = make_student(PROBE, Limits(call_seconds=5, submission_seconds=2.5))
    started = time.monotonic()
    with pytest.raises(StudentTimeout):  # the call in flight gets what is left of the budget, then nothing
        list(student.probe.slow.each([1.0] * 5, (None,), position=0))
    assert time.monotonic() - started < 4
    with pytest.raises(StudentTimeout, match="used up its 2.5 s"):
        student.probe.slow(0)


def test_replies_left_unread_are_never_taken_for_the_next_answer(make_student):
    student = make_student(PROBE)
    results = student.probe.fails_at_two.each([10, 11, 12], (None,), position=0)
    assert next(results) == 10
    assert student.probe.fails_at_two(7) == 7  # not the batch's 11
    assert student.process.restarts == 1


HOSTILE_BATCH = SENDER + """
    import numpy as np
    def batch(value, data):
        if value == 1:
            send(np.frombuffer(data, np.uint8))  # a frame of the attacker's choosing, then the worker exits
        return value
"""


@pytest.mark.parametrize("data, kind, message", [
    (frame(b"{not json"), WorkerCrashed, r"malformed message header"),
    (frame(b'{"ok": true, "value": {"__array__": 4}}'), WorkerCrashed, r"refers to an array the message does not hold"),
    (frame(b'{"ok": false, "error": {"type": "Evil\\u001b[31m", "message": "\\u202e boom"}}'), StudentError, r"^Evil"),
    (b"", WorkerCrashed, r"exited \(status 0\)"),
])
def test_a_hostile_reply_in_a_batch_fails_it_with_a_message_of_ours(make_student, data, kind, message):
    student = make_student(HOSTILE_BATCH, Limits(call_seconds=5, message_bytes=8 << 20))
    seen = []
    with pytest.raises(kind, match=message) as caught:
        for value in student.probe.batch.each([0, 1, 2], (None, np.frombuffer(data, np.uint8)), position=0):
            seen.append(value)
    assert seen == [0]
    assert "\x1b" not in caught.value.summary() and "\u202e" not in caught.value.summary()
    if kind is WorkerCrashed:  # (after the error description, the sender exits too: the next call may find it gone)
        assert student.probe.ok() == 1


def test_the_seed_rides_with_the_next_request(make_student):
    student = make_student(PROBE)
    student.seed_globals(1234)
    drawn = student.probe.draw(None)
    assert student.process.requests == 1
    np.random.seed(1234)
    assert drawn == float(np.random.random_sample())
    student.seed_globals(1234)
    assert next(student.probe.draw.each([None], (None,), position=0)) == drawn


def test_numeric_gradients_of_the_students_code_take_one_request_per_measurement(make_student, rng):
    """Through the worker, in one request per measurement, the same figures as a local function gives."""
    student = make_student("""
        import numpy as np
        def layer(x, w):
            return np.tanh(x * w), "cache"
    """)
    w = 1.5
    local = one_at_a_time(lambda x: np.tanh(x * w))
    for size, requests in ((FULL_CHECK_LIMIT, 1), (FULL_CHECK_LIMIT + 12, len(STEPS))):
        x, dout = rng.standard_normal(size), rng.standard_normal(size)
        wrong = dout * w / np.cosh(x * w) ** 2 + 1e-6  # off by a little: every step size is tried
        before = student.process.requests
        remote = numeric_gradient_error(lambda points: student.probe.layer.each(points, (None, w), 0, first=True),
                                        x, wrong, dout, np.random.default_rng(5))
        assert student.process.requests - before == requests
        assert remote == numeric_gradient_error(local, x, wrong, dout, np.random.default_rng(5)) > 1e-7


def test_the_elementwise_gradient_is_the_reference_packages_bit_for_bit(rng):
    x, dout = rng.standard_normal((2, 3)), rng.standard_normal(8)
    f = lambda v: np.concatenate([np.sin(v).ravel(), (v ** 3).ravel()[:2]])  # noqa: E731
    assert np.array_equal(elementwise_gradient(one_at_a_time(f), x, dout), eval_numerical_gradient_array(f, x.copy(), dout))


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("bwrap") is None, reason="needs bubblewrap and users to hand out")
def test_the_isolation_probe_fails_where_the_sandbox_user_cannot_read_a_library(tmp_path):
    """The probe reads the libraries' files instead of importing them: it must still refuse a level
    at which the worker could not load them."""
    readable, private = tmp_path / "readable", tmp_path / "private"
    for folder, mode in ((readable, 0o755), (private, 0o700)):
        folder.mkdir()
        (folder / "module.py").write_text("")
        (folder / "module.py").chmod(0o600 if folder is private else 0o644)
        folder.chmod(mode)
    tmp_path.chmod(0o755)
    level = Isolation("bwrap", separate_users=True, seccomp=False)
    assert _works(level, [readable])
    assert not _works(level, [private])
