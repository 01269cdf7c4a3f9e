"""Timeliness and the kiểm đếm counts in SQL, per unit, scoped to what a viewer may read.

`timeliness_case` is the SQL form of `domain.timeliness.timeliness`; a test holds them equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlmodel import Session, col

from domain.calendar import WorkingCalendar
from domain.lifecycle import TaskState
from domain.tally import Figures
from domain.timeliness import DUE_SOON_WORKING_DAYS, Timeliness
from domain.timezone import as_aware
from giaoviec.reads.org import Viewer
from giaoviec.reads.visibility import visible_tasks
from giaoviec.store.models import Task, Unit

_CLOSED = (TaskState.COMPLETED.value, TaskState.CANCELLED.value)


# Timeliness in SQL ------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """"Now" and the due-soon horizon for one request, so every number agrees."""

    now: datetime
    due_soon_until: datetime

    @classmethod
    def at(cls, now: datetime, calendar: WorkingCalendar) -> Clock:
        now = as_aware(now)
        return cls(now, calendar.due_soon_horizon(now, DUE_SOON_WORKING_DAYS))


def _is_open() -> ColumnElement[bool]:
    return col(Task.state).not_in(_CLOSED)


def _completed() -> ColumnElement[bool]:
    return Task.state == TaskState.COMPLETED.value


def _on_time() -> ColumnElement[bool]:
    submitted = func.coalesce(Task.submitted_at, Task.completed_at)
    return and_(_completed(), submitted <= Task.deadline)


def _overdue(clock: Clock) -> ColumnElement[bool]:
    # A paused task is judged at the moment it was paused.
    reference = case((Task.state == TaskState.PAUSED.value, Task.paused_at), else_=clock.now)
    return and_(_is_open(), reference > Task.deadline)


def _due_soon(clock: Clock) -> ColumnElement[bool]:
    return and_(
        _is_open(), Task.state != TaskState.PAUSED.value, Task.deadline >= clock.now,
        Task.deadline <= clock.due_soon_until,
    )


def timeliness_condition(value: Timeliness, clock: Clock) -> ColumnElement[bool]:
    match value:
        case Timeliness.COMPLETED_ON_TIME:
            return _on_time()
        case Timeliness.COMPLETED_LATE:
            return and_(_completed(), ~_on_time())
        case Timeliness.OVERDUE:
            return _overdue(clock)
        case Timeliness.DUE_SOON:
            return _due_soon(clock)
        case Timeliness.IN_TIME:
            return and_(_is_open(), ~_overdue(clock), ~_due_soon(clock))


def timeliness_case(clock: Clock) -> ColumnElement[str]:
    """One task's timeliness as a SQL expression; a cancelled task as it stood when cancelled
    (filters and counts leave cancelled tasks out)."""
    cancelled_late = and_(Task.state == TaskState.CANCELLED.value,
                          Task.cancelled_at > Task.deadline)
    return case(
        (cancelled_late, Timeliness.OVERDUE.value),
        (Task.state == TaskState.CANCELLED.value, Timeliness.IN_TIME.value),
        (_on_time(), Timeliness.COMPLETED_ON_TIME.value),
        (_completed(), Timeliness.COMPLETED_LATE.value),
        (_overdue(clock), Timeliness.OVERDUE.value),
        (_due_soon(clock), Timeliness.DUE_SOON.value),
        else_=Timeliness.IN_TIME.value,
    )


# Counts (kiểm đếm) ------------------------------------------------------------------------


# The six figures the dashboard counts, in the order _count_columns yields them; the rest of
# domain.tally.Figures (period figures) belong to the weekly tally.
COUNT_FIELDS = ("total", "completed_on_time", "completed_late", "open_in_time", "open_overdue",
                "due_soon")


def _figures(values: Sequence[int]) -> Figures:
    return Figures(**dict(zip(COUNT_FIELDS, (int(v) for v in values), strict=True)))


def _count_columns(clock: Clock) -> list[ColumnElement[int]]:
    def n(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    return [
        func.count(Task.id),
        n(_on_time()),
        n(and_(_completed(), ~_on_time())),
        n(and_(_is_open(), ~_overdue(clock))),
        n(_overdue(clock)),
        n(_due_soon(clock)),
    ]


def counts_by_lead_unit(
    session: Session, viewer: Viewer, unit_ids: Sequence[str], clock: Clock
) -> dict[str, Figures]:
    """Tasks each unit leads itself (cancelled tasks are not counted)."""
    stmt = (
        select(Task.lead_unit_id, *_count_columns(clock))
        .where(col(Task.lead_unit_id).in_(unit_ids), Task.state != TaskState.CANCELLED.value,
               visible_tasks(viewer))
        .group_by(Task.lead_unit_id)
    )
    return {row[0]: _figures(row[1:]) for row in session.execute(stmt)}


def counts_with_descendants(
    session: Session, viewer: Viewer, unit_ids: Sequence[str], clock: Clock
) -> dict[str, Figures]:
    """Tasks led by each unit or any unit below it, for a whole batch of units: one grouped
    query under the batch's common ancestor, rolled up here along the paths."""
    paths = {row[0]: row[1] for row in session.execute(
        select(Unit.id, Unit.path).where(col(Unit.id).in_(unit_ids)))}
    if not paths:
        return {}
    common = _common_prefix(list(paths.values()))
    conds = [col(Task.lead_unit_path).startswith(common, autoescape=True),
             Task.state != TaskState.CANCELLED.value]
    if not common.startswith(viewer.scope_path):  # all inside his subtree: all visible
        conds.append(visible_tasks(viewer))
    stmt = (select(Task.lead_unit_path, *_count_columns(clock)).where(*conds)
            .group_by(Task.lead_unit_path))
    groups = [(row[0], _figures(row[1:])) for row in session.execute(stmt)]
    result: dict[str, Figures] = {}
    for unit_id, path in paths.items():
        total = Figures()
        for lead_path, figures in groups:
            if lead_path.startswith(path):
                total.add(figures)
        result[unit_id] = total
    return result


def _common_prefix(paths: list[str]) -> str:
    """The path of the nearest unit above all of them ("/" when they share none)."""
    parts = [p.strip("/").split("/") for p in paths]
    shared: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        shared.append(level[0])
    return "/" + "".join(f"{p}/" for p in shared)




def counts_grouped(
    session: Session, viewer: Viewer, key: ColumnElement[str] | None,
    conds: Sequence[ColumnElement[bool]], clock: Clock,
) -> dict[str, Figures]:
    """The same figures for the tasks matching `conds`, grouped by `key` (a plan's tasks by
    lead unit, a recurring duty's by period), or all together under "" when `key` is None
    (everything split from a task)."""
    where = [*conds, Task.state != TaskState.CANCELLED.value, visible_tasks(viewer)]
    if key is None:
        row = session.execute(select(*_count_columns(clock)).where(*where)).one()
        return {"": _figures(row)}
    stmt = select(key, *_count_columns(clock)).where(*where).group_by(key)
    return {row[0]: _figures(row[1:]) for row in session.execute(stmt)}
