"""Text folding for diacritic-insensitive search: "kiem dem" finds "kiểm đếm"."""

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
