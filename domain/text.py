"""Text helpers: folding for diacritic-insensitive search ("kiem dem" finds "kiểm đếm") and
cleaning user text before it goes into a report."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())


def is_blank(text: str | None) -> bool:
    """Nothing a person could read: empty once whitespace, control and format characters
    (zero-width spaces, joiners, bidi marks) are taken out."""
    if not text:
        return True
    return all(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in text)


# Bidi embeddings/overrides/isolates and marks: they can make a signed report read backwards.
_BIDI = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F


def clean_for_report(text: str | None) -> str:
    """User text as a report may show it: bidi controls and C0/C1 control characters removed;
    newlines (CR LF and lone CR become LF) and tabs kept. NFC, so "ế" is one character."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(c for c in text if c in "\n\t" or (c not in _BIDI and not _is_control(c)))
