"""Making student-derived text safe to store and show.

Anything the worker sends (exception messages, type names, locations) and anything
taken from a submission's files (folder names) is hostile text. Before it reaches
results, feedback, JUnit, CSV, logs or a plot it goes through :func:`clean_text`:
bounded length, no control characters (newlines and tabs kept), no lone surrogates
(which is how undecodable bytes appear in Python strings) and no character that
XML 1.0 forbids, so every writer downstream gets plain, valid UTF-8 text.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

MESSAGE_CHARS = 2000
OUTPUT_CHARS = 8000
NAME_CHARS = 80
LOCATION_CHARS = 200

_UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 controls, except tab and newline
    "\ud800-\udfff"  # lone surrogates (undecodable bytes)
    "\ufffe\uffff"  # noncharacters XML forbids
    "\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # bidirectional overrides that disguise text
)
_TERMINAL_ESCAPE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|.)")  # ANSI CSI, OSC, others
_NOT_NAME = re.compile(r"[^A-Za-z0-9_.]")


def clean_text(value: Any, limit: int = MESSAGE_CHARS) -> str:
    """``value`` as safe text of at most about ``limit`` characters.

    Line breaks are normalised to ``\\n``; every other control character is removed;
    text past ``limit`` is cut and the cut is stated.
    """
    text = value if isinstance(value, str) else str(value)
    oversized = len(text) > 4 * limit
    if oversized:  # don't normalise megabytes only to cut them afterwards
        text = text[: 4 * limit]
    text = _TERMINAL_ESCAPE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", _UNWANTED.sub("", text))
    if len(text) > limit or oversized:
        text = f"{text[:limit]}... [text cut at {limit} characters]"
    return text


def clean_name(value: Any, limit: int = NAME_CHARS, fallback: str = "object") -> str:
    """A type or exception name: letters, digits, ``_`` and ``.`` only, at most ``limit`` characters."""
    name = _NOT_NAME.sub("", value if isinstance(value, str) else "")[:limit]
    return name or fallback
