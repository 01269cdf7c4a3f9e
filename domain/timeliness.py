"""Timeliness: a second axis beside the state, always derived, never stored.

Judged on the effective deadline (after approved extensions) and on the time the accepted
product was submitted; open tasks against "now" (or the moment they were frozen by a pause).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from domain.calendar import WorkingCalendar
from domain.lifecycle import TaskState
from domain.timezone import as_aware, at_local, local_date

DUE_SOON_WORKING_DAYS = 3


class Timeliness(StrEnum):
    IN_TIME = "in_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    COMPLETED_ON_TIME = "completed_on_time"
    COMPLETED_LATE = "completed_late"


TIMELINESS_LABELS_VI = {
    Timeliness.IN_TIME: "Trong hạn",
    Timeliness.DUE_SOON: "Sắp đến hạn",
    Timeliness.OVERDUE: "Quá hạn",
    Timeliness.COMPLETED_ON_TIME: "Hoàn thành đúng hạn",
    Timeliness.COMPLETED_LATE: "Hoàn thành quá hạn",
}


def timeliness(
    *,
    state: TaskState,
    deadline: datetime,
    accepted_submitted_at: datetime | None,
    now: datetime,
    calendar: WorkingCalendar,
    frozen_at: datetime | None = None,
) -> Timeliness:
    deadline = as_aware(deadline)
    if state is TaskState.COMPLETED:
        submitted = as_aware(accepted_submitted_at or now)
        return (
            Timeliness.COMPLETED_ON_TIME if submitted <= deadline else Timeliness.COMPLETED_LATE
        )
    # A paused task's clock is stopped: it stays as it was when paused, and since resuming
    # gives the paused days back, it is never "due soon" while paused.
    if frozen_at is not None:
        return Timeliness.OVERDUE if as_aware(frozen_at) > deadline else Timeliness.IN_TIME
    if as_aware(now) > deadline:
        return Timeliness.OVERDUE
    if deadline <= calendar.due_soon_horizon(now, DUE_SOON_WORKING_DAYS):
        return Timeliness.DUE_SOON
    return Timeliness.IN_TIME


def shift_after_pause(
    deadline: datetime, paused_at: datetime, resumed_at: datetime, calendar: WorkingCalendar
) -> datetime:
    """A pause that began before the deadline gives back the working days it took: the
    deadline moves by that many working days and keeps its time of day (an end-of-day
    deadline stays at the end of a working day)."""
    deadline, paused_at = as_aware(deadline), as_aware(paused_at)
    if paused_at >= deadline:
        return deadline
    lost = calendar.working_days_between(local_date(paused_at), local_date(resumed_at))
    if lost <= 0:
        return deadline
    local = calendar.local(deadline)
    moved = calendar.add_working_days(local.date(), lost)
    return at_local(moved, local.time())


def overdue_phrase(working_days_overdue: int) -> str:
    """How a report says it: "quá hạn 3 ngày làm việc". A task overdue since a day off, or only
    since earlier today, never reads "quá hạn 0 ngày làm việc"."""
    if working_days_overdue > 0:
        return f"quá hạn {working_days_overdue} ngày làm việc"
    return "quá hạn chưa tới 1 ngày làm việc"
