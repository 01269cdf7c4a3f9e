"""Milestones (mốc tiến độ) are reminded like deadlines: the owner the morning one working day
before each milestone and the morning it falls due (a milestone on a day off falls due on the
next working day). Reminders of a milestone already past, or planned before the task's last
re-plan, are skipped, never sent late. Only while the lead is working on the task.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence, Set
from datetime import datetime

from domain.calendar import WorkingCalendar
from domain.commands import Change, _event
from domain.escalation import DEFAULT_POLICY, Decision, Phase, PlannedStep, Recipient
from domain.record import Notice, TaskRecord
from domain.task import Milestone
from domain.timezone import as_aware, at_local, end_of_day

# The workflow.patched id under which TaskWorkflow reminds milestones.
MILESTONE_PATCH = "milestone-reminders"
_STEPS = (("milestone-before-1", 1), ("milestone-due", 0))


def milestone_steps(milestones: Sequence[Milestone], calendar: WorkingCalendar
                    ) -> Iterator[tuple[PlannedStep, Milestone]]:
    """Every milestone reminder in time order, each with its milestone."""
    planned: list[tuple[PlannedStep, Milestone]] = []
    for i, m in enumerate(milestones):
        due = calendar.next_working_day(m.due, include_today=True)
        for name, before in _STEPS:
            day = calendar.add_working_days(due, -before)
            when = at_local(day, DEFAULT_POLICY.morning)
            key = f"{name}-{i}@{m.due.isoformat()}"
            planned.append((PlannedStep(key, when, Phase.BEFORE, (Recipient.OWNER,), 0, False), m))
    planned.sort(key=lambda p: (p[0].at, p[0].key))
    yield from planned


def next_milestone_step(
    milestones: Sequence[Milestone], calendar: WorkingCalendar, now: datetime, sent: Set[str],
    not_before: datetime,
) -> Decision:
    """What to send now, what never will be, and when to look again (as escalation.next_step)."""
    now, not_before = as_aware(now), as_aware(not_before)
    skipped: list[PlannedStep] = []
    for step, m in milestone_steps(milestones, calendar):
        if step.key in sent:
            continue
        if step.at > now:
            return Decision(None, tuple(skipped), step.at)
        past_due = now > end_of_day(calendar.next_working_day(m.due, include_today=True))
        if step.at < not_before or past_due:
            skipped.append(step)
            continue
        return Decision(step, tuple(skipped), None)
    return Decision(None, tuple(skipped), None)


def milestone_of(record: TaskRecord, step: PlannedStep) -> Milestone:
    index = int(step.key.split("@", 1)[0].rsplit("-", 1)[1])
    return record.milestones[index]


def milestone_reminded(record: TaskRecord, step: PlannedStep, now: datetime) -> Change:
    """A milestone reminder sent: in the trail (the milestone named) and to the owner."""
    t = copy.deepcopy(record)
    t.sent_steps.append(step.key)
    m = milestone_of(t, step)
    data = {"step": step.key.split("@", 1)[0].rsplit("-", 1)[0], "milestone": m.title,
            "milestone_due": m.due.isoformat()}
    event = _event(t, "remind", None, t.state, now, data=data)
    return Change(t, event, [Notice("reminder", recipient=r) for r in step.recipients])
