"""Kiểm đếm: how each task stands at an instant, the figures a unit is judged by, and their
roll-up along the unit tree.

Rules (what the office expects of the weekly tally):
- A task counts once it has been assigned (created at or before the tally instant), unless it
  was cancelled or declined by then: a decline hands the task back to the assigner, whose
  pending decision it is; it never counts against the unit that declined it.
- The tally instant is the end of the period, or now for a period still running.
- Completed by that instant: on time or late, judged on the submission of the accepted
  product against the effective deadline. Otherwise open: in time (due soon is a part of it)
  or overdue — judged by the submission for a product awaiting approval (the wait is the
  approver's), as it stood when paused for a paused task, against the instant otherwise.
- The four groups add up to the total.
- One on-time rate everywhere (`rate_standing`, `in_rate_base`): it is over the tasks that
  have come due or been delivered — completed, overdue, or a product submitted and awaiting
  approval — and a product submitted on time counts as delivered on time, pending the
  approver, in the numerator as in the base. An open task still in time is not rated yet. A
  period's rate takes those due or delivered in the period; a unit with none has no rate
  ("—"), not 0. The tally, the briefing and its files, the org chart and the dashboard all
  read it from `Figures`, which the SQL counts fill by this rule.
- A unit's figures include its own tasks and all its descendants' (the tree roll-up).

`judge` is the rule for one task; `giaoviec.reads.counts` counts in SQL by the same rule (a
test holds the two equal on random populations), so every number has one source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
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
    declined_at: datetime | None = None
    returned_at: datetime | None = None
    assigner_id: str = ""

    @property
    def self_assigned(self) -> bool:
        return bool(self.assigner_id) and self.assigner_id == self.owner_id


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
    # Tasks due or completed in the period (the base of the on-time rate), and those of them
    # completed on time.
    base_in_period: int = 0
    on_time_in_period: int = 0
    # Waiting on the assigner: products submitted in time whose deadline has passed, and
    # declined tasks to reassign or cancel. Neither counts against the lead unit.
    awaiting_approval: int = 0
    declined: int = 0
    # Products submitted on time, awaiting approval at the instant (whatever the deadline):
    # on time in every rate, pending the approver.
    pending_on_time: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """% on time of the tasks due or delivered in the period (`in_rate_base`); None when
        the unit had none (shown "—", never ranked as 0)."""
        if not self.base_in_period:
            return None
        return round(100.0 * self.on_time_in_period / self.base_in_period, 1)

    @property
    def on_time_rate_so_far(self) -> float | None:
        """Without a period (the org chart, as of now): % on time of the tasks rated at all
        (`rate_standing`); None when there are none."""
        on_time = self.completed_on_time + self.pending_on_time
        base = on_time + self.completed_late + self.open_overdue
        return round(100.0 * on_time / base, 1) if base else None

    @property
    def overdue_rate(self) -> float | None:
        return round(100.0 * self.open_overdue / self.total, 1) if self.total else None

    def add(self, other: Figures) -> None:
        # Plain attribute sums: a province's unit page adds ~1,000 groups (asdict's deep copy
        # made this 20 times slower).
        mine, theirs = self.__dict__, other.__dict__
        for name in _FIGURE_NAMES:
            mine[name] += theirs[name]

    @classmethod
    def from_dict(cls, values: Mapping[str, int]) -> Figures:
        """From a stored snapshot; figures added since it was stored read as 0."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in values.items() if k in known})


_FIGURE_NAMES = tuple(f.name for f in fields(Figures))
ADDITIVE_OVER_PERIODS = ("due_in_period", "assigned_in_period", "completed_in_period")


@dataclass
class TaskLists:
    """The tasks behind the figures a briefing names, by id."""

    flagged: list[str] = field(default_factory=list)  # raised by name at giao ban
    pending_extensions: list[str] = field(default_factory=list)
    awaiting_approval: list[str] = field(default_factory=list)  # "chờ lãnh đạo xác nhận"
    declined: list[str] = field(default_factory=list)  # back with the assigner

    def add(self, other: TaskLists) -> None:
        for name in ("flagged", "pending_extensions", "awaiting_approval", "declined"):
            getattr(self, name).extend(getattr(other, name))


@dataclass
class UnitTally:
    unit: UnitNode
    own: Figures = field(default_factory=Figures)
    rolled: Figures = field(default_factory=Figures)
    children: list[UnitTally] = field(default_factory=list)
    lists: TaskLists = field(default_factory=TaskLists)  # rolled up, for giao ban

    @property
    def flagged_ids(self) -> list[str]:
        return self.lists.flagged

    @property
    def pending_extension_ids(self) -> list[str]:
        return self.lists.pending_extensions


# One task ------------------------------------------------------------------------------------


def judge(fact: TaskFact, at: datetime, calendar: WorkingCalendar) -> Timeliness | None:
    """The task's standing at instant `at`; None when it is not counted then (not yet
    assigned, or cancelled or declined by then)."""
    at = as_aware(at)
    if as_aware(fact.created_at) > at:
        return None
    for state, moment in ((TaskState.CANCELLED, fact.cancelled_at),
                          (TaskState.DECLINED, fact.declined_at)):
        if fact.state is state and (moment is None or as_aware(moment) <= at):
            return None
    done = fact.state is TaskState.COMPLETED and (
        fact.completed_at is None or as_aware(fact.completed_at) <= at
    )
    if done:
        return timeliness(state=TaskState.COMPLETED, deadline=fact.deadline,
                          accepted_submitted_at=fact.submitted_at or fact.completed_at,
                          now=at, calendar=calendar)
    frozen = stopped_at(fact, at)
    state = TaskState.PAUSED if frozen is not None else TaskState.IN_PROGRESS
    return timeliness(state=state, deadline=fact.deadline, accepted_submitted_at=None, now=at,
                      calendar=calendar, frozen_at=frozen)


