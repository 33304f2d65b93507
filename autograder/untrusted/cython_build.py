"""The build step that runs inside the sandbox: Cython, then the C compiler, as described.

Started by :mod:`autograder.grading.build` as
``python -I -S -B cython_build.py DESCRIPTION.json`` from a private copy of this
file. Everything that decides the result (module names, include folders, compiler,
flags, the shared utility module) comes from the grader's description; the build
folder holds only the submission's Cython sources, staged by the grader. Only the
standard library and the folders the description names (Cython, NumPy) are importable.

Modules are translated with ``shared_utility_qualified_name``: Cython's own support
code (memoryviews, fused types) is left out of them and imported at run time from the
shared utility module, which the grader builds once per toolchain with the same
script (``"generate_shared": true``, no sources) and caches.
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
                                 shared_utility_qualified_name=description["shared_utility"],
                                 **description["cython_options"])
    result = compile_single(source, options, full_module_name=f"{package}.{stem}")
    if result.num_errors:
        raise SystemExit(f"Cython could not translate {source}")
    return c_file


def generate_shared(description: dict) -> tuple[str, str]:
    """Write the C file of the shared utility module; its stem and the path of the C file."""
    from Cython.Build.SharedModule import generate_shared_module
    from Cython.Compiler.Main import CompilationOptions, default_options

    stem = description["shared_utility"].rpartition(".")[2]
    c_file = os.path.join(description["package"], stem + ".c")
    generate_shared_module(CompilationOptions(default_options, shared_c_file_path=c_file,
                                              **description["cython_options"]))
    return stem, c_file


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
    if description["generate_shared"]:
        compile_extension(description, *generate_shared(description))
    for stem in description["modules"]:
        compile_extension(description, stem, cythonize(description, stem))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # done: tearing down Cython's compiler state would cost a tenth of a CPU second
