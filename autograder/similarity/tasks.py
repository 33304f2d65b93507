"""Per-task documents of one set of code files, and the release's starter code to ignore.

A task's document gathers the task's functions (manifest order) from the files the
student owns. The release supplies what every student starts from: the names its
modules define (kept verbatim when normalising) and the k-gram hashes of its stubs
(signatures, docstrings, given lines), which no fingerprint may use, so two
untouched stubs share nothing.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.manifest import Manifest
from autograder.similarity.extract import Fragment, extract
from autograder.similarity.fingerprint import Settings, kgram_hashes
from autograder.similarity.normalize import Document, document
from autograder.similarity.sources import CodeFiles

_PYX_NAMES = re.compile(r"^(?:c?p?def\b[^(=]*?\b(\w+)\s*\(|class\s+(\w+)|import\s+(\w+)|from\s+\S+\s+import\s+(\w+))"
                        r"|\bas\s+(\w+)", re.MULTILINE)


def module_names(text: str, filename: str) -> set[str]:
    """Names a module defines or imports at its top level."""
    if filename.endswith(".pyx"):
        return {name for match in _PYX_NAMES.finditer(text) for name in match.groups() if name}
    names = set()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


@dataclass(frozen=True)
class TaskDocuments:
    """The documents of one submission (task -> document) and notes for the reviewer."""

    documents: dict[str, Document]
    notes: tuple[str, ...] = ()


def task_documents(files: CodeFiles, manifest: Manifest, given_names: frozenset[str],
                   any_module: bool = False) -> TaskDocuments:
    """Documents of every task with at least one function present in ``files``.

    With ``any_module`` a function may sit in any of the files (known solutions keep
    their own layout); otherwise it is looked up in its manifest module only.
    """
    notes = list(files.notes)
    refs = {(ref.module, ref.qualname) for task in manifest.tasks.values() for ref in task.functions}
    found: dict[tuple[str, str], tuple[str, Fragment]] = {}
    for label, text in files.texts.items():
        wanted = sorted({name for module, name in refs if any_module or label == f"{manifest.package}/{module}"})
        fragments, problem = extract(text, label, wanted)
        if problem:
            notes.append(f"{problem}: " + ("compared by tokens only" if fragments else "no task function found"))
        for module, name in refs:
            if name in fragments and (module, name) not in found:
                found[(module, name)] = (label, fragments[name])
    documents = {}
    for name, task in manifest.tasks.items():
        parts = [found[(ref.module, ref.qualname)] for ref in task.functions if (ref.module, ref.qualname) in found]
        if parts:
            documents[name] = document(parts, given_names)
    return TaskDocuments(documents, tuple(notes))


@dataclass(frozen=True)
class Starter:
    """What the release gives every student: names to keep and hashes to ignore per task."""

    given_names: frozenset[str]
    boilerplate: dict[str, frozenset[int]] = field(default_factory=dict)


def load_starter(manifest: Manifest, release: Path, settings: Settings) -> Starter:
    """The starter code of ``release`` (the assignment's released folder)."""
    files = CodeFiles()
    names: set[str] = set()
    for module in sorted(manifest.task_functions()):
        text = (release / manifest.package / module).read_text(encoding="utf-8")
        files.texts[f"{manifest.package}/{module}"] = text
        names |= module_names(text, module)
    given = frozenset(names)
    documents = task_documents(files, manifest, given).documents
    return Starter(given, {task: frozenset(kgram_hashes(doc.tokens, settings.k).tolist())
                           for task, doc in documents.items()})
