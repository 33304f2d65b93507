"""``python -m numnet.build_ext`` builds the extension inside a copied package folder; Cython's shared
utility module is compiled by the first build only."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import numnet

# Only the copied folder may provide numnet, as on a student's machine.
HIDE_EDITABLE_INSTALL = (
    "import sys\n"
    "sys.meta_path = [f for f in sys.meta_path if not getattr(f, '__module__', '').startswith('__editable__')]\n"
)


@pytest.mark.slow
def test_build_command_compiles_the_pyx_next_to_it_in_a_copied_release(tmp_path: Path) -> None:
    release = tmp_path / "release" / "conv_nets"
    shutil.copytree(Path(numnet.__file__).parent, release / "numnet",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "*.c", "__pycache__"))
    build = subprocess.run([sys.executable, "-m", "numnet.build_ext"], cwd=release, capture_output=True, text=True,
                           timeout=600)
    assert build.returncode == 0, build.stderr
    assert "warning" not in (build.stdout + build.stderr).lower(), build.stdout + build.stderr
    built = list((release / "numnet").glob("im2col_cython*.so")) + list((release / "numnet").glob("im2col_cython*.pyd"))
    assert len(built) == 1, sorted(p.name for p in (release / "numnet").iterdir())
    assert [line.split("/")[-1].split(".")[0] for line in build.stdout.splitlines() if line.startswith("built ")] == [
        "im2col_cython", "_cyutility"]
    rebuild = subprocess.run([sys.executable, "-m", "numnet.build_ext", "--quiet"], cwd=release, capture_output=True,
                             text=True, timeout=600)
    assert rebuild.returncode == 0, rebuild.stderr
    assert [line for line in rebuild.stdout.splitlines() if line.startswith("built ")] == [f"built {built[0]}"]

    check = HIDE_EDITABLE_INSTALL + (
        "import numpy as np\n"
        "from numnet import im2col, im2col_cython\n"
        f"assert im2col_cython.__file__.startswith({str(release)!r}), im2col_cython.__file__\n"
        "x = np.random.default_rng(0).standard_normal((2, 3, 6, 6))\n"
        "assert np.array_equal(im2col_cython.im2col_cython(x, 3, 3, 1, 1), im2col.im2col_indices(x, 3, 3, 1, 1))\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", check], cwd=release, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr
