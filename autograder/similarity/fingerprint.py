"""Winnowed fingerprints of a normalised document, with copydetect's winnowing.

copydetect hashes k-grams with Python's ``hash``, which differs between processes;
here a k-gram's hash is a polynomial over the token ids, the same in every process
and on every Dask worker. Hashes keep 52 bits because copydetect's winnowing
compares them as floats. Selection, overlap and copied slices are copydetect's.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from copydetect.utils import find_fingerprint_overlap, get_copied_slices, winnow

from autograder.similarity.normalize import Document

_MULTIPLIER = np.uint64(0x100000001B3)
_MASK = np.uint64((1 << 52) - 1)


@dataclass(frozen=True)
class Settings:
    """``k``: tokens per k-gram (shorter matches are noise); ``window``: winnowing window."""

    k: int = 10
    window: int = 4


def kgram_hashes(tokens: np.ndarray, k: int) -> np.ndarray:
    """The hash of every run of ``k`` consecutive tokens (empty when there are fewer)."""
    if len(tokens) < k:
        return np.empty(0, dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(tokens.astype(np.uint64), k)
    powers = np.cumprod(np.full(k, _MULTIPLIER, dtype=np.uint64))[::-1]
    with np.errstate(over="ignore"):
        hashes = (windows * powers).sum(axis=1, dtype=np.uint64)
    return (hashes & _MASK).astype(np.int64)


@dataclass(frozen=True)
class Fingerprint:
    """Selected hashes and, for each, the token positions where its k-gram starts."""

    positions: dict[int, list[int]]

    @property
    def hashes(self) -> set[int]:
        return set(self.positions)


def fingerprint(doc: Document, settings: Settings, boilerplate: frozenset[int] = frozenset()) -> Fingerprint:
    """Winnow ``doc``'s k-gram hashes, dropping those of the release's starter code (``boilerplate``)."""
    hashes, positions = winnow(kgram_hashes(doc.tokens, settings.k), settings.window, remove_duplicates=False)
    selected: dict[int, list[int]] = {}
    for value, position in zip(hashes.tolist(), positions.tolist()):
        if value not in boilerplate:
            selected.setdefault(value, []).append(position)
    return Fingerprint(selected)


def matched_spans(doc: Document, mine: Fingerprint, theirs: Fingerprint, settings: Settings,
                  ignore: frozenset[int] = frozenset()) -> list[tuple[int, int]]:
    """Character ranges of ``doc`` whose fingerprints ``theirs`` shares (except ``ignore``)."""
    keep = mine.hashes - ignore
    own = {h: p for h, p in mine.positions.items() if h in keep}
    first, _ = find_fingerprint_overlap(set(own), theirs.hashes, own, theirs.positions)
    starts, ends = get_copied_slices(np.asarray(first, dtype=np.int64), settings.k)
    return [(int(doc.spans[s][0]), int(doc.spans[e - 1][1])) for s, e in zip(starts.astype(int), ends.astype(int))]
