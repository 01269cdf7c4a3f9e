"""A subtree's figures as they stand now: the completed tasks from the rollup the database
keeps (`completedcount`, giaoviec.store.completed_counts), the others counted row by row.

With a live clock a completed task is on time or late for good and a cancelled or declined
one is not counted, so only the open tasks — a quarter at a million — need their standing
worked out (`own_figures`, the one rule). Only for subtrees inside the viewer's jurisdiction,
where every task is visible; a past instant (a week's tally) still counts every row.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlmodel import Session, col

from domain.tally import Figures
from giaoviec.reads.counts import FOUR_WAY, Clock, own_figures, total_figures
from giaoviec.store.completed_counts import CompletedCount
from giaoviec.store.models import Task
from giaoviec.store.task_indexes import NOT_OPEN_STATES


def _completed(on_time: int, late: int) -> Figures:
    return Figures(total=on_time + late, completed_on_time=on_time, completed_late=late)


def _open(where: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    """Those of the tasks `where` picks that are not completed, cancelled or declined:
    ix_task_open_subtree's rows (the states written into the statement, so SQLite's planner
    too sees its predicate)."""
    states = bindparam("not_open", NOT_OPEN_STATES, expanding=True, literal_execute=True)
    return [where, col(Task.state).not_in(states)]


def _inside(path: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """A subtree's tasks, and its rollup rows."""
    return (col(Task.lead_unit_path).startswith(path, autoescape=True),
            col(CompletedCount.lead_unit_path).startswith(path, autoescape=True))


def subtree_total(session: Session, path: str, clock: Clock) -> Figures:
    """The figures of every task led inside the subtree at `path`, together."""
    assert clock.live, "the rollup holds what stands now, not a past instant"
    tasks, rollup = _inside(path)
    figures = total_figures(session, _open(tasks), clock, only=FOUR_WAY)
    on_time, late = session.execute(
        select(func.coalesce(func.sum(CompletedCount.on_time), 0),
               func.coalesce(func.sum(CompletedCount.late), 0)).where(rollup)).one()
    figures.add(_completed(int(on_time), int(late)))
    return figures


def subtree_by_path(session: Session, path: str, clock: Clock) -> dict[str, Figures]:
    """The same, grouped by lead unit path (for `org_counts.within`)."""
    return _by_path(session, *_inside(path), clock)


def led_by(session: Session, paths: Sequence[str], clock: Clock) -> dict[str, Figures]:
    """The figures of the tasks each unit leads itself (its descendants' not), by its path."""
    return _by_path(session, col(Task.lead_unit_path).in_(paths),
                    col(CompletedCount.lead_unit_path).in_(paths), clock)


def _by_path(session: Session, tasks: ColumnElement[bool], rollup: ColumnElement[bool],
             clock: Clock) -> dict[str, Figures]:
    assert clock.live, "the rollup holds what stands now, not a past instant"
    groups = own_figures(session, _open(tasks), clock, by=col(Task.lead_unit_path),
                         only=FOUR_WAY)
    rows = session.execute(select(CompletedCount.lead_unit_path, CompletedCount.on_time,
                                  CompletedCount.late).where(rollup))
    for lead_path, on_time, late in rows:  # a province: ~850 rows, added in place
        if on_time or late:
            figures = groups.get(lead_path)
            if figures is None:
                figures = groups[lead_path] = Figures()
            figures.total += on_time + late
            figures.completed_on_time += on_time
            figures.completed_late += late
    return groups
