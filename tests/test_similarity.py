"""``autograder similarity``: planted copies are found, independent work and stubs are not.

One fc_nets class is built once: ``alice`` submits the reference solution, four
classmates hand in disguised copies of it, two hand in the untouched release, one
copy does not parse, one holds a binary and an oversized file, one copied a file of
the known-solutions folder, and ``ken`` wrote two tasks independently.
"""
from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.manifest import load_manifest
from autograder.paths import RELEASE, CourseLayout
from autograder.reports.class_report import class_report
from autograder.similarity import NOTICE, variants
from autograder.similarity.extract import Fragment
from autograder.similarity.fingerprint import Settings, fingerprint
from autograder.similarity.index import IndexSettings, Owner, score_task
from autograder.similarity.normalize import document, normalised_tokens, raw_tokens
from autograder.similarity.run import Options, Report, run_similarity
from autograder.similarity.sources import MAX_FILE_BYTES, CodeFiles
from autograder.similarity.tasks import load_starter, task_documents
from grading_support import reference_submission, release_submission
import test_corpus_conv_nets
import test_corpus_fc_nets

ASSIGNMENT = "fc_nets"
THRESHOLD = Options().threshold
LAYERS = "numnet/layers.py"
RENAMES = {"out": "result", "cache": "memo", "dout": "upstream", "dx": "grad_input", "x_hat": "normalised",
           "N": "batch", "mask": "keep", "loss": "objective", "grads": "gradients", "mean": "mu"}
DISGUISES = {
    "bob": lambda text: variants.rename(text, RENAMES),
    "carol": variants.reformat,
    "dave": variants.reorder,
    "erin": variants.insert_dead_code,
}
STUB = '    raise NotImplementedError("not implemented yet")\n'
INDEPENDENT_AFFINE = (
    "    flat = np.reshape(x, (len(x), -1))\n"
    "    product = np.dot(flat, w)\n"
    "    out = product + b[np.newaxis, :]\n"
    "    cache = (x, w)\n",
    "    inputs, weights = cache\n"
    "    db = np.sum(dout, axis=0)\n"
    "    dw = np.dot(np.reshape(inputs, (len(inputs), -1)).T, dout)\n"
    "    dx = np.reshape(np.dot(dout, weights.T), inputs.shape)\n",
)
INDEPENDENT_CONV = (
    "    N = x.shape[0]\n"
    "    F, C, HH, WW = w.shape\n"
    "    padded = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode='constant')\n"
    "    out = np.zeros((N, F, H_out, W_out))\n"
    "    for n in range(N):\n"
    "        for f in range(F):\n"
    "            for r in range(H_out):\n"
    "                for c in range(W_out):\n"
    "                    top, left = r * stride, c * stride\n"
    "                    patch = padded[n, :, top:top + HH, left:left + WW]\n"
    "                    out[n, f, r, c] = np.sum(patch * w[f]) + b[f]\n"
    "    cache = (x, w, stride, pad)\n",
    "    x, w, stride, pad = cache\n"
    "    N, C, H, W = x.shape\n"
    "    F, _, HH, WW = w.shape\n"
    "    padded = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode='constant')\n"
    "    grad_padded = np.zeros(padded.shape)\n"
    "    dw = np.zeros(w.shape)\n"
    "    db = np.zeros(F)\n"
    "    for n in range(N):\n"
    "        for f in range(F):\n"
    "            db[f] += dout[n, f].sum()\n"
    "            for r in range(dout.shape[2]):\n"
    "                for c in range(dout.shape[3]):\n"
    "                    top, left = r * stride, c * stride\n"
    "                    dw[f] += dout[n, f, r, c] * padded[n, :, top:top + HH, left:left + WW]\n"
    "                    grad_padded[n, :, top:top + HH, left:left + WW] += dout[n, f, r, c] * w[f]\n"
    "    dx = grad_padded[:, :, pad:pad + H, pad:pad + W]\n",
)


