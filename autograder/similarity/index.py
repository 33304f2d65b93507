"""Scoring pairs through an inverted index of fingerprints (no all-pairs comparison).

For each task, every fingerprint points to the submissions holding it; only
submissions that share a fingerprint are ever paired. Fingerprints held by many
students (more than ``common_share`` of the class, and more than ``common_floor``
students) are what everybody writes and are ignored, as MOSS does. A pair's score
is the share of the smaller side's remaining fingerprints found in the other side.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import combinations

from autograder.similarity.fingerprint import Fingerprint


@dataclass(frozen=True)
class Owner:
    """A student, or a file of the known-solutions folder (``known=True``)."""

    name: str
    known: bool = False


@dataclass(frozen=True)
class Pair:
    """Two owners' code for one task, compared."""

    task: str
    first: Owner
    second: Owner
    shared: int
    first_share: float
    second_share: float

    @property
    def score(self) -> float:
        return max(self.first_share, self.second_share)


@dataclass(frozen=True)
class IndexSettings:
    common_share: float = 0.05
    common_floor: int = 10
    min_shared: int = 4


def common_hashes(prints: dict[Owner, Fingerprint], settings: IndexSettings) -> frozenset[int]:
    """Fingerprints that too many students hold to say anything about copying."""
    counts = Counter(h for owner, fp in prints.items() if not owner.known for h in fp.positions)
    students = sum(not owner.known for owner in prints)
    limit = max(settings.common_floor, settings.common_share * students)
    return frozenset(h for h, n in counts.items() if n > limit)


def score_task(task: str, prints: dict[Owner, Fingerprint], settings: IndexSettings) -> tuple[list[Pair], frozenset[int]]:
    """Pairs of ``task`` sharing at least ``min_shared`` distinctive fingerprints, and the common ones."""
    common = common_hashes(prints, settings)
    postings: dict[int, list[Owner]] = {}
    for owner, fp in prints.items():
        for value in fp.positions:
            if value not in common:
                postings.setdefault(value, []).append(owner)
    shared: Counter[tuple[Owner, Owner]] = Counter()
    for owners in postings.values():
        if len(owners) > 1:
            shared.update((a, b) for a, b in combinations(sorted(owners, key=_order), 2) if not (a.known and b.known))
    sizes = {owner: len(fp.hashes - common) for owner, fp in prints.items()}
    pairs = [Pair(task, a, b, count, count / sizes[a], count / sizes[b])
             for (a, b), count in shared.items() if count >= settings.min_shared]
    return pairs, common


def _order(owner: Owner) -> tuple[bool, str]:
    """Students before known files, then by name: the known side of a pair is always ``second``."""
    return owner.known, owner.name
