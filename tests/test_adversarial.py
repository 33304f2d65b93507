"""Hostile submissions: each one attacks the grader from inside ``metrics.mean_squared_error``
(or through its files) and must lose the attacked task's points, leave the grader running
and explain itself in the student's results."""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from autograder.grading.limits import Limits
from autograder.paths import REFERENCE_PACKAGE, SUITES
from grading_support import grade, lost_tasks, reference_submission

HONEST_LINE = "    error = float(np.mean((y_true - y_pred) ** 2))\n"
SMALL = Limits(call_seconds=2, submission_seconds=20, memory_bytes=1 << 30, file_bytes=4 << 20, message_bytes=1 << 20)
QUICK = Limits(call_seconds=0.5, submission_seconds=20, memory_bytes=1 << 30, file_bytes=4 << 20)
SUITE_FILE = SUITES / "linear_regression" / "test_metrics.py"


@dataclass(frozen=True)
class Attack:
    """Code that replaces the honest body line of ``mean_squared_error``."""

    name: str
    code: str
    message: str
    limits: Limits = SMALL


def attacked(tmp_path: Path, code: str) -> Path:
    submission = reference_submission("linear_regression", tmp_path / "submission")
    metrics = submission / "numnet" / "metrics.py"
    text = metrics.read_text()
    assert text.count(HONEST_LINE) == 1
    metrics.write_text(text.replace(HONEST_LINE, textwrap.indent(textwrap.dedent(code).strip() + "\n", "    ")))
    return submission


def task_output(graded, task: str) -> str:
    return "\n".join(t.output for t in graded.results.tests if t.name.startswith(f"{task}:") and t.status == "failed")


@contextlib.contextmanager
def loopback_listener() -> Iterator[int]:
    """A listening loopback port that must see no connection while in use."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.05)
        yield listener.getsockname()[1]
        with pytest.raises(socket.timeout):
            listener.accept()


def results_text(graded) -> str:
    return json.dumps(graded.results.to_json())


ATTACKS = [
    Attack("infinite loop", "while True:\n    pass", r"did not finish within", QUICK),
    Attack("long sleep", "import time\ntime.sleep(3600)", r"did not finish within", QUICK),
    Attack("memory bomb", "hog = bytearray(8 << 30)", r"MemoryError"),
    Attack("fork bomb", """
        import os, time
        try:
            while True:
                os.fork()
        except OSError:
            time.sleep(60)
    """, r"did not finish within|BadReply|BlockingIOError|WorkerCrashed", QUICK),
    Attack("os._exit", "import os\nos._exit(0)", r"exited \(status 0\)"),
    Attack("sys.exit", "import sys\nsys.exit(0)", r"SystemExit"),
    Attack("KeyboardInterrupt", "raise KeyboardInterrupt", r"KeyboardInterrupt"),
    Attack("BaseException subclass", "class Escape(BaseException):\n    pass\nraise Escape('out')", r"Escape"),
    Attack("segfault", "import ctypes\nctypes.string_at(0)", r"killed by SIGSEGV"),
    Attack("printing gigabytes", "import sys\nwhile True:\n    sys.stdout.write('x' * (1 << 20))",
           r"wrote more than 4 MiB"),
    Attack("reading the hidden suite", f"raise RuntimeError(open({str(SUITE_FILE)!r}).read())",
           r"FileNotFoundError"),
    Attack("importing the reference from its path", f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location("ref", {str(REFERENCE_PACKAGE / 'metrics.py')!r})
        ref = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(ref)
        error = ref.mean_squared_error(y_true, y_pred)
    """, r"FileNotFoundError"),
    Attack("monkeypatching numpy's comparisons", """
        np.allclose = lambda *args, **kwargs: True
        np.testing.assert_allclose = lambda *args, **kwargs: None
        error = 0.0
    """, r"mean_squared_error"),
    Attack("hostile __array__", """
        class Evil(float):
            def __array__(self, *args, **kwargs):
                raise RuntimeError("gotcha")
        error = Evil(0.0)
    """, r"got a value of type Evil"),
    Attack("hostile __eq__ and __repr__", """
        class Liar:
            def __eq__(self, other): return True
            def __repr__(self): raise RuntimeError("no repr")
            def __float__(self): return 0.0
        return Liar()
    """, r"got a value of type Liar"),
    Attack("hostile __del__", """
        import os
        class Bomb:
            def __del__(self): os._exit(3)
        return Bomb()
    """, r"got a value of type Bomb"),
    Attack("huge array", "return np.ones(1 << 18)", r"BadReply: message exceeds"),
    Attack("hard-coded public outputs", "error = 1.4142135623730951", r"mean_squared_error"),
    Attack("pickle payload", """
        import os
        class Payload:
            def __reduce__(self): return (os.system, ("touch /tmp/autograder-pwned",))
        return np.array([Payload()], dtype=object)
    """, r"got a value of type ndarray|object|Unsendable"),
    Attack("a loopback socket", """
        import socket
        socket.create_connection(("127.0.0.1", PORT), timeout=1).sendall(b"leak")
    """, r"ConnectionRefusedError|Network is unreachable|PermissionError: network access is not allowed"),
]


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_attack_loses_the_task_and_explains_itself(tmp_path, attack):
    """The attacked task loses points, the grader finishes and the student is told why."""
    with loopback_listener() as port:
        graded = grade("linear_regression", attacked(tmp_path, attack.code.replace("PORT", str(port))), limits=attack.limits)
    assert graded.internal_errors == []
    assert "metrics" in lost_tasks(graded)
    assert re.search(attack.message, task_output(graded, "metrics")), task_output(graded, "metrics")[:2000]
    assert "Hidden checks of the error metrics" not in results_text(graded)
    assert not Path("/tmp/autograder-pwned").exists()


