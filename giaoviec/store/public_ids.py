"""Public ids: what the API and URLs name a row by where its key is sequential (a briefing),
so that nobody can count the rows or walk from one to the next."""

from __future__ import annotations

import secrets

# The longest public id a lookup considers (they are 22 characters; room to lengthen them).
PUBLIC_ID_MAX = 43


def new_public_id() -> str:
    """128 random bits, URL-safe: 22 characters."""
    return secrets.token_urlsafe(16)


def is_public_id_shaped(text: str) -> bool:
    """Bounded and URL-safe, checked before it reaches SQL: anything else names nothing."""
    return 0 < len(text) <= PUBLIC_ID_MAX and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in text)
