"""The untrusted side: the code that runs inside the sandbox, next to student code.

``worker.py`` answers the grader's requests, ``wire.py`` is the message format both
sides speak, and ``cython_build.py`` compiles a submission's Cython files. Each is
copied into a private runtime folder and started with ``python -I -S -B``, so these
modules may import only the standard library, NumPy, Cython (the build script) and
each other; ``tests/test_untrusted_imports.py`` enforces it. The trusted grader
imports ``wire`` from here to read and write the same messages.
"""
