"""Hand-overs an import leaves behind: the open tasks of an official who left their lead unit
(deactivated or moved), recorded for giaoviec.services.handover to give to the unit's head."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from domain.lifecycle import TERMINAL_STATES
from giaoviec.store.models import HandOver, Official, Task, utcnow

_CLOSED = [s.value for s in TERMINAL_STATES]


def record_handovers(session: Session, departures: Sequence[tuple[str, str]]) -> int:
    """Every open task of an official who left its lead unit, to be handed to the unit's head
    (giaoviec.services.handover): recorded with the import, in the same transaction, so none
    is forgotten."""
    now = utcnow()
    made = 0
    for official_id, reason in departures:
        official = session.get(Official, official_id)
        assert official is not None
        tasks = session.exec(select(Task).where(
            Task.owner_id == official_id, col(Task.state).not_in(_CLOSED))).all()
        for task in tasks:
            if official.active and task.lead_unit_id == official.unit_id:
                continue  # moved into the very unit that leads it: still his
            if session.get(HandOver, (task.id, official_id)) is None:
                session.add(HandOver(task_id=task.id, from_official_id=official_id,
                                     reason=reason, created_at=now))
                made += 1
    return made
