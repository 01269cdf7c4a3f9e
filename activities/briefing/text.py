"""Formatting shared by every renderer: numbers and dates as Vietnamese write them, and user
text cleaned before it is written."""

from __future__ import annotations

from datetime import datetime

from domain.text import clean_for_report
from domain.timezone import to_local


def number(value: object) -> str:
    """A decimal comma ("12,5"); integers as they are; no value (a rate with nothing to rate)
    as "—", never 0."""
    if value is None:
        return "—"
    return f"{value:.1f}".replace(".", ",") if isinstance(value, float) else str(value)


def signed(value: int | float) -> str:
    """A change against the previous period: "+2", "-1", "+0,5"."""
    return f"{value:+.1f}".replace(".", ",") if isinstance(value, float) else f"{value:+d}"


def day(moment: datetime) -> str:
    return f"{to_local(moment):%d/%m/%Y}"


def moment(value: datetime) -> str:
    return f"{to_local(value):%H:%M ngày %d/%m/%Y}"


def clean(value: object) -> str:
    """Any value as report text: user strings lose bidi and control characters."""
    return clean_for_report(value if isinstance(value, str) else number(value))
