"""Which tasks a viewer may read: `domain.org.can_read_task`, and its SQL form for lists and
counts. Every path to a task's content goes through here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Select, or_, select
from sqlmodel import Session, col

from domain.errors import not_found
from domain.org import Actor, can_read_task
from giaoviec.reads.org import Viewer, scope_path, task_scope
from giaoviec.store.models import Task, TaskCoordinator, TaskEvent, Unit

# Visibility -------------------------------------------------------------------------------


def visible_tasks(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL form of `domain.org.can_read_task`: tasks led or coordinated inside the viewer's
    jurisdiction, and every task he owns or assigned; the same for each official he stands in
    for today (tests/unit/test_visibility.py holds the two equal on a varied population of
    tasks, viewers and substitutions)."""
    return or_(*visibility_alternatives(viewer))


def visibility_alternatives(viewer: Viewer) -> list[ColumnElement[bool]]:
    """`visible_tasks` as the conditions it is the OR of. No one index serves the OR; each of
    these has one (ix_task_awaiting_subtree, _owner and _decision for what may await a
    decision): a query that wants a column of the visible matches, not the rows, may ask each
    alternative and unite the answers (giaoviec.reads.decisions)."""
    return [condition for actor in (viewer.actor, *viewer.principals)
            for condition in _reads_itself(actor)]


def _reads_itself(actor: Actor) -> tuple[ColumnElement[bool], ...]:
    scope = scope_path(actor)
    return (
        col(Task.lead_unit_path).startswith(scope, autoescape=True),
        Task.owner_id == actor.id,
        Task.assigner_id == actor.id,
        col(Task.id).in_(coordinated_by(col(Unit.path).startswith(scope, autoescape=True))),
    )


def coordinated_by(unit_condition: ColumnElement[bool]) -> Select[tuple[str]]:
    """Ids of tasks some unit matching the condition coordinates (computed once, not per row)."""
    return (select(TaskCoordinator.task_id)
            .join(Unit, col(Unit.id) == TaskCoordinator.unit_id).where(unit_condition))


def can_read(session: Session, actor: Actor, task: Task,
             standing_in_for: Sequence[Actor] = ()) -> bool:
    """Whether this official (standing in today for `standing_in_for`) may read this task
    (domain.org.can_read_task)."""
    return can_read_task(actor, task_scope(session, task), standing_in_for)


def readable_task(session: Session, viewer: Viewer, task_id: str) -> Task | None:
    """The task if it exists and the viewer may read it; else None, the same either way."""
    row = session.get(Task, task_id)
    return (row if row is not None and can_read(session, viewer.actor, row, viewer.principals)
            else None)


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


