"""Finding, stripping and unmarking solution regions in .py and .pyx text."""
import textwrap

import pytest

from autograder.release.markers import MarkerError, MissingFunction, region_lines, scan, strip, unmark

STUB = 'raise NotImplementedError("not implemented yet")'

PYTHON = textwrap.dedent(
    '''\
    import numpy as np


    def scale(x, factor):
        """Multiply."""
        if factor == 0:
            raise ValueError("factor must not be 0")
        ### BEGIN SOLUTION
        out = x * factor
        ### END SOLUTION
        return out


    class Model:
        def __init__(
            self,
            size: int,
        ) -> None:
            self.size = size
            ### BEGIN SOLUTION
            self.weights = np.zeros(size)
            ### END SOLUTION

        def predict(self, x):
            for row in x:
                if row is None:
                    ### BEGIN SOLUTION
                    return self.weights @ row
                    ### END SOLUTION
            return None


    if True:
        def inside_if():
            ### BEGIN SOLUTION
            return 1
            ### END SOLUTION
    '''
)

CYTHON = textwrap.dedent(
    '''\
    cimport cython

    cdef inline double _twice(double v) noexcept:
        ### BEGIN SOLUTION
        return 2 * v
        ### END SOLUTION


    cpdef double[:, ::1] fill(double[:, ::1] out,
                              Py_ssize_t rows):
        cdef Py_ssize_t i = len(out)
        ### BEGIN SOLUTION
        for i in range(rows):
            out[i, 0] = _twice(i)
        ### END SOLUTION
        return out


    cdef class Buffer:
        def clear(self):
            ### BEGIN SOLUTION
            self.data = None
            ### END SOLUTION
    '''
)


def test_scan_names_the_function_enclosing_each_region():
    found = scan(PYTHON, "mod.py")
    assert [region.function for region in found.regions] == [
        "scale", "Model.__init__", "Model.predict", "inside_if"
    ]
    assert found.functions["Model.predict"] == 24
    assert [(r.begin, r.end, r.indent) for r in found.regions[:2]] == [(8, 10, "    "), (20, 22, "        ")]


def test_scan_reads_cython_headers():
    found = scan(CYTHON, "ext.pyx")
    assert [region.function for region in found.regions] == ["_twice", "fill", "Buffer.clear"]
    assert set(found.functions) == {"_twice", "fill", "Buffer", "Buffer.clear"}


def test_strip_replaces_only_task_regions_at_their_indentation():
    stripped = strip(PYTHON, "mod.py", ["scale", "Model.predict"], STUB)
    assert f"        {STUB}\n        return out" not in stripped
    assert f"    {STUB}\n    return out\n" in stripped
    assert f"                {STUB}\n        return None" in stripped
    assert "self.weights @ row" not in stripped and "out = x * factor" not in stripped
    assert "        self.weights = np.zeros(size)\n\n" in stripped
    assert "SOLUTION" not in stripped


def test_strip_handles_cython_and_multiline_stubs():
    stripped = strip(CYTHON, "ext.pyx", ["fill"], "pass\nraise NotImplementedError")
    assert "    pass\n    raise NotImplementedError\n    return out" in stripped
    assert "out[i, 0]" not in stripped
    assert "    return 2 * v\n" in stripped


def test_unmark_keeps_every_line_of_code():
    unmarked = unmark(PYTHON, "mod.py")
    assert unmarked.splitlines() == [line for line in PYTHON.splitlines() if "SOLUTION" not in line]


def test_region_lines_lists_the_solution_code_of_tasks():
    assert region_lines(CYTHON, "ext.pyx", ["fill", "Buffer.clear"]) == [
        "for i in range(rows):", "out[i, 0] = _twice(i)", "self.data = None"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "m.py:2: ### BEGIN SOLUTION is never closed"),
        ("def f():\n    return 1\n    ### END SOLUTION\n", "m.py:3: ### END SOLUTION without a matching"),
        ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n", "m.py:3: ### BEGIN SOLUTION inside the region opened on line 2"),
        ("def f():\n    if 1:\n        ### BEGIN SOLUTION\n        pass\n    ### END SOLUTION\n", "m.py:5: ### END SOLUTION is indented differently"),
    ],
)
def test_unbalanced_markers_are_reported_with_file_and_line(text, expected):
    with pytest.raises(MarkerError, match="^" + expected):
        scan(text, "m.py")


def test_task_function_must_exist_and_have_a_region():
    with pytest.raises(MissingFunction, match="'nowhere' is not defined") as missing:
        strip(PYTHON, "mod.py", ["nowhere"], STUB)
    assert missing.value.qualname == "nowhere"
    with pytest.raises(MarkerError, match=r"^mod\.py:14: task function 'Model' has no solution region"):
        strip(PYTHON, "mod.py", ["Model"], STUB)


def test_unreadable_source_is_a_marker_error_with_a_line():
    with pytest.raises(MarkerError, match=r"^m\.py:\d+: cannot read the source"):
        scan('def f():\n    x = """never closed\n', "m.py")
