"""Task lists: what a viewer may see, filtered and paged by deadline with opaque cursors."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlmodel import Session, col

from domain.errors import FieldIssue, validation_error
from domain.lifecycle import TaskState
from domain.text import fold
from domain.timeliness import Timeliness
from domain.timezone import as_aware
from giaoviec.reads.counts import Clock, timeliness_condition
from giaoviec.reads.decisions import awaiting_my_decision
from giaoviec.reads.org import Viewer
from giaoviec.reads.visibility import coordinated_by, visible_tasks
from giaoviec.store.models import Task, Unit

MAX_PAGE = 100
MAX_SEARCH = 500


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
    awaiting_my_decision: bool = False
    plan_id: str | None = None
    parent_id: str | None = None


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
            [FieldIssue("after", "INVALID_CURSOR", "Con trỏ phân trang (after) không hợp lệ.")],
            "Yêu cầu") from None


def _unit_scope(session: Session, viewer: Viewer,
                f: TaskFilter) -> tuple[list[ColumnElement[bool]], bool]:
    """The unit filter's conditions, and whether they already keep to what the viewer may
    read: a unit inside his jurisdiction (then the visibility test, an OR no index serves,
    is left out: a province's list or count is then one range of the subtree index)."""
    if f.unit_id is None:
        return [], False
    unit = session.get(Unit, f.unit_id)
    if unit is None:
        return [false()], True
    inside = unit.path.startswith(viewer.scope_path)
    if f.include_descendants:
        lead = col(Task.lead_unit_path).startswith(unit.path, autoescape=True)
        unit_match: ColumnElement[bool] = col(Unit.path).startswith(unit.path, autoescape=True)
    else:
        lead = Task.lead_unit_id == unit.id
        unit_match = Unit.id == unit.id
    coordinating = col(Task.id).in_(coordinated_by(unit_match))
    match f.role:
        case "coordinating":
            return [coordinating], inside
        case "any":
            return [or_(lead, coordinating)], inside
    return [lead], inside


def filter_conditions(
    session: Session, viewer: Viewer, f: TaskFilter, clock: Clock
) -> list[ColumnElement[bool]]:
    conds, visible = _unit_scope(session, viewer, f)
    if not visible:
        conds.insert(0, visible_tasks(viewer))
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
    if f.awaiting_my_decision:
        conds.append(awaiting_my_decision(session, viewer))
    if f.plan_id:
        conds.append(Task.plan_id == f.plan_id)
    if f.parent_id:
        conds.append(Task.parent_id == f.parent_id)
    return conds


def list_tasks(
    session: Session, viewer: Viewer, f: TaskFilter, clock: Clock, *,
    first: int = 50, after: str | None = None,
) -> Page:
    """Tasks by deadline (earliest first), then id; keyset paging with opaque cursors."""
    if first < 0 or first > MAX_PAGE:
        raise validation_error([FieldIssue(
            "first", "INVALID_PAGE_SIZE", f"Số bản ghi mỗi trang phải từ 0 đến {MAX_PAGE}.")],
            "Yêu cầu")
    too_long = [FieldIssue(f"filter.{name}", "TEXT_TOO_LONG",
                           f"Chuỗi lọc dài quá {MAX_SEARCH} ký tự.")
                for name, value in (("search", f.search), ("basis", f.basis))
                if value is not None and len(value) > MAX_SEARCH]
    if too_long:
        raise validation_error(too_long, subject="Bộ lọc")
    conds = filter_conditions(session, viewer, f, clock)
    cursor = decode_cursor(after) if after else None
    if (f.unit_id is not None and f.include_descendants) or f.awaiting_my_decision:
        total, rows = _gathered_page(session, conds, cursor, first + 1)
    else:
        total = session.execute(select(func.count()).select_from(Task).where(*conds)).scalar_one()
        rows = list(session.scalars(
            select(Task).where(*conds, *_after(Task.deadline, Task.id, cursor))
            .order_by(col(Task.deadline), col(Task.id)).limit(first + 1)).all())
    tasks = rows[:first]
    return Page(tasks, len(rows) > first, after is not None, int(total),
                [encode_cursor(t) for t in tasks])


def _after(deadline: Any, task_id: Any,
           cursor: tuple[datetime, str] | None) -> list[ColumnElement[bool]]:
    """Keyset paging: what comes after the cursor's (deadline, id)."""
    if cursor is None:
        return []
    when, last = cursor
    return [or_(deadline > when, and_(deadline == when, task_id > last))]


def _gathered_page(session: Session, conds: list[ColumnElement[bool]],
                   cursor: tuple[datetime, str] | None, limit: int) -> tuple[int, list[Task]]:
    """A page of a bounded set (a unit's subtree, what awaits the viewer's decision): the
    matches' ids and deadlines gathered once from the index that finds them (ix_task_subtree,
    ix_task_awaiting_decision; index-only), counted, and the page's `limit` picked from them
    by (deadline, id); those rows joined by primary key, in the same statement. A walk of
    ix_task_deadline in page order reads the window's tasks of every other unit, heap row by
    heap row, before it has a page; the planner cannot tell (docs/benchmarks.md, "A million
    tasks"). This costs what counting the matches costs, which the page's totalCount pays
    anyway."""
    hits = select(Task.id, Task.deadline).where(*conds).cte("hits").prefix_with("MATERIALIZED")
    counted = select(func.count().label("total")).select_from(hits).subquery("counted")
    page = (select(hits.c.id).where(*_after(hits.c.deadline, hits.c.id, cursor))
            .order_by(hits.c.deadline, hits.c.id).limit(limit).subquery("page"))
    # One row with the total and no task when the page is empty.
    found = session.execute(
        select(counted.c.total, Task)
        .select_from(counted.outerjoin(page.join(Task, col(Task.id) == page.c.id), true()))
        .order_by(col(Task.deadline), col(Task.id))).all()
    return int(found[0].total), [r.Task for r in found if r.Task is not None]
