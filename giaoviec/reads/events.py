"""The event trail as a feed: new events by increasing id (the API's live updates follow it
across processes), and only those whose task the viewer may read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from giaoviec.reads.org import Viewer
from giaoviec.reads.visibility import readable_tasks
from giaoviec.store.models import Task, TaskEvent


@dataclass(frozen=True)
class NewEvent:
    id: int
    task_id: str


def latest_event_id(session: Session) -> int:
    return int(session.execute(select(func.max(TaskEvent.id))).scalar_one_or_none() or 0)


def events_after(session: Session, after_id: int, limit: int = 1000) -> list[NewEvent]:
    rows = session.execute(
        select(TaskEvent.id, TaskEvent.task_id).where(col(TaskEvent.id) > after_id)
        .order_by(col(TaskEvent.id)).limit(limit)
    ).all()
    return [NewEvent(int(r[0]), r[1]) for r in rows]


def readable_events(
    session: Session, viewer: Viewer, events: Sequence[NewEvent], *,
    task_id: str | None = None, unit_path: str | None = None,
) -> list[tuple[TaskEvent, Task]]:
    """The events whose task the viewer may read (the same rule as `task(id)`), optionally
    only of one task or of tasks led inside one unit's subtree; oldest first."""
    wanted = [e for e in events if task_id is None or e.task_id == task_id]
    tasks = readable_tasks(session, viewer, [e.task_id for e in wanted])
    if unit_path is not None:
        tasks = {k: t for k, t in tasks.items() if t.lead_unit_path.startswith(unit_path)}
    ids = [e.id for e in wanted if e.task_id in tasks]
    if not ids:
        return []
    rows = session.scalars(select(TaskEvent).where(col(TaskEvent.id).in_(ids))
                           .order_by(col(TaskEvent.id))).all()
    return [(r, tasks[r.task_id]) for r in rows]
