"""Hostile Cython builds and channels between students (issue 11, sections 1-2).

Most attacks use a one-function ``.pyx`` built by :func:`build_extensions` directly
(seconds, not a conv_nets grade); one conv_nets grade shows a refused build costing the
attacked task its points in the student's results.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from autograder.grading.build import BuildOutcome, UnconfinedBuild, build_extensions
from autograder.grading.client import StudentPackage, StudentProcess
from autograder.grading.limits import Limits
from autograder.grading.runner import GradingOptions, grade_submission
from autograder.grading.seeds import Secret
from grading_support import TEST_SECRET, lost_tasks, reference_submission

TINY = """\
# cython: language_level=3, boundscheck=False
def answer():
    return {value}
"""
LIMITS = Limits(call_seconds=5, submission_seconds=30, build_seconds=120)
SECRET_TEXT = "course-secret-7f3a9c-never-shown"
CONFINED = shutil.which("bwrap") is not None
needs_bwrap = pytest.mark.skipif(not CONFINED, reason="bubblewrap is not installed")


def tiny_sandbox(root: Path, source: str) -> Path:
    """A sandbox whose package holds one ``.pyx`` file."""
    package = root / "sandbox" / "numnet"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "tiny.pyx").write_text(source)
    return root / "sandbox"


def build(root: Path, source: str, cache: Path, limits: Limits = LIMITS, refuse_unconfined: bool = True) -> BuildOutcome:
    sandbox = tiny_sandbox(root, source)
    work = root / "work"
    work.mkdir()
    outcome = build_extensions(sandbox, work, limits, cache, package="numnet", refuse_unconfined=refuse_unconfined)
    assert outcome is not None
    return outcome


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course folder holding a secret file and another student's submission."""
    folder = tmp_path / "course"
    (folder / "submitted" / "victim" / "conv_nets" / "numnet").mkdir(parents=True)
    (folder / "secret.txt").write_text(SECRET_TEXT)
    (folder / "submitted" / "victim" / "conv_nets" / "numnet" / "im2col_cython.pyx").write_text(f"# {SECRET_TEXT}\n")
    return folder


REFUSED = {
    "a compiler wrapper": ("# distutils: extra_compile_args = -wrapper /bin/sh,-c,touch {marker}\n", 1),
    "a response file": ("# distutils: extra_compile_args = @{secret}\n", 1),
    "extra sources": ("# distutils: sources = {secret}\n", 1),
    "an unlisted Cython directive": ("# cython: language_level=3, profile=True\n", 1),
    "extern from an absolute path": ('cdef extern from "{secret}":\n    pass\n', 1),
    "extern from a response-file-like name": ('cdef extern from "@{secret}":\n    pass\n', 1),
    "extern from a parent folder": ('\n\ncdef extern from \\\n    "../../course/secret.txt":\n    pass\n', 3),
    "extern through an escape": ('cdef extern from "\\x2fetc\\x2fpasswd":\n    pass\n', 1),
    "include of an absolute path": ('include "{secret}"\n', 1),
    "include through a parent folder": ('\ninclude "../secret.pxi"\n', 2),
}


@pytest.mark.parametrize("name", REFUSED)
def test_dangerous_directives_are_refused_naming_the_line(tmp_path, course, name):
    """Nothing is compiled; the message names file and line; nothing the directive asked for happens."""
    header, line = REFUSED[name]
    marker = tmp_path / "pwned"
    source = header.format(marker=marker, secret=course / "secret.txt") + TINY.format(value=1)
    outcome = build(tmp_path, source, tmp_path / "cache")
    assert outcome.refused and not outcome.ok
    assert re.search(rf"^numnet/tiny\.pyx:{line}: ", outcome.log, re.M), outcome.log
    assert SECRET_TEXT not in outcome.log
    assert not marker.exists()
    assert not (tmp_path / "cache").exists()


def test_allowed_directives_and_headers_build(tmp_path, make_student):
    """The documented directives, a toolchain header and an include of the package's own .pxi are fine."""
    source = ("# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False\n"
              'cdef extern from "math.h":\n    double sqrt(double x)\n'
              'include "helpers.pxi"\n'
              "def answer():\n    return int(sqrt(HELPER))\n")
    sandbox = tiny_sandbox(tmp_path, source)
    (sandbox / "numnet" / "helpers.pxi").write_text("HELPER = 49.0\n")
    work = tmp_path / "work"
    work.mkdir()
    outcome = build_extensions(sandbox, work, LIMITS, tmp_path / "cache", package="numnet", refuse_unconfined=True)
    assert outcome is not None and outcome.ok, outcome.log
    process = StudentProcess(sandbox, tmp_path / "runtime", LIMITS, tmp_path / "worker.log")
    try:
        assert StudentPackage(process, "numnet").tiny.answer() == 7
    finally:
        process.close()


VERBATIM = {
    "incbin": textwrap.dedent(r'''
        cdef extern from *:
            """
            __asm__(".section .rodata\\n.global leaked_bytes\\nleaked_bytes:\\n.incbin \\"{path}\\"\\n.byte 0\\n.previous\\n");
            extern const char leaked_bytes[];
            """
            const char leaked_bytes[]
        def answer():
            return leaked_bytes.decode()
        '''),
    "include": textwrap.dedent('''\
        cdef extern from *:
            """
            #include "{path}"
            """
        def answer():
            return 1
        '''),
}


@needs_bwrap
@pytest.mark.parametrize("how", VERBATIM)
@pytest.mark.parametrize("target", ["the course secret", "another student's submission"])
def test_verbatim_c_cannot_reach_the_graders_files(tmp_path, course, how, target):
    """``.incbin`` / ``#include`` in verbatim C of a file outside the build: the file does not exist
    in the sandbox, so the build fails, and its log holds neither the content nor the path."""
    path = course / ("secret.txt" if target == "the course secret" else "submitted/victim/conv_nets/numnet/im2col_cython.pyx")
    outcome = build(tmp_path, VERBATIM[how].format(path=path), tmp_path / "cache")
    assert not outcome.ok and not outcome.refused
    assert outcome.isolation == "bwrap"
    assert re.search(r"No such file|not found|can't open|cannot open", outcome.log, re.I), outcome.log
    assert SECRET_TEXT not in outcome.log
    assert str(tmp_path) not in outcome.log and "/tmp/" not in outcome.log
    assert not (tmp_path / "cache").exists()


def test_without_bubblewrap_the_same_attack_reads_the_secret(tmp_path, course):
    """The control for the test above: at a level that shares the file system, ``.incbin`` works,
    which is why such levels refuse to compile with a real secret unless told otherwise."""
    weak = Limits(call_seconds=5, submission_seconds=30, build_seconds=120, isolation="unshare")
    outcome = build(tmp_path, VERBATIM["incbin"].format(path=course / "secret.txt"), tmp_path / "cache", weak,
                    refuse_unconfined=False)
    assert outcome.ok, outcome.log
    process = StudentProcess(tmp_path / "sandbox", tmp_path / "runtime", weak, tmp_path / "worker.log")
    try:
        assert StudentPackage(process, "numnet").tiny.answer() == SECRET_TEXT
    finally:
        process.close()


def test_build_log_is_capped_and_names_no_machine_path(tmp_path):
    """A build failing with a flood of compiler messages, some inside NumPy's headers: the student
    sees the tail, capped, with the folders of the grading machine replaced by labels."""
    noise = "".join(f"    #warning {'x' * 60} {i}\n" for i in range(200))
    source = TINY.format(value=1) + f'cdef extern from *:\n    """\n{noise}    #define PyObject_HEAD garbage garbage\n' \
        '    #include <numpy/ndarraytypes.h>\n    """\n'
    outcome = build(tmp_path, source, tmp_path / "cache")
    assert not outcome.ok
    assert "numnet/tiny.c" in outcome.log and "<numpy>/" in outcome.log, outcome.log[-2000:]
    assert outcome.log.startswith("...\n") and len(outcome.log) <= 6100
    assert not re.search(r"(?<![\w.<>])/(?!usr/)\w[\w.+-]*/", outcome.log), outcome.log
    assert str(tmp_path) not in outcome.log


