"""Similarity of students' task code across a class and against known solutions.

The output is evidence for a person to review, never an automatic penalty.
See ``docs/similarity.md``.
"""
from __future__ import annotations

NOTICE = ("Similarity is evidence for a person to review, never an automatic penalty: "
          "independent students can write alike code, and a high score proves nothing on its own.")
