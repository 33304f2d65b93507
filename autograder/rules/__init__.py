"""Rules: what the stub docstrings promise, which public tests show it and which
hidden checks enforce it (``autograder rules``; see ``docs/rules.md``)."""
