"""Naming a substitute (người thay) for a date range, and withdrawing one; each is recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain.errors import conflict, forbidden, not_found
from domain.org import Actor, is_above
from domain.substitution import check_substitution
from domain.timezone import local_date
from giaoviec.reads.org import actor_of, load_actor
from giaoviec.reads.substitutes import spans_of
from giaoviec.store.db import session_scope
from giaoviec.store.models import Official, Substitution, SubstitutionDay

MAX_ID = 2**63 - 1  # the largest id the database stores; anything above names nothing
OVERLAP = "Cán bộ đã có người thay trong một số ngày của khoảng thời gian này."


def set_substitute(
    engine: Engine, setter_id: str, official_id: str, substitute_id: str, starts_on: date,
    ends_on: date, reason: str | None, *, now: datetime | None = None,
) -> Substitution:
    now = now or datetime.now(UTC)
    try:
        return _set(engine, setter_id, official_id, substitute_id, starts_on, ends_on, reason,
                    now)
    except IntegrityError:  # a concurrent request took one of the days first
        raise conflict(OVERLAP) from None


def _set(engine: Engine, setter_id: str, official_id: str, substitute_id: str, starts_on: date,
         ends_on: date, reason: str | None, now: datetime) -> Substitution:
    with session_scope(engine) as session:
        setter = load_actor(session, setter_id)
        principal = load_actor(session, official_id)
        found = session.get(Official, substitute_id)
        substitute = actor_of(session, found) if found is not None and found.active else None
        check_substitution(setter, principal, substitute, starts_on, ends_on, reason,
                           local_date(now), spans_of(session, principal.id))
        row = Substitution(official_id=principal.id, substitute_id=substitute_id,
                           starts_on=starts_on, ends_on=ends_on, reason=(reason or "").strip(),
                           created_by=setter.id, created_at=now)
        session.add(row)
        session.flush()
        # One row a day under a primary key: "one substitute a day" holds in the database
        # (the check above reads before it writes, and concurrent requests both passed it).
        assert row.id is not None
        session.add_all(SubstitutionDay(official_id=principal.id, day=starts_on + timedelta(n),
                                        substitution_id=row.id)
                        for n in range((ends_on - starts_on).days + 1))
        session.flush()
        return row


def cancel_substitute(engine: Engine, actor_id: str, substitution_id: int, *,
                      now: datetime | None = None) -> Substitution:
    """Withdrawn by the official, the one who named the substitute, or a leader above."""
    now = now or datetime.now(UTC)
    if not 1 <= substitution_id <= MAX_ID:
        raise not_found("Không tìm thấy việc cử người thay.")
    with session_scope(engine) as session:
        actor = load_actor(session, actor_id)
        row = session.get(Substitution, substitution_id)
        if row is None or row.cancelled_at is not None:
            raise not_found("Không tìm thấy việc cử người thay.")
        if actor.id not in (row.official_id, row.created_by) and not _above(
                session, actor, row.official_id):
            raise forbidden("Chỉ cán bộ, người đã cử hoặc lãnh đạo cấp trên được hủy.")
        row.cancelled_at, row.cancelled_by = now, actor.id
        session.add(row)
        session.execute(delete(SubstitutionDay).where(
            SubstitutionDay.substitution_id == row.id))  # type: ignore[arg-type]
        return row


def _above(session: Session, actor: Actor, official_id: str) -> bool:
    official = session.get(Official, official_id)
    return official is not None and is_above(actor, actor_of(session, official))