def with_bodies(release_text: str, functions: tuple[str, ...], bodies: tuple[str, ...]) -> str:
    """The release module with the stubs of ``functions`` replaced by ``bodies``."""
    for function, body in zip(functions, bodies):
        start = release_text.index(f"def {function}(")
        at = release_text.index(STUB, start)
        release_text = release_text[:at] + body + release_text[at + len(STUB):]
    return release_text


def transform(submission: Path, change) -> None:
    for path in (submission / "numnet").rglob("*.py"):
        path.write_text(change(path.read_text()))


def build_course(root: Path) -> Path:
    """The class described in the module docstring, and its known-solutions folder."""
    submitted = root / "submitted"
    alice = reference_submission(ASSIGNMENT, submitted / "alice" / ASSIGNMENT)
    for student, change in DISGUISES.items():
        transform(shutil.copytree(alice, submitted / student / ASSIGNMENT), change)
    for student in ("frank", "grace"):
        release_submission(ASSIGNMENT, submitted / student / ASSIGNMENT)
    heidi = shutil.copytree(alice, submitted / "heidi" / ASSIGNMENT)
    (heidi / LAYERS).write_text((heidi / LAYERS).read_text() + "\ndef unfinished(:\n    pass\n")
    ivan = shutil.copytree(alice, submitted / "ivan" / ASSIGNMENT)
    (ivan / LAYERS).write_bytes(b"\x7fELF\0\0binary")
    (ivan / "numnet/optim.py").write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    known = root / "known" / "someone" / "public-repo" / "assignment2"
    known.mkdir(parents=True)
    (known / "my_layers.py").write_text((alice / LAYERS).read_text())
    judy = release_submission(ASSIGNMENT, submitted / "judy" / ASSIGNMENT)
    (judy / LAYERS).write_text(variants.reformat((known / "my_layers.py").read_text()))
    ken = release_submission(ASSIGNMENT, submitted / "ken" / ASSIGNMENT)
    (ken / LAYERS).write_text(with_bodies((ken / LAYERS).read_text(), ("affine_forward", "affine_backward"),
                                          INDEPENDENT_AFFINE))
    return root


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return build_course(tmp_path_factory.mktemp("similarity"))


@pytest.fixture(scope="module")
def report(course) -> Report:
    return run_similarity(ASSIGNMENT, CourseLayout(course), Options(known=course / "known", workers=1))


def pair_scores(report: Report, name: str, other: str) -> dict[str, float]:
    """``task -> score`` of the pair (``name``, ``other``), 0 when they share nothing."""
    scores = {task: 0.0 for task in load_manifest(ASSIGNMENT).tasks}
    for pair in report.pairs:
        if {pair.first.name, pair.second.name} == {name, other}:
            scores[pair.task] = pair.score
    return scores


@pytest.mark.parametrize("student", sorted(DISGUISES))
def test_disguised_copies_score_high_on_every_task(report, student):
    assert min(pair_scores(report, "alice", student).values()) >= THRESHOLD


def test_copy_of_a_known_solution_is_found_in_any_layout(report):
    known_pairs = {p.task: p for p in report.flagged if p.first.name == "judy" and p.second.known}
    layer_tasks = {t for t, task in load_manifest(ASSIGNMENT).tasks.items()
                   if all(ref.module == "layers.py" for ref in task.functions)}
    assert set(known_pairs) == layer_tasks
    assert {p.second.name for p in known_pairs.values()} == {"someone/public-repo/assignment2/my_layers.py"}


def test_untouched_releases_score_zero(report):
    assert pair_scores(report, "frank", "grace") == dict.fromkeys(load_manifest(ASSIGNMENT).tasks, 0.0)
    assert all(report.best[task].get("frank", 0.0) == 0.0 for task in report.best)


def test_independent_implementation_stays_below_the_threshold(report):
    scores = {task: s for task, s in pair_scores(report, "alice", "ken").items() if task == "affine"}
    assert scores["affine"] < THRESHOLD
    assert report.best["affine"]["ken"] < THRESHOLD


def test_code_that_does_not_parse_is_compared_by_tokens_and_marked(report):
    heidi = [p for p in report.pairs if p.first.name == "alice" and p.second.name == "heidi"]
    layer_pairs = [p for p in heidi if not report.parsed(p)]
    assert layer_pairs and all(p.score >= THRESHOLD for p in layer_pairs)
    assert any("layers.py does not parse" in note and "tokens" in note
               for note in report.prints[Owner("heidi")].notes)