def test_the_secret_is_not_readable_from_the_environment(tmp_path, monkeypatch):
    """Neither the worker's environment nor its parent's /proc entry holds the grader's secret."""
    monkeypatch.setenv("AUTOGRADER_SECRET", "grader-secret-token-1234")
    code = """
        import os
        found = [str(os.environ)]
        for pid in {os.getppid(), 1}:
            try:
                found.append(open(f"/proc/{pid}/environ").read())
            except OSError as exc:
                found.append(type(exc).__name__)
        raise RuntimeError(" ".join(found))
    """
    graded = grade("linear_regression", attacked(tmp_path, code), limits=SMALL)
    assert "metrics" in lost_tasks(graded)
    assert "RuntimeError" in task_output(graded, "metrics")
    assert "grader-secret-token-1234" not in results_text(graded)


def test_writing_outside_the_sandbox_is_impossible(tmp_path):
    """Writing a results file or gradebook next to the grader's output fails."""
    target = tmp_path / "results.json"
    graded = grade("linear_regression", attacked(tmp_path, f"open({str(target)!r}, 'w').write('{{}}')"), limits=SMALL)
    assert "metrics" in lost_tasks(graded)
    assert re.search("FileNotFoundError|PermissionError", task_output(graded, "metrics"))
    assert not target.exists()


def _zip(path: Path, entries: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            bundle.writestr(info, target)
    return path


def _unusable(graded, reason: str) -> None:
    assert graded.results.score == 0
    assert graded.results.extra_data.get("unusable")
    assert re.search(reason, graded.results.output), graded.results.output


def test_zip_slip_is_refused(tmp_path):
    """An entry that climbs out of the target folder makes the submission unusable, nothing is written."""
    bundle = _zip(tmp_path / "slip.zip", {"numnet/metrics.py": b"", "../../escaped.py": b"x = 1\n"})
    _unusable(grade("linear_regression", bundle, limits=SMALL), "points outside")
    assert not (tmp_path.parent / "escaped.py").exists()


def test_absolute_and_drive_paths_are_refused(tmp_path):
    """Absolute and drive-letter entry names are refused."""
    for name in ("/tmp/abs.py", "C:/evil.py", "numnet/\x01odd.py"):
        bundle = _zip(tmp_path / "odd.zip", {"numnet/metrics.py": b"", name: b"x = 1\n"})
        _unusable(grade("linear_regression", bundle, limits=SMALL), "points outside|can't be stored")


def test_symlink_entries_in_a_zip_are_refused(tmp_path):
    """A symbolic link inside a zip is refused."""
    bundle = _zip(tmp_path / "link.zip", {}, {"numnet/metrics.py": str(REFERENCE_PACKAGE / "metrics.py")})
    _unusable(grade("linear_regression", bundle, limits=SMALL), "symbolic link")


def test_symlinked_folder_to_the_reference_is_not_followed(tmp_path):
    """A submission folder linking to the reference package gets the stubs, not the reference."""
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "numnet").symlink_to(REFERENCE_PACKAGE, target_is_directory=True)
    graded = grade("linear_regression", submission, limits=SMALL)
    assert graded.results.score == 0


