"""Grading a whole class: discovery, scheduling, resumable state (see ``docs/batch.md``)."""
