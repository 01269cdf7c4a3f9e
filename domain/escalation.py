"""The escalation ladder as data, and the pure function that says what to send next.

Default ladder: remind the owner 3 and 1 working days before and on the deadline morning;
once overdue tell the owner at once, the lead unit's head after 1 working day, the assigner
after 3, then weekly until the task is closed. A task overdue after more than three overdue
reminders is flagged for giao ban (Hà Nội's practice).

Step keys carry the deadline they were planned for, so an extension re-plans the whole
ladder while what was already sent for the old deadline stays sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Set
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum

from domain.calendar import WorkingCalendar
from domain.timezone import as_aware, at_local, local_date


class Recipient(StrEnum):
    OWNER = "owner"
    LEAD_UNIT_HEAD = "lead_unit_head"
    ASSIGNER = "assigner"
    # Heads of the units between the assigner's and the lead unit (the department a leader
    # skipped by assigning straight to one of its divisions).
    INTERMEDIATE_HEADS = "intermediate_heads"


class Phase(StrEnum):
    BEFORE = "before"  # reminders (nhắc việc)
    OVERDUE = "overdue"  # warnings and escalation (cảnh báo)


@dataclass(frozen=True)
class LadderStep:
    name: str
    phase: Phase
    working_days: int  # BEFORE: days before the deadline day; OVERDUE: days after (0 = at once)
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True)
class EscalationPolicy:
    steps: tuple[LadderStep, ...]
    morning: time = time(8, 0)
    repeat_every_days: int = 7
    repeat_recipients: tuple[Recipient, ...] = (Recipient.OWNER, Recipient.LEAD_UNIT_HEAD)
    flag_after_overdue_reminders: int = 3


DEFAULT_POLICY = EscalationPolicy(
    steps=(
        LadderStep("before-3", Phase.BEFORE, 3, (Recipient.OWNER,)),
        LadderStep("before-1", Phase.BEFORE, 1, (Recipient.OWNER,)),
        LadderStep("due-morning", Phase.BEFORE, 0, (Recipient.OWNER,)),
        LadderStep("overdue", Phase.OVERDUE, 0, (Recipient.OWNER,)),
        LadderStep("overdue-head", Phase.OVERDUE, 1, (Recipient.OWNER, Recipient.LEAD_UNIT_HEAD)),
        LadderStep(
            "overdue-assigner", Phase.OVERDUE, 3,
            (Recipient.OWNER, Recipient.LEAD_UNIT_HEAD, Recipient.ASSIGNER),
        ),
    )
)


@dataclass(frozen=True)
class PlannedStep:
    key: str
    at: datetime
    phase: Phase
    recipients: tuple[Recipient, ...]
    overdue_count: int  # how many overdue reminders this one makes (0 for reminders)
    # Whether it raises the task for giao ban on the ladder alone; the task's own count (with
    # its manual reminders) decides in the end (raised_at_giao_ban).
    flags: bool

    @property
    def days_label(self) -> str:
        return self.key.split("@", 1)[0]


@dataclass(frozen=True)
class Decision:
    fire: PlannedStep | None  # send this now
    skipped: tuple[PlannedStep, ...] = field(default_factory=tuple)  # never to be sent
    wake_at: datetime | None = None  # when to look again (None: nothing more planned)


def raised_at_giao_ban(overdue_reminders: int,
                       policy: EscalationPolicy = DEFAULT_POLICY) -> bool:
    """The one rule for the giao ban flag: more than `flag_after_overdue_reminders` overdue
    reminders, the ladder's and the manual ones (đôn đốc) counted together."""
    return overdue_reminders > policy.flag_after_overdue_reminders


def born_overdue(deadline: datetime, created_at: datetime, replanned_at: datetime | None
                 ) -> bool:
    """A task assigned already overdue and not re-planned since: its ladder's overdue steps
    count from its assignment (planned_steps' `overdue_from`). The assignment itself plans
    the ladder (`replanned_at` is then its instant)."""
    if replanned_at is not None and as_aware(replanned_at) != as_aware(created_at):
        return False
    return as_aware(deadline) <= as_aware(created_at)


def planned_steps(
    policy: EscalationPolicy, calendar: WorkingCalendar, deadline: datetime,
    overdue_from: datetime | None = None,
) -> Iterator[PlannedStep]:
    """The ladder for one deadline in time order; endless (weekly repeats after the last).
    `overdue_from`: a task assigned already overdue (a signed plan keyed in after its term)
    counts its overdue steps from then — one overdue notice at once, then the ladder as usual —
    never a burst of every step it missed."""
    deadline = as_aware(deadline)
    tag = deadline.isoformat()
    late = as_aware(overdue_from) if overdue_from is not None else deadline
    late = max(late, deadline)
    fixed: list[tuple[datetime, LadderStep]] = []
    for step in policy.steps:
        if step.phase is Phase.BEFORE:
            when = at_local(calendar.add_working_days(local_date(deadline), -step.working_days),
                            policy.morning)
            if when >= deadline:
                continue
        elif step.working_days == 0:
            when = late + timedelta(seconds=1) if late == deadline else late
        else:
            when = at_local(calendar.add_working_days(local_date(late), step.working_days),
                            policy.morning)
        fixed.append((when, step))
    fixed.sort(key=lambda pair: pair[0])

    overdue = 0
    last = deadline
    for when, step in fixed:
        if step.phase is Phase.OVERDUE:
            overdue += 1
        last = when
        yield PlannedStep(
            f"{step.name}@{tag}", when, step.phase, step.recipients, overdue,
            raised_at_giao_ban(overdue, policy),
        )
    n = 0
    while True:
        n += 1
        overdue += 1
        target = local_date(last) + timedelta(days=policy.repeat_every_days)
        last = at_local(calendar.next_working_day(target, include_today=True), policy.morning)
        yield PlannedStep(
            f"weekly-{n}@{tag}", last, Phase.OVERDUE, policy.repeat_recipients, overdue,
            raised_at_giao_ban(overdue, policy),
        )


def next_step(
    policy: EscalationPolicy,
    calendar: WorkingCalendar,
    deadline: datetime,
    now: datetime,
    sent: Set[str],
    not_before: datetime,
    overdue_from: datetime | None = None,
) -> Decision:
    """What to send now, what will never be sent, and when to look again.

    A step planned before `not_before` (the task's assignment or its last re-plan) is
    skipped, and so is a pre-deadline reminder once the deadline has passed: late reminders
    of the wrong kind are noise. Overdue reminders that fell due while no worker ran are
    sent one at a time, in order, so the count that flags a task stays honest.
    `overdue_from`: as planned_steps, for a task assigned already overdue.
    """
    now, not_before, deadline = as_aware(now), as_aware(not_before), as_aware(deadline)
    skipped: list[PlannedStep] = []
    for step in planned_steps(policy, calendar, deadline, overdue_from):
        if step.key in sent:
            continue
        if step.at > now:
            return Decision(None, tuple(skipped), step.at)
        stale_reminder = step.phase is Phase.BEFORE and now > deadline
        if step.at < not_before or stale_reminder:
            skipped.append(step)
            continue
        return Decision(step, tuple(skipped), None)
    raise AssertionError("the ladder is endless")  # pragma: no cover
