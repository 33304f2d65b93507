"""The grading engine, the trusted side: runner, plugin, checks, comparisons, the
build and the worker's launch, results. What runs in the sandbox is in
:mod:`autograder.untrusted`."""
