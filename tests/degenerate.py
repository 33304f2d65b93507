"""Degenerate submissions: the reference solution with every task function made to
implement nothing while keeping the right shapes (issue 11, "no points for nothing").

Each task function of the manifest is wrapped, in the submitted file itself, so that

- ``zeros``: it returns zeros shaped like the real result (numbers become 0) and
  leaves zeros in every array it writes (state in ``self``, in dict arguments, in
  output buffers);
- ``input``: like ``zeros``, but each returned array is one of the arguments when
  one has its shape (a layer that "returns its input");
- ``none``: it returns ``None`` without doing anything.

A Cython task fills an output buffer and returns ``None`` whatever the mode, so in
a ``.pyx`` file it is always made to leave zeros there (one build serves every mode).

Such submissions are self-consistent (a constant forward and a zero backward agree
with numeric gradients), so they show which checks give credit for nothing.
"""
from __future__ import annotations

from pathlib import Path

from autograder.manifest import load_manifest
from grading_support import reference_submission

MODES = ("zeros", "input", "none")

WRAPPER = '''

def _degenerate(mode, target):
    """``target`` made to implement nothing (see tests/degenerate.py)."""
    import numpy as np

    def blank(value, arrays, scalars):
        if isinstance(value, np.ndarray):
            for arg in arrays if mode == "input" else ():
                if arg.shape == value.shape:
                    return arg
            return np.zeros_like(value)
        if scalars and isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_)):
            return type(value)(0)
        if isinstance(value, (tuple, list)):
            return type(value)(blank(item, arrays, scalars) for item in value)
        if isinstance(value, dict):
            return {key: blank(item, arrays, scalars) for key, item in value.items()}
        return value

    def wrapper(*args, **kwargs):
        if mode == "none":
            return None
        before = [arg.copy() if isinstance(arg, np.ndarray) else None for arg in args]
        result = target(*args, **kwargs)
        for arg, old in zip(args, before):
            if old is not None and not np.array_equal(arg, old, equal_nan=True):
                arg[...] = 0
            elif isinstance(arg, dict):
                arg.update(blank(arg, (), False))
            elif hasattr(arg, "__dict__") and not isinstance(arg, type):
                vars(arg).update(blank(vars(arg), (), False))
        if args and result is args[0]:
            return result
        return blank(result, [arg for arg in args if isinstance(arg, np.ndarray)], True)

    return wrapper
'''


def degenerate_submission(assignment: str, dest: Path, mode: str) -> Path:
    """The reference submission of ``assignment`` in ``dest`` with every task function degenerate."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    reference_submission(assignment, dest)
    by_module: dict[str, list[str]] = {}
    for task in load_manifest(assignment).tasks.values():
        for ref in task.functions:
            by_module.setdefault(ref.module, []).append(ref.qualname)
    for module, qualnames in by_module.items():
        path = dest / "numnet" / module
        how = "zeros" if module.endswith(".pyx") else mode
        lines = [f"{name} = _degenerate({how!r}, {name})" for name in qualnames]
        path.write_text(path.read_text() + WRAPPER + "\n" + "\n".join(lines) + "\n")
    return dest
