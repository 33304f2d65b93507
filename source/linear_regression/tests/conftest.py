"""Public tests of linear_regression, run against the assignment's own ``numnet``."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def pytest_configure(config):
    config.addinivalue_line("markers", "task(name): the graded task of linear_regression that a test exercises")
    config.addinivalue_line("markers", "rule(*ids): the rules, stated in the docstrings, that a test exercises")
