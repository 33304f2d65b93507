"""The grading engine: the trusted side (runner, plugin, comparisons, results) and
the untrusted worker it talks to (``worker.py`` with ``wire.py``)."""