def test_zip_bomb_is_refused_before_extraction(tmp_path):
    """A small zip declaring more content than allowed is refused."""
    bundle = _zip(tmp_path / "bomb.zip", {f"numnet/pad{i}.bin": bytes(40 << 20) for i in range(2)})
    assert bundle.stat().st_size < 1 << 20
    _unusable(grade("linear_regression", bundle, limits=SMALL), "declares")


def test_a_build_that_takes_too_long_fails_its_check(tmp_path):
    """A Cython build past its time limit is a failed check with a message; the grader goes on."""
    submission = reference_submission("conv_nets", tmp_path / "submission")
    pyx = next((submission / "numnet").glob("*.pyx"))
    pyx.write_text(pyx.read_text() + f"\n# {tmp_path.name}\n")  # a new source: no cached build
    graded = grade("conv_nets", submission, limits=Limits(build_seconds=0.3, call_seconds=2, submission_seconds=20))
    assert graded.internal_errors == []
    assert "did not finish within 0.3 s" in results_text(graded)
    assert lost_tasks(graded)


def test_an_honest_submission_after_attacks_gets_full_marks(tmp_path):
    """Attacks leave nothing behind: the next honest submission grades normally."""
    for index, attack in enumerate(a for a in ATTACKS if a.name in ("fork bomb", "segfault", "printing gigabytes")):
        grade("linear_regression", attacked(tmp_path / str(index), attack.code), limits=attack.limits)
    graded = grade("linear_regression", reference_submission("linear_regression", tmp_path / "honest"), limits=SMALL)
    assert graded.results.score == graded.results.max_score
    assert graded.results.extra_data["worker"]["restarts"] == 0


@pytest.mark.parametrize("level", ["unshare", "rlimits"])
def test_weaker_isolation_levels_still_grade_and_refuse_sockets(tmp_path, level):
    """The fallback levels grade an honest submission fully and still stop a loopback connection."""
    limits = Limits(call_seconds=2, submission_seconds=20, isolation=level)
    honest = grade("linear_regression", reference_submission("linear_regression", tmp_path / "honest"), limits=limits)
    assert honest.results.score == honest.results.max_score
    assert honest.results.extra_data["isolation"]["level"] == level
    socket_attack = next(a for a in ATTACKS if a.name == "a loopback socket")
    with loopback_listener() as port:
        graded = grade("linear_regression", attacked(tmp_path, socket_attack.code.replace("PORT", str(port))), limits=limits)
    assert "metrics" in lost_tasks(graded)
    assert re.search(socket_attack.message, task_output(graded, "metrics"))


def test_the_isolation_in_use_is_reported(tmp_path):
    """Results name the isolation mechanisms; on this machine the strongest available one is used."""
    graded = grade("linear_regression", reference_submission("linear_regression", tmp_path / "s"), limits=SMALL)
    report = graded.results.extra_data["isolation"]
    assert set(report) == {"level", "network", "filesystem", "user", "seccomp"}
    assert report["level"] == ("bwrap" if shutil.which("bwrap") else report["level"])
    assert report["level"] in ("bwrap", "unshare", "rlimits")
    if report["level"] == "bwrap":
        assert report["seccomp"] == "on"
        assert report["user"] == ("a user of its own per sandbox" if os.geteuid() == 0 else "the grader's user")
