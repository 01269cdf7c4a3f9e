"""Substitutes (người thay) as the read model holds them (`standing_in_for` lives with the
viewer it makes: giaoviec.reads.org)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from domain.substitution import Span
from giaoviec.reads.org import standing_in_for
from giaoviec.store.models import Substitution


def _current() -> object:
    return col(Substitution.cancelled_at).is_(None)


def spans_of(session: Session, official_id: str) -> list[Span]:
    rows = session.exec(select(Substitution).where(
        Substitution.official_id == official_id, _current())).all()
    return [Span(r.substitute_id, r.starts_on, r.ends_on) for r in rows]


def substitutes_on(session: Session, official_ids: Iterable[str], day: date) -> dict[str, str]:
    """Who stands in for each of these officials on `day` (only those who have someone)."""
    ids = list(dict.fromkeys(official_ids))
    if not ids:
        return {}
    rows = session.exec(select(Substitution).where(
        col(Substitution.official_id).in_(ids), _current(), Substitution.starts_on <= day,
        Substitution.ends_on >= day).order_by(col(Substitution.id))).all()
    found: dict[str, str] = {}
    for r in rows:
        found.setdefault(r.official_id, r.substitute_id)
    return found


def substitutions_of(session: Session, official_id: str) -> list[Substitution]:
    """An official's substitutions, current and cancelled, latest first."""
    return list(session.exec(select(Substitution).where(
        Substitution.official_id == official_id)
        .order_by(col(Substitution.starts_on).desc(), col(Substitution.id).desc())).all())


__all__ = ["spans_of", "standing_in_for", "substitutes_on", "substitutions_of"]
