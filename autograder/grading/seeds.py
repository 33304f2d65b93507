"""Hidden seeds: every test's inputs come from an HMAC of the course secret.

``seed = HMAC-SHA256(secret, assignment / student / test)``: every student gets
different inputs, a regrade gets the same ones, and nobody without the secret can
compute them from the released files.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SECRET_ENV = "AUTOGRADER_SECRET"
SECRET_FILE_ENV = "AUTOGRADER_SECRET_FILE"
DEMO_SECRET = b"numnet-demo-secret: for the demo course only, never for real grading"


class DemoSecretWarning(UserWarning):
    """Grading uses the public demo secret: hidden inputs are predictable."""


@dataclass(frozen=True)
class Secret:
    """The course secret and where it came from (never the value itself in reports)."""

    value: bytes
    source: str

    @property
    def is_demo(self) -> bool:
        return self.value == DEMO_SECRET

    @property
    def id(self) -> str:
        """A short fingerprint that tells secrets apart without revealing them (an HMAC of a fixed label)."""
        return hmac.new(self.value, b"autograder secret id", hashlib.sha256).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"Secret(source={self.source!r})"


def load_secret(forbidden_roots: tuple[Path, ...] = ()) -> Secret:
    """Read the secret from ``$AUTOGRADER_SECRET`` or the file ``$AUTOGRADER_SECRET_FILE``.

    A secret file inside one of ``forbidden_roots`` (the release) is refused. Without
    either variable the demo secret is used, with a :class:`DemoSecretWarning`.
    """
    if os.environ.get(SECRET_ENV):
        return Secret(os.environ[SECRET_ENV].encode(), f"${SECRET_ENV}")
    if os.environ.get(SECRET_FILE_ENV):
        path = Path(os.environ[SECRET_FILE_ENV]).resolve()
        for root in forbidden_roots:
            if path.is_relative_to(root.resolve()):
                raise ValueError(f"the secret file {path} lies inside {root}, which students receive")
        value = path.read_bytes().strip()
        if not value:
            raise ValueError(f"the secret file {path} is empty")
        return Secret(value, str(path))
    warnings.warn(
        f"no course secret configured (set ${SECRET_ENV} or ${SECRET_FILE_ENV}); using the public demo "
        "secret, so hidden inputs are predictable",
        DemoSecretWarning,
        stacklevel=2,
    )
    return Secret(DEMO_SECRET, "demo")


def derive_seed(secret: Secret, assignment: str, student: str, test: str) -> int:
    """A 64-bit seed for one test of one student's submission."""
    message = "\0".join((assignment, student, test)).encode()
    return int.from_bytes(hmac.new(secret.value, message, hashlib.sha256).digest()[:8], "big")


def hidden_rng(secret: Secret, assignment: str, student: str, test: str) -> np.random.Generator:
    """The random generator a hidden test draws its inputs from."""
    return np.random.default_rng(derive_seed(secret, assignment, student, test))
