"""Files every release gets besides notebooks and modules: a README and the pytest setup."""
from __future__ import annotations

from pathlib import Path

import jinja2

from autograder.manifest import Manifest

TEMPLATES = Path(__file__).resolve().parent / "templates"
SCAFFOLD = ("README.md", "pytest.ini")

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)


def write_scaffold(manifest: Manifest, dest: Path) -> None:
    """Render the README and ``pytest.ini`` of ``manifest``'s release into ``dest``."""
    cython = any(module.endswith(".pyx") for module in manifest.modules)
    for name in SCAFFOLD:
        text = _environment.get_template(f"{name}.j2").render(manifest=manifest, cython=cython)
        (dest / name).write_text(text, encoding="utf-8")
