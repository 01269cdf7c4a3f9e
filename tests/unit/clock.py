"""Instants in Vietnam's time zone, as the domain tests write them."""

from __future__ import annotations

from datetime import datetime

from domain.timezone import VN_TZ


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=VN_TZ)
