"""Substitutes (người thay) as the read model holds them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from domain.org import Actor
from domain.substitution import Span
from giaoviec.reads.org import actor_of
from giaoviec.store.models import Official, Substitution


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


def standing_in_for(session: Session, substitute_id: str, day: date
                    ) -> list[tuple[Actor, Official]]:
    """The active officials someone stands in for on `day` (as the rules see them, and as
    recorded: name, title)."""
    rows = session.exec(select(Official).join(
        Substitution, col(Substitution.official_id) == Official.id).where(
        Substitution.substitute_id == substitute_id, _current(),
        Substitution.starts_on <= day, Substitution.ends_on >= day,
        col(Official.active).is_(True)).order_by(col(Substitution.id))).all()
    return [(actor_of(session, o), o) for o in rows]


def substitutions_of(session: Session, official_id: str) -> list[Substitution]:
    """An official's substitutions, current and cancelled, latest first."""
    return list(session.exec(select(Substitution).where(
        Substitution.official_id == official_id)
        .order_by(col(Substitution.starts_on).desc(), col(Substitution.id).desc())).all())