def task_timeliness(fact: TaskFact, now: datetime, calendar: WorkingCalendar) -> Timeliness:
    """A task's timeliness as the task itself shows it: by `judge`; a cancelled or declined
    task as it stood when it left the count."""
    gone = {TaskState.CANCELLED: fact.cancelled_at, TaskState.DECLINED: fact.declined_at}
    if fact.state in gone:
        moment = as_aware(gone[fact.state] or now)
        return Timeliness.OVERDUE if moment > as_aware(fact.deadline) else Timeliness.IN_TIME
    # As the task stands now: a request's clock may have started just before its own change.
    moments = (fact.created_at, fact.submitted_at, fact.completed_at, fact.paused_at,
               fact.returned_at)
    at = max([as_aware(now), *(as_aware(m) for m in moments if m is not None)])
    standing = judge(fact, at, calendar)
    assert standing is not None
    return standing


def awaiting_since(fact: TaskFact, at: datetime) -> datetime | None:
    """The submission of a product awaiting approval at `at` (approved only after `at`, or
    returned only after it, counts as awaiting then); None otherwise."""
    submitted = fact.submitted_at
    if submitted is not None and as_aware(submitted) <= as_aware(at):
        waiting = fact.state in (TaskState.SUBMITTED, TaskState.COMPLETED)
        returned_later = fact.returned_at is not None and as_aware(fact.returned_at) > at
        if waiting or (returned_later and fact.state is not TaskState.PAUSED):
            return submitted
    return None


def stopped_at(fact: TaskFact, at: datetime) -> datetime | None:
    """When an open task's clock stopped, as of `at`: its submission while the product awaits
    approval, its pause while paused."""
    submitted = awaiting_since(fact, at)
    if submitted is not None:
        return submitted
    if fact.state is TaskState.PAUSED and fact.paused_at is not None:
        return fact.paused_at
    return None


def pending_on_time(fact: TaskFact, at: datetime, calendar: WorkingCalendar) -> bool:
    """A product submitted on time and awaiting approval at `at`: delivered on time, pending
    the approver."""
    standing = judge(fact, at, calendar)
    return standing in (Timeliness.IN_TIME, Timeliness.DUE_SOON) and \
        awaiting_since(fact, as_aware(at)) is not None


def rate_standing(fact: TaskFact, at: datetime, calendar: WorkingCalendar) -> bool | None:
    """How a task weighs in every on-time rate at `at`: True on time (completed on time, or
    submitted on time and awaiting approval), False late (completed late, or overdue), None
    not rated (not counted, or open and still in time)."""
    standing = judge(fact, at, calendar)
    if standing is Timeliness.COMPLETED_ON_TIME:
        return True
    if standing in (Timeliness.COMPLETED_LATE, Timeliness.OVERDUE):
        return False
    return True if pending_on_time(fact, at, calendar) else None


def delivered_at(fact: TaskFact, at: datetime, calendar: WorkingCalendar) -> datetime | None:
    """When the task's product was delivered as of `at`: its completion, or its submission
    while it awaits approval on time."""
    if judge(fact, at, calendar) in (Timeliness.COMPLETED_ON_TIME, Timeliness.COMPLETED_LATE):
        return fact.completed_at or fact.submitted_at
    return fact.submitted_at if pending_on_time(fact, at, calendar) else None


def in_rate_base(fact: TaskFact, period: Period, at: datetime,
                 calendar: WorkingCalendar) -> bool:
    """Whether a task is in the base of the period's on-time rate: rated at `at`
    (`rate_standing`) and due or delivered in the period."""
    if rate_standing(fact, at, calendar) is None:
        return False
    delivered = delivered_at(fact, at, calendar)
    return period.contains(as_aware(fact.deadline)) or (
        delivered is not None and period.contains(as_aware(delivered)))


# The tree ------------------------------------------------------------------------------------


def roll_up(
    units: Sequence[UnitNode], own: Mapping[str, Figures], lists: Mapping[str, TaskLists],
) -> list[UnitTally]:
    """One UnitTally per root unit, each with its subtree; figures and lists rolled up from
    the leaves."""
    nodes = {u.id: UnitTally(u, own=own.get(u.id, Figures()),
                             lists=_copy(lists.get(u.id))) for u in units}
    roots: list[UnitTally] = []
    for u in sorted(units, key=lambda n: (n.sort_order, n.name)):
        (nodes[u.parent_id].children if u.parent_id in nodes else roots).append(nodes[u.id])

    def fill(node: UnitTally) -> None:
        node.rolled = Figures(**asdict(node.own))
        for child in node.children:
            fill(child)
            node.rolled.add(child.rolled)
            node.lists.add(child.lists)

    for root in roots:
        fill(root)
    return roots


def _copy(lists: TaskLists | None) -> TaskLists:
    result = TaskLists()
    if lists is not None:
        result.add(lists)
    return result


def walk(tally: UnitTally) -> Iterable[UnitTally]:
    yield tally
    for child in tally.children:
        yield from walk(child)


def find(roots: Iterable[UnitTally], unit_id: str) -> UnitTally | None:
    for root in roots:
        for node in walk(root):
            if node.unit.id == unit_id:
                return node
    return None


def tally_instant(period: Period, now: datetime) -> datetime:
    """A period's figures are as of its end, or as of now while it runs."""
    return min(period.end, as_aware(now))