def test_binary_and_oversized_files_are_skipped_with_a_note(report):
    ivan = report.prints[Owner("ivan")]
    assert any(note.startswith(f"{LAYERS}: binary") for note in ivan.notes)
    assert any(note.startswith("numnet/optim.py:") and "KiB" in note for note in ivan.notes)
    assert "affine" not in ivan.documents and "update_rules" not in ivan.documents
    assert "fc_net" in ivan.documents  # the readable file is still compared


def test_clusters_group_three_or_more_students(report):
    copied = {"alice", *DISGUISES, "heidi", "judy"}
    assert any(copied <= set(group) for group in report.clusters["affine"])
    assert not any({"frank", "grace", "ken"} & set(group) for groups in report.clusters.values() for group in groups)


def _fragment_prints(code: str, settings: Settings):
    body = "".join(f"{line.strip()}\n" for line in code.splitlines())
    return fingerprint(document([("f.py", Fragment("f", body, 1, True))], frozenset({"np"})), settings)


# Alternatives that keep the reference's own statements and only add a cast or a reshape: to a
# similarity check they are edits of the reference, and flagging them is the right answer.
EDITS_OF_THE_REFERENCE = {"layernorm computed in float64 and cast back to the input's dtype",
                          "pool forward taking each window's maximum over a flattened window"}
REWRITES = [m for m in test_corpus_fc_nets.ALTERNATIVES + test_corpus_conv_nets.ALTERNATIVES
            if m.name not in EDITS_OF_THE_REFERENCE]


@pytest.mark.parametrize("mutation", REWRITES, ids=lambda m: m.name)
def test_corpus_alternatives_are_not_similar_to_what_they_replace(mutation):
    """The lines an alternative correct submission writes differently score below the threshold."""
    old, new = mutation.old.splitlines(), mutation.new.splitlines()
    settings = Settings()
    prints = {Owner("reference"): _fragment_prints("\n".join(line for line in old if line not in new), settings),
              Owner("alternative"): _fragment_prints("\n".join(line for line in new if line not in old), settings)}
    pairs, _ = score_task("t", prints, IndexSettings())
    assert all(pair.score < THRESHOLD for pair in pairs)


def test_independent_naive_convolution_stays_below_the_threshold(tmp_path):
    settings = Settings()
    manifest = load_manifest("conv_nets")
    starter = load_starter(manifest, RELEASE / "conv_nets", settings)
    reference = reference_submission("conv_nets", tmp_path / "reference")
    release_layers = (RELEASE / "conv_nets" / LAYERS).read_text()
    texts = {"reference": (reference / LAYERS).read_text(),
             "loops": with_bodies(release_layers, ("conv_forward_naive", "conv_backward_naive"), INDEPENDENT_CONV)}
    prints = {}
    for name, text in texts.items():
        doc = task_documents(CodeFiles({LAYERS: text}), manifest, starter.given_names).documents["conv_naive"]
        prints[Owner(name)] = fingerprint(doc, settings, starter.boilerplate["conv_naive"])
    assert min(len(fp.positions) for fp in prints.values()) > 50  # both wrote real code
    pairs, _ = score_task("conv_naive", prints, IndexSettings())
    assert all(pair.score < THRESHOLD for pair in pairs)


def zip_folder(folder: Path, archive: Path, prefix: str = "") -> None:
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in folder.rglob("*"):
            bundle.write(path, prefix + path.relative_to(folder).as_posix())


