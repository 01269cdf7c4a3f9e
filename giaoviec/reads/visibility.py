"""Which tasks a viewer may read: `domain.org.can_read_task`, and its SQL form for lists and
counts. Every path to a task's content goes through here."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, or_, select
from sqlmodel import Session, col

from domain.errors import not_found
from domain.org import Actor, can_read_task
from giaoviec.reads.org import Viewer, task_scope
from giaoviec.store.models import Task, TaskCoordinator, TaskEvent, Unit

# Visibility -------------------------------------------------------------------------------


def visible_tasks(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL form of `domain.org.can_read_task`: tasks led or coordinated inside the viewer's
    jurisdiction, and every task he owns or assigned (tests/unit/test_visibility.py holds the
    two equal on a varied population of tasks and viewers)."""
    return or_(
        col(Task.lead_unit_path).startswith(viewer.scope_path, autoescape=True),
        Task.owner_id == viewer.id,
        Task.assigner_id == viewer.id,
        col(Task.id).in_(coordinated_by(col(Unit.path).startswith(viewer.scope_path,
                                                                   autoescape=True))),
    )


def coordinated_by(unit_condition: ColumnElement[bool]) -> Select[tuple[str]]:
    """Ids of tasks some unit matching the condition coordinates (computed once, not per row)."""
    return (select(TaskCoordinator.task_id)
            .join(Unit, col(Unit.id) == TaskCoordinator.unit_id).where(unit_condition))


def can_read(session: Session, actor: Actor, task: Task) -> bool:
    """Whether this official may read this task (domain.org.can_read_task)."""
    return can_read_task(actor, task_scope(session, task))


def readable_task(session: Session, viewer: Viewer, task_id: str) -> Task | None:
    """The task if it exists and the viewer may read it; else None, the same either way."""
    row = session.get(Task, task_id)
    return row if row is not None and can_read(session, viewer.actor, row) else None


def readable_tasks(session: Session, viewer: Viewer, ids: Iterable[str]) -> dict[str, Task]:
    """Tasks by id, only those the viewer may read: every path to a task's content (lists in
    a tally, a briefing, a plan) goes through the same rule."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    rows = session.scalars(select(Task).where(col(Task.id).in_(wanted),
                                              visible_tasks(viewer))).all()
    return {t.id: t for t in rows}


def task_history(session: Session, viewer: Viewer, task_id: str) -> list[TaskEvent]:
    if readable_task(session, viewer, task_id) is None:
        raise not_found("Không tìm thấy nhiệm vụ.")
    return list(session.scalars(select(TaskEvent).where(TaskEvent.task_id == task_id)
                                .order_by(col(TaskEvent.seq))).all())


