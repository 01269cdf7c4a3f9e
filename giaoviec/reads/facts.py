"""Tasks and units as the pure tally rules see them."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.lifecycle import TaskState
from domain.tally import TaskFact, UnitNode
from giaoviec.store.models import Task, Unit


def fact_of(t: Task) -> TaskFact:
    return TaskFact(
        id=t.id, title=t.title, lead_unit_id=t.lead_unit_id, owner_id=t.owner_id,
        state=TaskState(t.state), deadline=t.deadline, created_at=t.created_at,
        submitted_at=t.submitted_at, completed_at=t.completed_at, paused_at=t.paused_at,
        cancelled_at=t.cancelled_at, flagged=t.flagged, overdue_reminders=t.overdue_reminders,
        extension_requested=t.extension_requested_deadline, declined_at=t.declined_at,
        returned_at=t.returned_at, assigner_id=t.assigner_id,
    )


def load_units(session: Session, path_prefix: str | None = None) -> list[UnitNode]:
    stmt = select(Unit)
    if path_prefix:
        stmt = stmt.where(col(Unit.path).startswith(path_prefix))
    return [UnitNode(u.id, u.name, u.parent_id, u.sort_order) for u in session.exec(stmt).all()]


def load_facts(session: Session, path_prefix: str | None = None) -> list[TaskFact]:
    stmt = select(Task)
    if path_prefix:
        stmt = stmt.where(col(Task.lead_unit_path).startswith(path_prefix))
    return [fact_of(t) for t in session.exec(stmt).all()]
