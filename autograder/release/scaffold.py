"""Files every release gets besides notebooks and modules: README, pytest setup,
``requirements.txt`` and the student tools' source in ``tools/``."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import jinja2

from autograder.manifest import Manifest
from autograder.paths import PROJECT_ROOT
from autograder.release.requirements import release_requirements

TEMPLATES = Path(__file__).resolve().parent / "templates"
SCAFFOLD = ("README.md", "pytest.ini", "requirements.txt")
#: The stand-alone student tools project, and where each release ships its source.
STUDENT_TOOLS = PROJECT_ROOT / "student_tools"
TOOLS_FOLDER = "tools/autograder-student"

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)


def student_tool_files(root: Path = STUDENT_TOOLS) -> dict[str, bytes]:
    """The student tools' source: ``pyproject.toml`` and the package's modules (relative path -> bytes)."""
    files = [root / "pyproject.toml", *sorted((root / "autograder_student").glob("*.py"))]
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in files}


def write_scaffold(manifest: Manifest, dest: Path, carried: Mapping[str, Sequence[str]] | None = None) -> None:
    """Render the README, ``pytest.ini`` and ``requirements.txt`` of ``manifest``'s release into
    ``dest`` (which holds its notebooks and modules already), and copy the student tools into
    ``dest / TOOLS_FOLDER``. ``carried`` (module -> functions) are the earlier tasks the
    student carries over from their own earlier submission; the README lists them."""
    cython = any(module.endswith(".pyx") for module in manifest.modules)
    packages = release_requirements(dest, manifest.package)
    names = [re.split(r"[<>=!~;\[ ]", spec)[0] for spec in packages]
    for name in SCAFFOLD:
        text = _environment.get_template(f"{name}.j2").render(
            manifest=manifest, cython=cython, packages=packages, package_names=names, tools=TOOLS_FOLDER,
            carried=[f"{module}:{name}" for module, names in (carried or {}).items() for name in names])
        (dest / name).write_text(text, encoding="utf-8")
    for relative, content in student_tool_files().items():
        target = dest / TOOLS_FOLDER / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