@needs_bwrap
def test_the_cache_is_out_of_reach_and_keyed_by_the_sources(tmp_path, make_student):
    """Builds and workers can neither read nor write the cache; identical sources load the cached build."""
    cache = tmp_path / "cache"
    first = build(tmp_path / "a", TINY.format(value=11), cache)
    assert first.ok and not first.cached, first.log
    (entry,) = [entry for entry in cache.iterdir() if not entry.name.startswith("shared-")]
    (built,) = entry.iterdir()
    trusted = built.read_bytes()
    assert cache.stat().st_mode & 0o077 == 0

    peek = build(tmp_path / "b", VERBATIM["include"].format(path=built), cache)
    assert not peek.ok and re.search(r"No such file", peek.log)
    student = make_student(f"""
        import os
        def look():
            try:
                return sorted(os.listdir({str(cache)!r}))
            except OSError as exc:
                return type(exc).__name__
        def overwrite():
            try:
                open({str(built)!r}, "wb").write(b"poison")
                return "written"
            except OSError as exc:
                return type(exc).__name__
    """)
    assert student.probe.look() == "FileNotFoundError"
    assert student.probe.overwrite() == "FileNotFoundError"

    again = build(tmp_path / "c", TINY.format(value=11), cache)
    assert again.ok and again.cached
    assert built.read_bytes() == trusted
    assert (tmp_path / "c" / "sandbox" / "numnet" / built.name).read_bytes() == trusted
    assert sorted(p.name for p in cache.iterdir() if not p.name.startswith("shared-")) == [entry.name]


def test_fallback_level_refuses_to_compile_with_a_real_secret(tmp_path):
    """At a level that can't hide the grader's files, student C code is compiled only when allowed."""
    weak = Limits(call_seconds=5, submission_seconds=30, build_seconds=120, isolation="unshare")
    with pytest.raises(UnconfinedBuild, match="bubblewrap.*--allow-unconfined-build"):
        build(tmp_path / "refused", TINY.format(value=5), tmp_path / "cache", weak, refuse_unconfined=True)
    assert not (tmp_path / "cache").exists()
    allowed = build(tmp_path / "allowed", TINY.format(value=5), tmp_path / "cache", weak, refuse_unconfined=False)
    assert allowed.ok and allowed.isolation == "unshare", allowed.log


def test_grading_refuses_an_unconfined_build_with_a_real_secret_only(tmp_path):
    """``grade_submission`` raises for a real secret at a weak level; the demo secret may build there."""
    from autograder.grading.seeds import DEMO_SECRET

    submission = reference_submission("conv_nets", tmp_path / "submission")
    pyx = next((submission / "numnet").glob("*.pyx"))
    pyx.write_text(pyx.read_text() + f"\n# {tmp_path.name}\n")  # a new source: no cached build
    weak = Limits(call_seconds=2, submission_seconds=20, build_seconds=0.5, isolation="rlimits")
    options = GradingOptions(limits=weak, secret=TEST_SECRET, build_cache=tmp_path / "cache")
    with pytest.raises(UnconfinedBuild, match="'rlimits'"):
        grade_submission("conv_nets", submission, "s", options)
    demo = GradingOptions(limits=weak, secret=Secret(DEMO_SECRET, "demo"), build_cache=tmp_path / "cache")
    graded = grade_submission("conv_nets", submission, "s", demo)
    assert graded.results.extra_data["build"]["isolation"] == "rlimits"


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_a_refused_build_costs_the_task_and_explains_itself(tmp_path):
    """The wrapper directive in the real extension: the .pyx task scores 0 with a message naming the line,
    nothing runs, and the results record the build (level included) without any absolute path."""
    submission = reference_submission("conv_nets", tmp_path / "submission")
    pyx = next((submission / "numnet").glob("*.pyx"))
    marker = tmp_path / "pwned"
    pyx.write_text(f"# distutils: extra_compile_args = -wrapper /bin/sh,-c,touch {marker}\n" + pyx.read_text())
    secret_file = Secret(TEST_SECRET.value, str(tmp_path / "course" / "secret.txt"))  # as loaded from a file
    graded = grade_submission("conv_nets", submission, "attacker", GradingOptions(secret=secret_file))
    tasks = graded.results.extra_data["tasks"]
    pyx_task = next(name for name, task in tasks.items() if name in lost_tasks(graded))
    assert tasks[pyx_task]["score"] == 0
    build_check = next(t for t in graded.results.tests if t.name.endswith("build the Cython extension"))
    assert build_check.status == "failed" and "refused" in build_check.output
    assert re.search(rf"numnet/{pyx.name}:1: '# distutils:'", build_check.output)
    assert not marker.exists()
    record = graded.results.extra_data["build"]
    assert record["refused"] and not record["ok"] and record["isolation"] == graded.results.extra_data["isolation"]["level"]
    assert not [s for s in _strings(graded.results.extra_data) if s.startswith("/")]
    assert str(tmp_path) not in json.dumps(graded.results.to_json())


