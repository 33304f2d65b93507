"""What the docstrings leave open is not graded (issue 13, "only what is stated"):
batch norm's backward after a test-mode forward is not asked for, so code that keeps
no cache in test mode, as most course code does, scores full marks."""
from __future__ import annotations

import pytest

from grading_support import Mutation, grade_mutation, lost_tasks

NO_CACHE_IN_TEST_MODE = Mutation(
    "batchnorm keeps no cache in test mode", "numnet/layers.py",
    'cache = {"mode": mode, "x_centered": x_centered, "x_hat": x_hat, "inv_std": inv_std, "gamma": gamma}',
    'cache = {"mode": mode, "x_centered": x_centered, "x_hat": x_hat, "inv_std": inv_std, "gamma": gamma}'
    ' if mode == "train" else None')


@pytest.mark.parametrize("assignment", ["fc_nets", "conv_nets"])
def test_batchnorm_without_a_test_mode_cache_scores_full_marks(tmp_path, assignment):
    assert lost_tasks(grade_mutation(assignment, tmp_path, NO_CACHE_IN_TEST_MODE)) == set()
