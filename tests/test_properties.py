"""Property tests of the hidden suites over many student ids, run in this process.

The measurement of ``make invariance`` (:mod:`invariance`) with few ids: the reference
scores full marks on every hidden test for every id; every corpus bug (and every demo
mistake, through the corpus bug it equals) loses points on exactly the tasks it names,
for every id; every alternative correct implementation scores full marks for every id.

The numbers of ids come from ``$AUTOGRADER_PROPERTY_IDS`` (reference), ``$AUTOGRADER_BUG_IDS``
(bugs) and ``$AUTOGRADER_ALTERNATIVE_IDS`` (alternatives); the defaults keep ``make test``
short, ``make invariance`` measures thousands (docs/invariance.md).
"""
from __future__ import annotations

import os

import pytest

from invariance import ASSIGNMENTS, measure

IDS = {"reference": int(os.environ.get("AUTOGRADER_PROPERTY_IDS", "40")),
       "bug": int(os.environ.get("AUTOGRADER_BUG_IDS", "2")),
       "alternative": int(os.environ.get("AUTOGRADER_ALTERNATIVE_IDS", "2"))}


@pytest.mark.slow
@pytest.mark.parametrize("kind", IDS)
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_submission_gets_the_same_verdict_for_every_student_id(assignment, kind, tmp_path):
    sizes = {f"{k}_ids": (count if k == kind else 0) for k, count in IDS.items()}
    rows = measure(assignment, workdir=tmp_path, **sizes)
    assert rows and all(row.ids == IDS[kind] for row in rows)
    assert {row.name: row.examples for row in rows if row.passing != row.ids} == {}