CHANNELS = """
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    libc.shmat.restype = ctypes.c_void_p
    ADD_KEY, REQUEST_KEY, USER_KEYRING = 248, 249, -4

    def ids():
        return [os.getuid(), sorted(int(p) for p in os.listdir("/proc") if p.isdigit())]

    def plant():
        payload = b"from-student-a"
        key = libc.syscall(ADD_KEY, b"user", b"channel", payload, len(payload), USER_KEYRING)
        key_errno = ctypes.get_errno()
        segment = libc.shmget(0x5EED, 4096, 0o1666)
        if segment >= 0:
            ctypes.memmove(libc.shmat(segment, None, 0), payload, len(payload))
        return [key, key_errno, segment]

    def pick_up():
        key = libc.syscall(REQUEST_KEY, b"user", b"channel", None, 0)
        key_errno = ctypes.get_errno()
        segment = libc.shmget(0x5EED, 0, 0)
        return [key, key_errno, segment, ctypes.get_errno()]
"""


@needs_bwrap
def test_two_concurrent_workers_share_no_keyring_ipc_or_user(make_student):
    """Keyrings are refused by the filter, SysV shared memory is private to each sandbox, and each
    worker runs as its own user and sees only its own processes."""
    import errno

    first, second = make_student(CHANNELS), make_student(CHANNELS)
    key, key_errno, segment = first.probe.plant()
    assert key == -1 and key_errno == errno.EPERM
    assert segment >= 0  # the planter's own namespace has the segment...
    key, key_errno, segment, shm_errno = second.probe.pick_up()
    assert key == -1 and key_errno == errno.EPERM
    assert segment == -1 and shm_errno == errno.ENOENT  # ...the other sandbox does not
    (uid_a, pids_a), (uid_b, pids_b) = first.probe.ids(), second.probe.ids()
    if os.geteuid() == 0:
        assert uid_a != uid_b and 0 not in (uid_a, uid_b)
    assert len(pids_a) <= 3 and len(pids_b) <= 3  # bwrap's init, the launcher's child, the worker


@needs_bwrap
def test_the_seccomp_filter_refuses_tracing_and_namespaces(make_student):
    """ptrace and unshare fail with EPERM inside a worker."""
    student = make_student("""
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        def attempts():
            results = []
            for call in (lambda: libc.ptrace(16, 1, None, None), lambda: libc.unshare(0x10000000)):
                results.append([call(), ctypes.get_errno()])
            return results
    """)
    import errno

    assert student.probe.attempts() == [[-1, errno.EPERM], [-1, errno.EPERM]]


@pytest.mark.skipif(os.geteuid() != 0, reason="per-sandbox users need root")
def test_giving_a_user_back_kills_what_it_left_running():
    """A process started under a leased user (in its own session, as a daemon would) dies with the lease."""
    import subprocess

    from autograder.grading.users import lease_user

    user = lease_user()
    daemon = subprocess.Popen(["sleep", "600"], start_new_session=True,
                              preexec_fn=lambda: (os.setgroups([]), os.setgid(user.gid), os.setuid(user.uid)))
    try:
        assert daemon.poll() is None
        user.release()
        assert daemon.wait(timeout=10) == -9
    finally:
        daemon.kill()


def test_weaker_levels_are_announced_loudly():
    """The instructor's warning names the missing protection; the full sandbox gets none."""
    from autograder.grading.isolation import Isolation, weaker_level_warning

    assert weaker_level_warning(Isolation("bwrap", os.geteuid() == 0, True)) is None
    warning = weaker_level_warning(Isolation("unshare", os.geteuid() == 0))
    assert warning and warning.startswith("WARNING") and "bubblewrap" in warning and "'unshare'" in warning
    if os.geteuid() == 0:
        assert "grader's own user" in weaker_level_warning(Isolation("bwrap", False, True))
