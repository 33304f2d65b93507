"""Malformed zips: each kind gives its student a results.json with a clear failed check and
exit status 0, through ``autograder grade`` and in a batch, where the other students are
graded as usual."""
from __future__ import annotations

import json
import re
import struct
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from autograder.batch.run import BatchOptions, run_batch
from autograder.cli import main
from autograder.grading.results import Results
from autograder.grading.runner import GradingOptions
from autograder.paths import CourseLayout
from autograder.reports.write import ReportPaths, write_reports
from grading_support import TEST_SECRET, reference_submission

ASSIGNMENT = "linear_regression"


def zip_of(folder: Path, archive: Path, method: int = zipfile.ZIP_STORED, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(archive, "w", method) as bundle, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names, which one case wants
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, path.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            bundle.writestr(name, data)
    return archive


def patch_headers(data: bytes, flags: int | None = None, method: int | None = None) -> bytes:
    """Set the flag bits or compression method of every local and central header."""
    out = bytearray(data)
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = out.find(signature)
        while start >= 0:
            if flags is not None:
                out[start + flag_at:start + flag_at + 2] = struct.pack("<H", flags)
            if method is not None:
                out[start + method_at:start + method_at + 2] = struct.pack("<H", method)
            start = out.find(signature, start + 4)
    return bytes(out)


def flip(data: bytes, marker: bytes) -> bytes:
    at = data.index(marker) + len(marker) // 2
    return data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1:]


def rewrite(make: Callable[[bytes], bytes]) -> Callable[[Path, Path], Path]:
    def build(folder: Path, archive: Path) -> Path:
        archive.write_bytes(make(zip_of(folder, archive).read_bytes()))
        return archive
    return build


def deflated_and_damaged(folder: Path, archive: Path) -> Path:
    data = zip_of(folder, archive, zipfile.ZIP_DEFLATED).read_bytes()
    with zipfile.ZipFile(archive) as bundle:
        largest = max(bundle.infolist(), key=lambda m: m.compress_size)
    start = largest.header_offset + 30 + len(largest.filename.encode())
    middle = start + largest.compress_size // 2
    archive.write_bytes(data[:middle] + bytes(64) + data[middle + 64:])
    return archive


DEEP = "/".join(["d" * 30] * 40) + "/x.py"
KINDS: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "file then folder": (lambda f, a: zip_of(f, a, extra={"numnet/metrics.py/inner.py": b"x = 1\n"}),
                         r"'numnet/metrics.py' is both a file and a folder"),
    "folder then file": (lambda f, a: zip_of(f, a, extra={"notes/": b"", "notes": b"text"}), r"'notes' is both a file and a folder"),
    "over-long path": (lambda f, a: zip_of(f, a, extra={DEEP: b""}), r"has a path longer than 1024 bytes or deeper than 32 folders"),
    "over-long name": (lambda f, a: zip_of(f, a, extra={"numnet/" + "n" * 300 + ".py": b""}), r"has a name that can't be stored"),
    "bad CRC": (rewrite(lambda d: flip(d, b"def mean_squared_error")), r"can't be extracted \(BadZipFile: Bad CRC-32"),
    "damaged deflate stream": (deflated_and_damaged, r"can't be extracted \(\w+"),
    "unsupported compression": (rewrite(lambda d: patch_headers(d, method=9)), r"uses compression method 9, which can't be read"),
    "encrypted entries": (rewrite(lambda d: patch_headers(d, flags=0x1)), r"is encrypted; submit a zip without a password"),
    "duplicate names": (lambda f, a: zip_of(f, a, extra={"numnet/metrics.py": b"def mean_squared_error(): pass\n"}),
                        r"'numnet/metrics.py' appears twice"),
    "truncated archive": (rewrite(lambda d: d[: len(d) // 2]), r"is not a readable zip archive \(BadZipFile"),
    "not a zip at all": (rewrite(lambda d: b"these are not the bytes of a zip\n" * 10), r"is not a readable zip archive"),
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    return reference_submission(ASSIGNMENT, tmp_path_factory.mktemp("reference") / "submission")


def assert_unusable(results: Results, message: str) -> None:
    assert results.score == 0 and results.extra_data["unusable"]
    assert results.tests and all(t.status == "failed" and t.name.endswith(": submission") for t in results.tests)
    assert all(re.search(message, t.output) for t in results.tests), results.tests[0].output
    assert re.search(message, results.output)


@pytest.mark.parametrize("kind", list(KINDS))
def test_autograder_grade_explains_a_malformed_zip(tmp_path, reference, monkeypatch, capsys, kind):
    monkeypatch.setenv("AUTOGRADER_SECRET", TEST_SECRET.value.decode())
    build, message = KINDS[kind]
    archive = build(reference, tmp_path / "submission.zip")
    out = tmp_path / "out"
    status = main(["grade", ASSIGNMENT, str(archive), "--results", str(out / "results.json"),
                   "--junit", str(out / "junit.xml"), "--feedback", str(out / "feedback.html")])
    assert status == 0, capsys.readouterr()
    assert_unusable(Results.from_json(json.loads((out / "results.json").read_text())), message)
    assert "Traceback" not in capsys.readouterr().err
    assert (out / "junit.xml").is_file() and (out / "feedback.html").is_file()


@pytest.mark.slow
def test_a_batch_grades_everyone_around_the_malformed_zips(tmp_path, reference):
    """A batch of every malformed kind plus one good zip: each malformed one gets its explained
    results, the good one full marks, and every report is written."""
    course = CourseLayout(tmp_path / "course")
    zips = tmp_path / "zips"
    zips.mkdir()
    students = {f"s{index:02d}": kind for index, kind in enumerate(KINDS)}
    for student, kind in students.items():
        KINDS[kind][0](reference, zips / f"{student}.zip")
    zip_of(reference, zips / "zz_good.zip", zipfile.ZIP_DEFLATED)
    rows = run_batch(ASSIGNMENT, course, BatchOptions(GradingOptions(secret=TEST_SECRET), workers=2, zips=zips))
    by_student = {row.student: row for row in rows}
    assert set(by_student) == {*students, "zz_good"}
    assert by_student["zz_good"].results.score == 100 and not by_student["zz_good"].error
    for student, kind in students.items():
        row = by_student[student]
        assert row.error == "", (kind, row.error)
        assert_unusable(row.results, KINDS[kind][1])
        on_disk = json.loads((course.autograded / student / ASSIGNMENT / "results.json").read_text())
        assert on_disk["score"] == 0 and on_disk["extra_data"]["unusable"]
    paths = write_reports(course, ASSIGNMENT, rows)
    assert paths == ReportPaths.of(course, ASSIGNMENT)
    assert all(path.is_file() for path in (paths.csv, paths.junit, paths.html, paths.gradebook))
