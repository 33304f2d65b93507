"""Build configuration that pyproject.toml cannot express: the ``numnet`` package
lives under ``reference/`` and its ``.pyx`` modules are compiled on install; the
student tools (``autograder_student``) live in ``student_tools/``, the stand-alone
project that every release ships, and the grader's ``check``/``submit`` use them."""
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

REFERENCE = Path("reference")

extensions = [
    Extension(
        ".".join(pyx.relative_to(REFERENCE).with_suffix("").parts),
        [str(pyx)],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O3"],
    )
    for pyx in sorted(REFERENCE.glob("numnet/**/*.pyx"))
]

setup(
    packages=find_packages(str(REFERENCE), include=["numnet", "numnet.*"])
    + find_packages(".", include=["autograder", "autograder.*"])
    + ["autograder_student"],
    package_dir={"numnet": "reference/numnet", "autograder_student": "student_tools/autograder_student"},
    package_data={"numnet": ["*.pyx", "data/*.npz", "data/*.csv"], "autograder": ["**/*.toml", "**/*.html", "**/*.j2"]},
    ext_modules=cythonize(extensions, language_level=3, compiler_directives={"embedsignature": True}),
    zip_safe=False,
)
