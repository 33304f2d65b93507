"""``autograder grade`` starts without the reports stack, plotting or Dask (issue 15: a lean grade)."""
from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "dask", "distributed", "autograder.reports.write")
PROBE = ("import sys\n"
         "from autograder.cli import build_parser\n"
         "build_parser().parse_args(['grade', 'conv_nets', 'submission'])\n"
         "import autograder.grading.runner\n"
         f"print(','.join(name for name in {HEAVY!r} if name in sys.modules))\n")


def test_parsing_a_grade_command_imports_nothing_heavy():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", f"imported at start-up: {done.stdout.strip()}"
