"""Questions the read model answers: which tasks a viewer may see, filtered and paged, and the
kiểm đếm counts per unit. Timeliness is derived here at read time, never stored.

`timeliness_case` is the SQL form of `domain.timeliness.timeliness`; a test holds them equal.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlmodel import Session, col

from domain.calendar import WorkingCalendar
from domain.errors import FieldIssue, validation_error
from domain.lifecycle import TaskState
from domain.org import Actor
from domain.tally import Figures
from domain.text import fold
from domain.timeliness import DUE_SOON_WORKING_DAYS, Timeliness
from domain.timezone import as_aware
from giaoviec.store.models import Task, TaskCoordinator, Unit

MAX_PAGE = 100
_CLOSED = (TaskState.COMPLETED.value, TaskState.CANCELLED.value)


@dataclass(frozen=True)
class Viewer:
    """Who asks: his id, his unit's path "/a/b/" and his place in the organisation."""

    actor: Actor
    unit_path: str

    @property
    def id(self) -> str:
        return self.actor.id


# Visibility -------------------------------------------------------------------------------


def visible_tasks(viewer: Viewer) -> ColumnElement[bool]:
    """A viewer sees the tasks led or coordinated inside his unit's subtree (a leader's
    jurisdiction) and every task he owns or assigned."""
    return or_(
        col(Task.lead_unit_path).startswith(viewer.unit_path, autoescape=True),
        Task.owner_id == viewer.id,
        Task.assigner_id == viewer.id,
        col(Task.id).in_(_coordinated_by(col(Unit.path).startswith(viewer.unit_path,
                                                                   autoescape=True))),
    )


def _coordinated_by(unit_condition: ColumnElement[bool]) -> Select[tuple[str]]:
    """Ids of tasks some unit matching the condition coordinates (computed once, not per row)."""
    return (select(TaskCoordinator.task_id)
            .join(Unit, col(Unit.id) == TaskCoordinator.unit_id).where(unit_condition))


def can_view_task(session: Session, viewer: Viewer, task_id: str) -> bool:
    stmt = select(Task.id).where(Task.id == task_id, visible_tasks(viewer))
    return session.execute(stmt).first() is not None


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
    if not common.startswith(viewer.unit_path):  # all inside his subtree: all visible
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


# Task lists ---------------------------------------------------------------------------------


@dataclass
class TaskFilter:
    unit_id: str | None = None
    include_descendants: bool = True
    role: str = "lead"  # lead | coordinating | any
    owner_id: str | None = None
    states: Sequence[TaskState] = ()
    timeliness: Sequence[Timeliness] = ()
    deadline_from: datetime | None = None
    deadline_to: datetime | None = None
    basis: str | None = None
    search: str | None = None
    flagged: bool | None = None


@dataclass
class Page:
    tasks: list[Task]
    has_next: bool
    has_previous: bool
    total: int
    cursors: list[str] = field(default_factory=list)


def encode_cursor(task: Task) -> str:
    raw = f"{as_aware(task.deadline).isoformat()}|{task.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        when, task_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return as_aware(datetime.fromisoformat(when)), task_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise validation_error(
            [FieldIssue("after", "INVALID_CURSOR", "Con trỏ phân trang (after) không hợp lệ.")]
        ) from None


def _unit_scope(session: Session, f: TaskFilter) -> list[ColumnElement[bool]]:
    if f.unit_id is None:
        return []
    unit = session.get(Unit, f.unit_id)
    if unit is None:
        return [false()]
    if f.include_descendants:
        lead = col(Task.lead_unit_path).startswith(unit.path, autoescape=True)
        unit_match: ColumnElement[bool] = col(Unit.path).startswith(unit.path, autoescape=True)
    else:
        lead = Task.lead_unit_id == unit.id
        unit_match = Unit.id == unit.id
    coordinating = col(Task.id).in_(_coordinated_by(unit_match))
    match f.role:
        case "coordinating":
            return [coordinating]
        case "any":
            return [or_(lead, coordinating)]
    return [lead]


def filter_conditions(
    session: Session, viewer: Viewer, f: TaskFilter, clock: Clock
) -> list[ColumnElement[bool]]:
    conds = [visible_tasks(viewer), *_unit_scope(session, f)]
    if f.owner_id:
        conds.append(Task.owner_id == f.owner_id)
    if f.states:
        conds.append(col(Task.state).in_([s.value for s in f.states]))
    if f.timeliness:
        conds.append(or_(*(timeliness_condition(t, clock) for t in f.timeliness)))
    if f.deadline_from:
        conds.append(Task.deadline >= as_aware(f.deadline_from))
    if f.deadline_to:
        conds.append(Task.deadline <= as_aware(f.deadline_to))
    if f.basis:
        conds.append(func.lower(Task.basis).contains(f.basis.lower(), autoescape=True))
    if f.search and fold(f.search):
        for word in fold(f.search).split():
            conds.append(col(Task.search_text).contains(word, autoescape=True))
    if f.flagged is not None:
        conds.append(Task.flagged == f.flagged)
    return conds


def list_tasks(
    session: Session, viewer: Viewer, f: TaskFilter, clock: Clock, *,
    first: int = 50, after: str | None = None,
) -> Page:
    """Tasks by deadline (earliest first), then id; keyset paging with opaque cursors."""
    if first < 0 or first > MAX_PAGE:
        raise validation_error([FieldIssue(
            "first", "INVALID_PAGE_SIZE", f"Số bản ghi mỗi trang phải từ 0 đến {MAX_PAGE}.")])
    conds = filter_conditions(session, viewer, f, clock)
    total = session.execute(select(func.count()).select_from(Task).where(*conds)).scalar_one()
    page_conds = list(conds)
    if after:
        deadline, task_id = decode_cursor(after)
        page_conds.append(or_(
            Task.deadline > deadline, and_(Task.deadline == deadline, Task.id > task_id)
        ))
    stmt = (
        select(Task).where(*page_conds)
        .order_by(col(Task.deadline), col(Task.id)).limit(first + 1)
    )
    rows = list(session.scalars(stmt).all())
    tasks = rows[:first]
    return Page(tasks, len(rows) > first, after is not None, int(total),
                [encode_cursor(t) for t in tasks])


def tasks_by_ids(session: Session, ids: Iterable[str]) -> dict[str, Task]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    rows = session.scalars(select(Task).where(col(Task.id).in_(wanted))).all()
    return {t.id: t for t in rows}