def test_command_line_writes_csv_pages_summary_and_class_report_section(course, tmp_path):
    target = tmp_path / "course"
    shutil.copytree(course / "submitted", target / "submitted")
    shutil.copytree(course / "submitted" / "bob", target / "submitted" / "=SUM(A1)[red]")
    zips = tmp_path / "zips"
    zips.mkdir()
    zip_folder(course / "submitted" / "bob" / ASSIGNMENT, zips / "olivia.zip", prefix="hw2/")
    zip_folder(course / "submitted" / "bob" / ASSIGNMENT, zips / "mallory.zip", prefix="../")
    status = main(["similarity", ASSIGNMENT, "--course-dir", str(target), "--known", str(course / "known"),
                   "--zips", str(zips), "--workers", "2"])
    assert status == 0
    folder = target / "reports" / ASSIGNMENT / "similarity"
    lines = (folder / "similarity.csv").read_text().splitlines()
    assert lines[0] == f"# {NOTICE}"
    rows = list(csv.DictReader(lines[1:]))
    flagged = [row for row in rows if row["flagged"] == "True"]
    assert {(r["first"], r["second"]) for r in flagged if r["task"] == "affine"} >= {("alice", "bob"), ("alice", "erin")}
    assert any(r["compared_by"] == "tokens" and "heidi" in (r["first"], r["second"]) for r in flagged)
    assert ("bob", "olivia") in {(r["first"], r["second"]) for r in flagged if r["task"] == "fc_net"}
    assert ("'=SUM(A1)[red]", "alice") in {(r["first"], r["second"]) for r in flagged if r["task"] == "fc_net"}
    summary = json.loads((folder / "similarity.json").read_text())
    assert len(summary["flagged"]) == len(flagged)
    assert any("points outside the submission" in note for note in summary["notes"]["mallory"])
    page = (folder / summary["flagged"][0]["page"]).read_text()
    assert NOTICE in page and "<mark>" in page
    section = class_report([], load_manifest("fc_nets"), {}, folder)
    assert "Code similarity" in section and NOTICE in section and "<svg" in section
    assert "Code similarity" not in class_report([], load_manifest("fc_nets"), {}, tmp_path / "nothing-here")


def test_dask_scheduler_gives_the_same_pairs(course, report):
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        remote = run_similarity(ASSIGNMENT, CourseLayout(course),
                                Options(known=course / "known", scheduler=cluster.scheduler_address))
    key = [(p.task, p.first, p.second, p.shared) for p in report.pairs]
    assert [(p.task, p.first, p.second, p.shared) for p in remote.pairs] == key


def test_cython_inner_loop_is_compared_by_tokens(tmp_path):
    settings = Settings()
    manifest = load_manifest("conv_nets")
    starter = load_starter(manifest, RELEASE / "conv_nets", settings)
    pyx = "numnet/im2col_cython.pyx"
    solved = (reference_submission("conv_nets", tmp_path) / pyx).read_text()
    texts = {"reference": solved, "renamed": variants.rename(solved, {"row": "r", "dst": "target", "n": "image"}),
             "stub": (RELEASE / "conv_nets" / pyx).read_text(), "stub too": (RELEASE / "conv_nets" / pyx).read_text()}
    prints = {}
    for name, text in texts.items():
        doc = task_documents(CodeFiles({pyx: text}), manifest, starter.given_names).documents["im2col"]
        assert not doc.parsed
        prints[Owner(name)] = fingerprint(doc, settings, starter.boilerplate["im2col"])
    pairs, _ = score_task("im2col", prints, IndexSettings())
    assert [(p.first.name, p.second.name) for p in pairs] == [("reference", "renamed")]
    assert pairs[0].score >= THRESHOLD


LOOP = '''    def features(self, xs):
        """Loop version."""
        rows = []
        for x, y in zip(xs, self.ys):
            if x.sum() > 0:
                rows.append(x * 2 + np.sum(y, axis=0))  # café
        return rows
'''
COMPREHENSION = '''    def features(self, xs):
        rows = [x * 2 + np.sum(y, axis=0)  # café
                for x, y in zip(xs, self.ys) if x.sum() > 0]
        return rows
'''


def test_a_list_comprehension_reads_as_the_loop_of_the_same_structure():
    def normalised(code: str) -> list[str]:
        return [token for token, _, _ in normalised_tokens(raw_tokens(code, ".py", True), frozenset({"np"}))]

    assert normalised(LOOP) == normalised(COMPREHENSION)
    assert normalised(LOOP) != normalised(COMPREHENSION.replace("x * 2", "x * 3"))
