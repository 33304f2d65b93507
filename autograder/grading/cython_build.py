"""The build step that runs inside the sandbox: Cython, then the C compiler, as described.

Started by :mod:`autograder.grading.build` as
``python -I -S -B cython_build.py DESCRIPTION.json`` from a private copy of this
file. Everything that decides the result (module names, include folders, compiler,
flags) comes from the grader's description; the build folder holds only the
submission's Cython sources, staged by the grader. Only the standard library and
the folders the description names (Cython, NumPy) are importable.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys


def cythonize(description: dict, stem: str) -> str:
    """Translate ``PACKAGE/STEM.pyx`` to C; the path of the C file."""
    from Cython.Compiler.Main import CompilationOptions, compile_single, default_options

    package = description["package"]
    source = os.path.join(package, stem + ".pyx")
    c_file = os.path.join(package, stem + ".c")
    options = CompilationOptions(default_options, output_file=c_file, include_path=["."] + description["library_dirs"],
                                 **description["cython_options"])
    result = compile_single(source, options, full_module_name=f"{package}.{stem}")
    if result.num_errors:
        raise SystemExit(f"Cython could not translate {source}")
    return c_file


def compile_extension(description: dict, stem: str, c_file: str) -> None:
    """Compile and link ``c_file`` into ``out/STEM<suffix>``."""
    target = os.path.join("out", stem + description["ext_suffix"])
    includes = [f"-I{folder}" for folder in description["include_dirs"]]
    command = [description["compiler"], *description["flags"], *includes, c_file, "-o", target]
    done = subprocess.run(command, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"the C compiler failed on {c_file} (exit status {done.returncode})")


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        description = json.load(handle)
    sys.path[:0] = description["library_dirs"]
    import Cython.Shadow  # what the top-level ``cython`` module re-exports; only the package folder is visible

    sys.modules.setdefault("cython", Cython.Shadow)
    os.makedirs("out", exist_ok=True)
    for stem in description["modules"]:
        compile_extension(description, stem, cythonize(description, stem))


if __name__ == "__main__":
    main()
