"""Every count of tasks, in SQL: the kiểm đếm figures of units as of an instant — for the org
chart's counts, the weekly tally and the briefing alike — and a task's timeliness for lists
and filters.

The expressions here are the SQL form of `domain.tally.judge` and
`domain.timeliness.timeliness`; tests hold them equal on random populations. `own_figures` is
the one function that counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    column,
    false,
    func,
    literal,
    or_,
    select,
    table,
)
from sqlalchemy.sql.util import ClauseAdapter
from sqlmodel import Session, col

from domain.calendar import WorkingCalendar
from domain.lifecycle import TaskState
from domain.periods import Period
from domain.tally import Figures, TaskLists, UnitNode, UnitTally, find, roll_up
from domain.timeliness import DUE_SOON_WORKING_DAYS, Timeliness
from domain.timezone import as_aware
from giaoviec.store.db import UTCDateTime
from giaoviec.store.models import Task, Unit

_S = TaskState


@dataclass(frozen=True)
class Clock:
    """The instant figures are taken at, and its due-soon horizon, so every number agrees.

    A past instant (a period's end) counts only what had happened by then: tasks assigned,
    completed, cancelled by it. A live clock (a request's "now") counts everything as it
    stands, so a task the same request has just created or completed is in its answer."""

    now: datetime
    due_soon_until: datetime
    live: bool = False

    @classmethod
    def at(cls, now: datetime, calendar: WorkingCalendar, *, live: bool = False) -> Clock:
        now = as_aware(now)
        return cls(now, calendar.due_soon_horizon(now, DUE_SOON_WORKING_DAYS), live)

    def by_then(self, moment: ColumnElement[datetime]) -> ColumnElement[bool]:
        """Whether an event had happened by the instant (a live clock: whether it has)."""
        return moment.is_not(None) if self.live else moment <= self.instant

    def after(self, moment: ColumnElement[datetime]) -> ColumnElement[bool]:
        """Whether an event happened only after the instant (a live clock: never)."""
        return false() if self.live else moment > self.instant

    @property
    def instant(self) -> ColumnElement[datetime]:
        return instant(self.now)

    @property
    def horizon(self) -> ColumnElement[datetime]:
        return instant(self.due_soon_until)


def instant(moment: datetime) -> ColumnElement[datetime]:
    """A moment as the read model stores moments (UTC): an untyped parameter (inside
    COALESCE, say) would reach SQLite as local wall-clock text and compare wrongly."""
    return literal(as_aware(moment), UTCDateTime())


# How a task stands at the clock's instant (domain.tally.judge in SQL) -------------------------


def _gone(clock: Clock) -> ColumnElement[bool]:
    """Cancelled or declined by the instant: not counted (a declined task is the assigner's)."""
    def by(state: TaskState, moment: ColumnElement[datetime]) -> ColumnElement[bool]:
        return and_(Task.state == state.value, or_(moment.is_(None), clock.by_then(moment)))

    return or_(by(_S.CANCELLED, col(Task.cancelled_at)), by(_S.DECLINED, col(Task.declined_at)))


def _counted(clock: Clock) -> ColumnElement[bool]:
    return and_(clock.by_then(col(Task.created_at)), ~_gone(clock))


def _completed(clock: Clock) -> ColumnElement[bool]:
    return and_(Task.state == _S.COMPLETED.value,
                or_(col(Task.completed_at).is_(None), clock.by_then(col(Task.completed_at))))


def _on_time(clock: Clock) -> ColumnElement[bool]:
    submitted = func.coalesce(Task.submitted_at, Task.completed_at)
    return and_(_completed(clock), submitted <= Task.deadline)


def _awaiting(clock: Clock) -> ColumnElement[bool]:
    """domain.tally.awaiting_since: a product submitted and awaiting approval at the instant."""
    return and_(
        clock.by_then(col(Task.submitted_at)),
        or_(col(Task.state).in_([_S.SUBMITTED.value, _S.COMPLETED.value]),
            and_(clock.after(col(Task.returned_at)), Task.state != _S.PAUSED.value)),
    )


def _stopped(clock: Clock) -> ColumnElement[datetime]:
    """domain.tally.stopped_at: the submission while a product awaits approval, the pause
    while paused; NULL while the clock runs."""
    return case((_awaiting(clock), Task.submitted_at),
                (Task.state == _S.PAUSED.value, Task.paused_at), else_=None)


def _open(clock: Clock) -> ColumnElement[bool]:
    return and_(_counted(clock), ~_completed(clock))


def _overdue(clock: Clock) -> ColumnElement[bool]:
    return and_(_open(clock), func.coalesce(_stopped(clock), clock.instant) > Task.deadline)


def _due_soon(clock: Clock) -> ColumnElement[bool]:
    return and_(_open(clock), _stopped(clock).is_(None), Task.deadline >= clock.instant,
                Task.deadline <= clock.horizon)


def _within(moment: ColumnElement[datetime]) -> ColumnElement[bool]:
    """Within the period counted (its bounds are the counting statement's parameters)."""
    return and_(moment >= bindparam(_FROM, type_=UTCDateTime()),
                moment <= bindparam(_TO, type_=UTCDateTime()))


def _awaiting_approval(clock: Clock) -> ColumnElement[bool]:
    """Submitted in time, past the deadline, not yet approved: "chờ lãnh đạo xác nhận"."""
    return and_(_counted(clock), Task.state == _S.SUBMITTED.value,
                Task.submitted_at <= Task.deadline, Task.deadline < clock.instant)


def _declined(clock: Clock) -> ColumnElement[bool]:
    return and_(clock.by_then(col(Task.created_at)), Task.state == _S.DECLINED.value,
                or_(col(Task.declined_at).is_(None), clock.by_then(col(Task.declined_at))))


# Counting ------------------------------------------------------------------------------------


# How a task stands, as one value per row: each row's standing is worked out once, however
# many figures read it (SQLite evaluates every condition of every CASE anew).
# _PENDING: open, its product submitted on time and awaiting approval (in time, and on time in
# every rate: domain.tally.rate_standing).
_GONE, _ON_TIME, _LATE, _OVERDUE, _DUE_SOON, _IN_TIME, _PENDING = (
    "x", "ot", "lt", "od", "ds", "it", "pt")
_OPEN_STANDINGS = (_OVERDUE, _DUE_SOON, _IN_TIME, _PENDING)
_RATED_ON_TIME = (_ON_TIME, _PENDING)
_NO_LIMIT = 2**62
FOUR_WAY = ("total", "completed_on_time", "completed_late", "open_in_time", "open_overdue",
            "due_soon", "pending_on_time")


def _standing(clock: Clock) -> ColumnElement[str]:
    stopped = _stopped(clock)
    return case(
        (~_counted(clock), _GONE),
        (_on_time(clock), _ON_TIME),
        (_completed(clock), _LATE),
        (func.coalesce(stopped, clock.instant) > Task.deadline, _OVERDUE),
        (_awaiting(clock), _PENDING),
        (and_(stopped.is_(None), Task.deadline <= clock.horizon), _DUE_SOON),
        else_=_IN_TIME,
    )


def _figure_columns(clock: Clock, period: bool, standing: ColumnElement[str],
                    only: Sequence[str] | None) -> dict[str, ColumnElement[bool]]:
    """Each figure of domain.tally.Figures (or those `only` names) and the condition a task
    meets to add one to it, read off its standing (with a period: its flows too)."""
    is_open = standing.in_(_OPEN_STANDINGS)
    figures: dict[str, ColumnElement[bool]] = {
        "total": standing != _GONE,
        "completed_on_time": standing == _ON_TIME,
        "completed_late": standing == _LATE,
        "open_in_time": standing.in_((_DUE_SOON, _IN_TIME, _PENDING)),
        "open_overdue": standing == _OVERDUE,
        "due_soon": standing == _DUE_SOON,
        "flagged": and_(is_open, col(Task.flagged).is_(True)),
        "pending_extensions": and_(
            is_open, col(Task.extension_requested_deadline).is_not(None)),
        "awaiting_approval": _awaiting_approval(clock),
        "declined": _declined(clock),
        "pending_on_time": standing == _PENDING,
    }
    if period:
        # Flows within the period, so a half-year is its two quarters: assigned in it (a later
        # cancellation does not undo that), fallen due in it (unless cancelled or declined
        # before the deadline), completed in it.
        gone_first = and_(col(Task.state).in_([_S.CANCELLED.value, _S.DECLINED.value]),
                          func.coalesce(Task.cancelled_at, Task.declined_at) <= Task.deadline)
        due_in = and_(_within(col(Task.deadline)), ~gone_first)
        done_in = and_(standing.in_((_ON_TIME, _LATE)), _within(col(Task.completed_at)))
        # domain.tally.in_rate_base: rated, and due or delivered in the period.
        delivered_in = or_(done_in, and_(standing == _PENDING,
                                         _within(col(Task.submitted_at))))
        base = and_(standing.in_((*_RATED_ON_TIME, _LATE, _OVERDUE)),
                    or_(_within(col(Task.deadline)), delivered_in))
        figures |= {
            "due_in_period": due_in,
            "assigned_in_period": _within(col(Task.created_at)),
            "completed_in_period": done_in,
            "base_in_period": base,
            "on_time_in_period": and_(base, standing.in_(_RATED_ON_TIME)),
        }
    return {k: v for k, v in figures.items() if only is None or k in only}


# Counting statements, built once ---------------------------------------------------------------
# A count's expressions (a task's standing, each figure's condition, the sums) cost more
# Python to build than PostgreSQL takes to run a unit's count (~1.5 ms a statement, several a
# page). They are built once per shape, the clock's instants and the period's bounds being
# the statement's named parameters; a call adds only its own conditions. The rows counted
# are a CTE named "counted", which the sums read as a plain table of that name.
_NOW, _HORIZON = "counts_now", "counts_horizon"
_FROM, _TO = "counts_period_start", "counts_period_end"
_ROW_COLUMNS = (Task.flagged, Task.extension_requested_deadline, Task.state, Task.submitted_at,
                Task.deadline, Task.created_at, Task.completed_at, Task.cancelled_at,
                Task.declined_at)
_COUNTED = table("counted", column("group_key"), column("standing"),
                 *(column(c.key) for c in _ROW_COLUMNS))


@dataclass(frozen=True)
class _ParameterClock(Clock):
    """A clock whose instants are the counting statement's parameters."""

    @property
    def instant(self) -> ColumnElement[datetime]:
        return bindparam(_NOW, type_=UTCDateTime())

    @property
    def horizon(self) -> ColumnElement[datetime]:
        return bindparam(_HORIZON, type_=UTCDateTime())


@dataclass(frozen=True)
class _Shape:
    standing: ColumnElement[str]  # over `task`
    created: ColumnElement[bool]  # assigned by the instant, over `task`
    sums: Select[Any]  # over "counted"
    names: tuple[str, ...]


@lru_cache(maxsize=64)
def _shape(live: bool, period: bool, only: tuple[str, ...] | None, grouped: bool) -> _Shape:
    epoch = datetime.fromtimestamp(0, UTC)
    clock = _ParameterClock(epoch, epoch, live)
    figures = _figure_columns(clock, period, _COUNTED.c.standing, only)
    # The figures' task columns, re-pointed at the counted rows' columns of the same name.
    adapt = ClauseAdapter(_COUNTED, adapt_on_names=True)
    sums = [func.coalesce(func.sum(case((adapt.traverse(cond), 1), else_=0)), 0)
            for cond in figures.values()]
    key = _COUNTED.c.group_key
    outer = (select(key, *sums).group_by(key) if grouped
             else select(*sums).select_from(_COUNTED))
    return _Shape(_standing(clock), clock.by_then(col(Task.created_at)), outer,
                  tuple(figures))


def _count_statement(conds: Sequence[ColumnElement[bool]], clock: Clock, period: Period | None,
                     key: ColumnElement[str] | None, only: Sequence[str] | None,
                     ) -> tuple[Select[Any], tuple[str, ...], dict[str, datetime]]:
    """The statement counting the rows matching `conds` (grouped by `key` if given), the
    figures its columns hold (after the key), and its parameters."""
    shape = _shape(clock.live, period is not None, tuple(only) if only is not None else None,
                   key is not None)
    columns: list[Any] = [shape.standing.label("standing"), *_ROW_COLUMNS]
    if key is not None:
        columns.insert(0, key.label("group_key"))
    # The LIMIT keeps SQLite from flattening the rows into the sums (its planner would then
    # work the standing out again for every figure); it never cuts a row.
    rows = select(*columns).where(shape.created, *conds).limit(_NO_LIMIT).cte("counted")
    params = {_NOW: as_aware(clock.now), _HORIZON: as_aware(clock.due_soon_until)}
    if period is not None:
        params |= {_FROM: as_aware(period.start), _TO: as_aware(period.end)}
    return shape.sums.add_cte(rows), shape.names, params


def own_figures(
    session: Session, conds: Sequence[ColumnElement[bool]], clock: Clock,
    period: Period | None = None, *, by: ColumnElement[str] | None = None,
    only: Sequence[str] | None = None,
) -> dict[str, Figures]:
    """The figures of the tasks matching `conds`, grouped by lead unit (or by `by`), as of the
    clock's instant and, with a period, with the period's figures (`only`: just these)."""
    key = by if by is not None else col(Task.lead_unit_id)
    stmt, names, params = _count_statement(conds, clock, period, key, only)
    # All at once (`all`): a plain Core result iterated would fetch its rows one by one.
    return {row[0]: Figures(**{name: int(row[i + 1]) for i, name in enumerate(names)})
            for row in session.execute(stmt, params).all()}


def total_figures(
    session: Session, conds: Sequence[ColumnElement[bool]], clock: Clock,
    period: Period | None = None, *, only: Sequence[str] | None = None,
) -> Figures:
    """The figures of all the tasks matching `conds` together: one plain aggregate (a unit's
    whole subtree, without grouping by unit to add the groups up again)."""
    stmt, names, params = _count_statement(conds, clock, period, None, only)
    row = session.execute(stmt, params).one()
    return Figures(**{name: int(v) for name, v in zip(names, row, strict=True)})


def own_lists(session: Session, conds: Sequence[ColumnElement[bool]],
              clock: Clock) -> dict[str, TaskLists]:
    """The tasks a briefing names, by lead unit: flagged, pending extensions, awaiting the
    assigner's approval, declined; oldest deadline first."""
    kinds = {
        "flagged": and_(_open(clock), col(Task.flagged).is_(True)),
        "pending_extensions": and_(_open(clock),
                                   col(Task.extension_requested_deadline).is_not(None)),
        "awaiting_approval": _awaiting_approval(clock),
        "declined": _declined(clock),
    }
    flags = [case((cond, True), else_=False).label(name) for name, cond in kinds.items()]
    stmt = (select(Task.id, Task.lead_unit_id, *flags)
            .where(clock.by_then(col(Task.created_at)), or_(*kinds.values()), *conds)
            .order_by(col(Task.deadline), col(Task.id)))
    found: dict[str, TaskLists] = defaultdict(TaskLists)
    for row in session.execute(stmt).mappings():
        for name in kinds:
            if row[name]:
                getattr(found[row["lead_unit_id"]], name).append(row["id"])
    return found


def subtree_tally(session: Session, unit: Unit, clock: Clock, period: Period | None,
                  units: Sequence[UnitNode]) -> UnitTally:
    """A unit's tally with its subtree: every task led inside it, counted as of the clock."""
    inside = [col(Task.lead_unit_path).startswith(unit.path, autoescape=True)]
    roots = roll_up(units, own_figures(session, inside, clock, period),
                    own_lists(session, inside, clock))
    found = find(roots, unit.id)
    assert found is not None
    return found


# One task's timeliness, for lists and filters -------------------------------------------------


def timeliness_condition(value: Timeliness, clock: Clock) -> ColumnElement[bool]:
    match value:
        case Timeliness.COMPLETED_ON_TIME:
            return _on_time(clock)
        case Timeliness.COMPLETED_LATE:
            return and_(_completed(clock), ~_on_time(clock))
        case Timeliness.OVERDUE:
            return _overdue(clock)
        case Timeliness.DUE_SOON:
            return _due_soon(clock)
        case Timeliness.IN_TIME:
            return and_(_open(clock), ~_overdue(clock), ~_due_soon(clock))


def timeliness_case(clock: Clock) -> ColumnElement[str]:
    """One task's timeliness as a SQL expression; a task cancelled or declined as it stood
    then (filters and counts leave those out)."""
    gone_at = case((Task.state == _S.CANCELLED.value, Task.cancelled_at),
                   (Task.state == _S.DECLINED.value, Task.declined_at), else_=None)
    gone = col(Task.state).in_([_S.CANCELLED.value, _S.DECLINED.value])
    return case(
        (and_(gone, gone_at > Task.deadline), Timeliness.OVERDUE.value),
        (gone, Timeliness.IN_TIME.value),
        (_on_time(clock), Timeliness.COMPLETED_ON_TIME.value),
        (_completed(clock), Timeliness.COMPLETED_LATE.value),
        (_overdue(clock), Timeliness.OVERDUE.value),
        (_due_soon(clock), Timeliness.DUE_SOON.value),
        else_=Timeliness.IN_TIME.value,
    )
