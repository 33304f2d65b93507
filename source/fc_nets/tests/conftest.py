"""Public tests of fc_nets: the assignment's own ``numnet`` comes first on sys.path."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def pytest_configure(config):
    config.addinivalue_line("markers", "task(name): the graded task of fc_nets that a test exercises")
    config.addinivalue_line("markers", "rule(*ids): the rules, stated in the docstrings, that a test exercises")
