"""Kiểm đếm: counting every unit's tasks for a period, and rolling the counts up the tree.

Rules (what the office expects of the weekly tally):
- A task counts once it has been assigned (created at or before the tally instant) and is not
  cancelled; cancelled tasks are left out, as in the Government's reports.
- The tally instant is the end of the period, or now for a period not yet over.
- Completed by that instant: on time or late, judged on the submission of the accepted
  product against the effective deadline. Otherwise open: in time (due soon is a part of it)
  or overdue, by domain.timeliness — a paused task as it stood when paused.
- The four groups add up to the total. Rates are of the total.
- A unit's figures include its own tasks and all its descendants' (the tree roll-up).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from domain.calendar import WorkingCalendar
from domain.lifecycle import TaskState
from domain.periods import Period
from domain.timeliness import Timeliness, timeliness
from domain.timezone import as_aware


@dataclass(frozen=True)
class TaskFact:
    id: str
    title: str
    lead_unit_id: str
    owner_id: str
    state: TaskState
    deadline: datetime
    created_at: datetime
    submitted_at: datetime | None = None
    completed_at: datetime | None = None
    paused_at: datetime | None = None
    cancelled_at: datetime | None = None
    flagged: bool = False
    overdue_reminders: int = 0
    extension_requested: datetime | None = None


@dataclass(frozen=True)
class UnitNode:
    id: str
    name: str
    parent_id: str | None
    sort_order: int = 0


@dataclass
class Figures:
    total: int = 0
    completed_on_time: int = 0
    completed_late: int = 0
    open_in_time: int = 0
    open_overdue: int = 0
    due_soon: int = 0
    due_in_period: int = 0
    assigned_in_period: int = 0
    completed_in_period: int = 0
    flagged: int = 0
    pending_extensions: int = 0

    @property
    def on_time_rate(self) -> float:
        """% of all counted tasks completed on time."""
        return round(100.0 * self.completed_on_time / self.total, 1) if self.total else 0.0

    @property
    def overdue_rate(self) -> float:
        return round(100.0 * self.open_overdue / self.total, 1) if self.total else 0.0

    def add(self, other: Figures) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


@dataclass
class UnitTally:
    unit: UnitNode
    own: Figures = field(default_factory=Figures)
    rolled: Figures = field(default_factory=Figures)
    children: list[UnitTally] = field(default_factory=list)
    flagged_ids: list[str] = field(default_factory=list)  # rolled up, for giao ban
    pending_extension_ids: list[str] = field(default_factory=list)


def judge(fact: TaskFact, at: datetime, calendar: WorkingCalendar) -> Timeliness | None:
    """The task's standing at instant `at`; None when it is not counted then."""
    at = as_aware(at)
    if as_aware(fact.created_at) > at:
        return None
    if fact.state is TaskState.CANCELLED and (
        fact.cancelled_at is None or as_aware(fact.cancelled_at) <= at
    ):
        return None
    done = fact.state is TaskState.COMPLETED and (
        fact.completed_at is None or as_aware(fact.completed_at) <= at
    )
    if done:
        return timeliness(state=TaskState.COMPLETED, deadline=fact.deadline,
                          accepted_submitted_at=fact.submitted_at or fact.completed_at,
                          now=at, calendar=calendar)
    paused = fact.state is TaskState.PAUSED and fact.paused_at is not None
    state = TaskState.PAUSED if paused else TaskState.IN_PROGRESS
    return timeliness(state=state, deadline=fact.deadline, accepted_submitted_at=None, now=at,
                      calendar=calendar, frozen_at=fact.paused_at if paused else None)


def figures_of(
    facts: Iterable[TaskFact], period: Period, at: datetime, calendar: WorkingCalendar
) -> tuple[Figures, list[str], list[str]]:
    f = Figures()
    flagged: list[str] = []
    pending: list[str] = []
    for fact in facts:
        standing = judge(fact, at, calendar)
        if standing is None:
            continue
        f.total += 1
        match standing:
            case Timeliness.COMPLETED_ON_TIME:
                f.completed_on_time += 1
            case Timeliness.COMPLETED_LATE:
                f.completed_late += 1
            case Timeliness.OVERDUE:
                f.open_overdue += 1
            case Timeliness.DUE_SOON:
                f.open_in_time += 1
                f.due_soon += 1
            case _:
                f.open_in_time += 1
        is_open = standing in (Timeliness.IN_TIME, Timeliness.DUE_SOON, Timeliness.OVERDUE)
        f.due_in_period += period.contains(as_aware(fact.deadline))
        f.assigned_in_period += period.contains(as_aware(fact.created_at))
        if not is_open and fact.completed_at is not None:
            f.completed_in_period += period.contains(as_aware(fact.completed_at))
        if is_open and fact.flagged:
            f.flagged += 1
            flagged.append(fact.id)
        if is_open and fact.extension_requested is not None:
            f.pending_extensions += 1
            pending.append(fact.id)
    return f, flagged, pending


def tally_tree(
    units: Sequence[UnitNode], facts: Iterable[TaskFact], period: Period, at: datetime,
    calendar: WorkingCalendar,
) -> list[UnitTally]:
    """One UnitTally per root unit, each with its subtree; counts rolled up from the leaves."""
    by_unit: dict[str, list[TaskFact]] = {}
    for fact in facts:
        by_unit.setdefault(fact.lead_unit_id, []).append(fact)
    nodes = {u.id: UnitTally(u) for u in units}
    roots: list[UnitTally] = []
    for u in sorted(units, key=lambda n: (n.sort_order, n.name)):
        (nodes[u.parent_id].children if u.parent_id in nodes else roots).append(nodes[u.id])

    def fill(node: UnitTally) -> None:
        node.own, flagged, pending = figures_of(by_unit.get(node.unit.id, ()), period, at,
                                                calendar)
        node.rolled = Figures(**asdict(node.own))
        node.flagged_ids, node.pending_extension_ids = list(flagged), list(pending)
        for child in node.children:
            fill(child)
            node.rolled.add(child.rolled)
            node.flagged_ids += child.flagged_ids
            node.pending_extension_ids += child.pending_extension_ids

    for root in roots:
        fill(root)
    return roots


def walk(tally: UnitTally) -> Iterable[UnitTally]:
    yield tally
    for child in tally.children:
        yield from walk(child)


def tally_instant(period: Period, now: datetime) -> datetime:
    return min(period.end, as_aware(now))
