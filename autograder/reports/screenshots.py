"""Screenshots of a student's formgrader page and of the class report, with headless Chromium.

    python -m autograder.reports.screenshots COURSE_DIR ASSIGNMENT STUDENT [--out DIR]

Starts a Jupyter server with nbgrader's formgrader on a free loopback port in
COURSE_DIR (after ``autograder batch``), finds the student's ``Autograder``
notebook through the formgrader's JSON API, and saves ``formgrader.png`` (that
page: every task with its score, checks and comment box) and
``class_report.png``. Needs Debian's ``chromium`` (``apt-get install -y chromium``).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from autograder.release.grading_notebook import NAME as GRADING

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars")


@dataclass(frozen=True)
class Formgrader:
    """A running formgrader: its base URL and access token."""

    base: str
    token: str

    def url(self, path: str) -> str:
        return f"{self.base}{path}{'&' if '?' in path else '?'}token={self.token}"

    def browser_url(self, path: str) -> str:
        """A URL that logs a browser in with the token (a cookie valid for the API calls the
        page's scripts make), then shows ``path``."""
        return f"{self.base}/login?next={urllib.parse.quote(path, safe='')}&token={self.token}"

    def get(self, path: str):
        """The JSON reply of the formgrader API at ``path``."""
        with urllib.request.urlopen(self.url(path), timeout=60) as reply:
            return json.loads(reply.read())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def formgrader(course_root: Path, env: dict[str, str] | None = None, start_seconds: float = 120) -> Iterator[Formgrader]:
    """Serve nbgrader's formgrader for ``course_root`` on 127.0.0.1 until the block ends."""
    port, token = _free_port(), secrets.token_hex(16)
    jupyter = Path(sys.executable).parent / "jupyter"
    server = subprocess.Popen(
        [str(jupyter), "server", "--no-browser", f"--port={port}", "--ip=127.0.0.1", f"--IdentityProvider.token={token}",
         "--ServerApp.allow_root=True", "--ServerApp.jpserver_extensions={'nbgrader.server_extensions.formgrader': True}"],
        cwd=course_root, env=env or os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    running = Formgrader(f"http://127.0.0.1:{port}", token)
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                running.get("/api/status")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the Jupyter server with the formgrader did not start") from None
                time.sleep(0.5)
        yield running
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def grading_submission_id(server: Formgrader, assignment: str, student: str) -> str:
    """The formgrader id of ``student``'s graded ``Autograder`` notebook."""
    for notebook in server.get(f"/formgrader/api/submitted_notebooks/{assignment}/{GRADING}"):
        if notebook["student"] == student:
            return notebook["id"]
    raise LookupError(f"{student} has no graded {GRADING} notebook for {assignment}: run `autograder batch` first")


def screenshot(url: str, dest: Path, size: tuple[int, int] = (1280, 2200)) -> Path:
    """Save a PNG of ``url`` as Chromium renders it (scripts get ten seconds of virtual time)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise FileNotFoundError("Chromium is not installed (Debian: apt-get install -y chromium)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}",
                        "--virtual-time-budget=10000", f"--screenshot={dest}", url],
                       check=True, capture_output=True, timeout=180)
    return dest


def take_screenshots(course_root: Path, assignment: str, student: str, out: Path) -> list[Path]:
    """The formgrader page of ``student``'s tasks and the class report, as PNG files in ``out``."""
    with formgrader(course_root) as server:
        page = server.browser_url(f"/formgrader/submissions/{grading_submission_id(server, assignment, student)}/")
        shots = [screenshot(page, out / "formgrader.png")]
    report = course_root / "reports" / assignment / "class_report.html"
    shots.append(screenshot(report.resolve().as_uri(), out / "class_report.png"))
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course_dir", type=Path)
    parser.add_argument("assignment")
    parser.add_argument("student")
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    args = parser.parse_args(argv)
    for path in take_screenshots(args.course_dir.resolve(), args.assignment, args.student, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
