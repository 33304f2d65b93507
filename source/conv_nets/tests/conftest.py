"""Public tests of conv_nets; the im2col and fast-layer tests need `python -m numnet.build_ext` first."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def pytest_configure(config):
    config.addinivalue_line("markers", "task(name): the graded task of conv_nets that a test exercises")
    config.addinivalue_line("markers", "rule(*ids): the rules, stated in the docstrings, that a test exercises")
