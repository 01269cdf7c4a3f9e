"""Timeliness, the second axis: in time, due soon (3 working days or less), overdue,
completed on time or late (judged on the accepted submission), and how a pause moves the
deadline. Around the deadline Friday 27/11/2026, with Tuesday 24/11 (Ngày Văn hóa Việt Nam)
off, and around Tết 2027.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.calendar import CalendarOverrides, WorkingCalendar
from domain.lifecycle import TaskState
from domain.timeliness import (
    DUE_SOON_WORKING_DAYS,
    TIMELINESS_LABELS_VI,
    Timeliness,
    shift_after_pause,
    timeliness,
)
from domain.timezone import to_local
from tests.unit.clock import local

CAL = WorkingCalendar()
T = Timeliness


def eod(y: int, m: int, d: int) -> datetime:
    return local(y, m, d, 23, 59, 59)


DEADLINE = eod(2026, 11, 27)  # Friday


def open_task(now: datetime, deadline: datetime = DEADLINE,
              state: TaskState = TaskState.IN_PROGRESS) -> Timeliness:
    return timeliness(state=state, deadline=deadline, accepted_submitted_at=None, now=now,
                      calendar=CAL)


def test_labels_and_threshold() -> None:
    assert DUE_SOON_WORKING_DAYS == 3
    assert set(TIMELINESS_LABELS_VI) == set(Timeliness)
    assert TIMELINESS_LABELS_VI[T.DUE_SOON] == "Sắp đến hạn"


# Open tasks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("now", "expected"), [
    (local(2026, 11, 10, 9), T.IN_TIME),
    # Thursday 19/11: Fri 20, Mon 23, Wed 25, Thu 26, Fri 27 left — five.
    (local(2026, 11, 19, 9), T.IN_TIME),
    # Friday 20/11: Mon 23, Wed 25, Thu 26, Fri 27 left — four, even across the weekend.
    (local(2026, 11, 20, 16), T.IN_TIME),
    (local(2026, 11, 21, 10), T.IN_TIME),  # Saturday: still four ahead
    (local(2026, 11, 22, 23, 59, 59), T.IN_TIME),
    # Monday 23/11: Wed 25, Thu 26, Fri 27 — three, thanks to the holiday on Tuesday.
    (local(2026, 11, 23, 0, 0), T.DUE_SOON),
    (local(2026, 11, 24, 12), T.DUE_SOON),  # on the holiday itself
    (local(2026, 11, 25, 9), T.DUE_SOON),
    (local(2026, 11, 27, 8), T.DUE_SOON),
    (DEADLINE, T.DUE_SOON),  # the very last second is still in time
    (DEADLINE + timedelta(seconds=1), T.OVERDUE),
    (local(2026, 11, 28, 0, 0, 1), T.OVERDUE),
    (local(2026, 11, 30, 9), T.OVERDUE),
    (local(2027, 3, 1, 9), T.OVERDUE),
    # Instants in UTC are judged on Hà Nội time: 17:00Z on Sunday is Monday 00:00 local.
    (datetime(2026, 11, 22, 16, 59, 59, tzinfo=UTC), T.IN_TIME),
    (datetime(2026, 11, 22, 17, 0, 0, tzinfo=UTC), T.DUE_SOON),
    (datetime(2026, 11, 27, 17, 0, 0), T.OVERDUE),  # naive = UTC = Saturday 00:00 local
])
def test_an_open_task_against_now(now: datetime, expected: Timeliness) -> None:
    assert open_task(now) is expected


@pytest.mark.parametrize("state", [TaskState.ASSIGNED, TaskState.IN_PROGRESS,
                                   TaskState.RETURNED, TaskState.SUBMITTED])
def test_every_open_state_is_judged_alike(state: TaskState) -> None:
    assert open_task(local(2026, 11, 20, 9), state=state) is T.IN_TIME
    assert open_task(local(2026, 11, 23, 9), state=state) is T.DUE_SOON
    assert open_task(local(2026, 11, 30, 9), state=state) is T.OVERDUE


@pytest.mark.parametrize(("now", "expected"), [
    # Deadline Friday 12/2/2027; 4–10/2 is Tết, so only 3/2, 11/2 and 12/2 are worked.
    (local(2027, 1, 29, 9), T.IN_TIME),  # Fri: Mon 1, Tue 2, Wed 3 ahead, then 11, 12
    (local(2027, 2, 1, 9), T.IN_TIME),  # Mon: Tue 2, Wed 3, Thu 11, Fri 12 — four
    (local(2027, 2, 2, 9), T.DUE_SOON),  # Tue: Wed 3, Thu 11, Fri 12 — ten days away
    (local(2027, 2, 3, 17), T.DUE_SOON),
    (local(2027, 2, 6, 9), T.DUE_SOON),
])
def test_due_soon_counts_working_days_across_tet(now: datetime, expected: Timeliness) -> None:
    assert open_task(now, deadline=eod(2027, 2, 12)) is expected


def test_due_soon_for_a_deadline_during_the_day() -> None:
    # A deadline at 10:00 on Wednesday 25/11, seen the Thursday before (Fri, Mon, Wed ahead).
    assert open_task(local(2026, 11, 19, 9), deadline=local(2026, 11, 25, 10)) is T.DUE_SOON
    assert open_task(local(2026, 11, 18, 9), deadline=local(2026, 11, 25, 10)) is T.IN_TIME
    # The end of that Wednesday is just as near: the third working day ahead counts whole.
    assert open_task(local(2026, 11, 19, 9), deadline=eod(2026, 11, 25),
                     state=TaskState.ASSIGNED) is T.DUE_SOON


def test_due_soon_follows_the_configured_calendar() -> None:
    # With Thursday 26/11 made a day off, only Mon 23, Wed 25, Fri 27 are left on Friday 20/11.
    cal = WorkingCalendar(CalendarOverrides.from_lists(days_off=["2026-11-26"]))
    now = local(2026, 11, 20, 9)
    assert open_task(now) is T.IN_TIME
    assert timeliness(state=TaskState.ASSIGNED, deadline=DEADLINE, accepted_submitted_at=None,
                      now=now, calendar=cal) is T.DUE_SOON
    assert timeliness(state=TaskState.ASSIGNED, deadline=DEADLINE, accepted_submitted_at=None,
                      now=local(2026, 11, 19, 9), calendar=cal) is T.IN_TIME


# Completed tasks ------------------------------------------------------------------------------


@pytest.mark.parametrize(("submitted", "expected"), [
    (local(2026, 11, 20, 9), T.COMPLETED_ON_TIME),
    (DEADLINE, T.COMPLETED_ON_TIME),  # at the last second
    (DEADLINE + timedelta(seconds=1), T.COMPLETED_LATE),
    (local(2026, 12, 10, 9), T.COMPLETED_LATE),
    (datetime(2026, 11, 27, 16, 59, 59, tzinfo=UTC), T.COMPLETED_ON_TIME),  # = deadline
    (datetime(2026, 11, 27, 17, 0, 0), T.COMPLETED_LATE),  # naive = UTC, one second late
])
def test_completed_is_judged_on_the_accepted_submission(
    submitted: datetime, expected: Timeliness
) -> None:
    # Approval weeks later does not matter; neither does "now".
    for now in (submitted, local(2027, 1, 15, 9)):
        got = timeliness(state=TaskState.COMPLETED, deadline=DEADLINE,
                         accepted_submitted_at=submitted, now=now, calendar=CAL)
        assert got is expected


def test_completed_within_an_extended_deadline_is_on_time() -> None:
    # The effective deadline (after an approved extension) is what counts.
    extended = eod(2026, 12, 11)
    submitted = local(2026, 12, 9, 15)
    assert timeliness(state=TaskState.COMPLETED, deadline=DEADLINE, accepted_submitted_at=(
        submitted), now=submitted, calendar=CAL) is T.COMPLETED_LATE
    assert timeliness(state=TaskState.COMPLETED, deadline=extended, accepted_submitted_at=(
        submitted), now=submitted, calendar=CAL) is T.COMPLETED_ON_TIME


def test_completed_without_a_known_submission_falls_back_to_now() -> None:
    kw = {"state": TaskState.COMPLETED, "deadline": DEADLINE, "accepted_submitted_at": None,
          "calendar": CAL}
    assert timeliness(now=DEADLINE, **kw) is T.COMPLETED_ON_TIME
    assert timeliness(now=DEADLINE + timedelta(hours=1), **kw) is T.COMPLETED_LATE


def test_a_completed_task_is_never_due_soon_or_overdue() -> None:
    got = timeliness(state=TaskState.COMPLETED, deadline=DEADLINE,
                     accepted_submitted_at=local(2026, 11, 26, 9), now=local(2026, 11, 26, 10),
                     calendar=CAL)
    assert got is T.COMPLETED_ON_TIME


# Paused tasks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("frozen_at", "expected"), [
    (local(2026, 11, 10, 9), T.IN_TIME),
    (local(2026, 11, 26, 9), T.IN_TIME),  # would be due soon, but the clock is stopped
    (DEADLINE, T.IN_TIME),
    (DEADLINE + timedelta(seconds=1), T.OVERDUE),
    (local(2026, 12, 1, 9), T.OVERDUE),
])
def test_a_paused_task_is_frozen_as_it_was(frozen_at: datetime, expected: Timeliness) -> None:
    for now in (frozen_at, local(2027, 6, 1, 9)):  # however long the pause lasts
        got = timeliness(state=TaskState.PAUSED, deadline=DEADLINE, accepted_submitted_at=None,
                         now=now, calendar=CAL, frozen_at=frozen_at)
        assert got is expected


# A pause gives back the working days it took ------------------------------------------------------


@pytest.mark.parametrize(("deadline", "paused", "resumed", "expected"), [
    # Monday 16/11 → Monday 23/11: Tue 17 … Fri 20, Mon 23 — five working days back.
    (DEADLINE, local(2026, 11, 16, 10), local(2026, 11, 23, 15), eod(2026, 12, 4)),
    # Paused and resumed the same day: nothing lost.
    (DEADLINE, local(2026, 11, 16, 10), local(2026, 11, 16, 16), DEADLINE),
    # Over a weekend only: nothing lost.
    (DEADLINE, local(2026, 11, 20, 17), local(2026, 11, 22, 20), DEADLINE),
    # Over the 24/11 holiday: only Wednesday 25/11 is lost.
    (DEADLINE, local(2026, 11, 23, 9), local(2026, 11, 25, 9), eod(2026, 11, 30)),
    # Begun before the deadline, ended after it: every lost working day comes back.
    (DEADLINE, local(2026, 11, 25, 9), local(2026, 12, 2, 9), eod(2026, 12, 4)),
    # The time of day is kept: 17:00 stays 17:00.
    (local(2026, 11, 27, 17), local(2026, 11, 16, 10), local(2026, 11, 23, 15),
     local(2026, 12, 4, 17)),
    # The moved deadline skips Tết 2027.
    (eod(2027, 2, 3), local(2027, 2, 1, 9), local(2027, 2, 2, 9), eod(2027, 2, 11)),
    # The moved deadline lands on the swapped working Saturday 22/8/2026.
    (eod(2026, 8, 21), local(2026, 8, 19, 9), local(2026, 8, 20, 9), eod(2026, 8, 22)),
])
def test_shift_after_pause(
    deadline: datetime, paused: datetime, resumed: datetime, expected: datetime
) -> None:
    moved = shift_after_pause(deadline, paused, resumed, CAL)
    assert moved == expected
    assert to_local(moved).time() == to_local(deadline).time()


def test_a_pause_keeps_the_time_of_day_of_a_utc_deadline() -> None:
    deadline = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 17:00 in Hà Nội
    moved = shift_after_pause(deadline, local(2026, 11, 16, 10), local(2026, 11, 23, 15), CAL)
    assert moved == local(2026, 12, 4, 17)
    assert to_local(moved).time() == time(17, 0)


def test_a_pause_that_starts_after_the_deadline_gives_nothing() -> None:
    for paused in (DEADLINE, DEADLINE + timedelta(seconds=1), local(2026, 12, 1, 9)):
        assert shift_after_pause(DEADLINE, paused, paused + timedelta(days=30), CAL) == DEADLINE


def test_a_resume_before_the_pause_gives_nothing() -> None:
    assert shift_after_pause(DEADLINE, local(2026, 11, 20, 9), local(2026, 11, 16, 9), CAL) == (
        DEADLINE)


def test_a_resumed_task_has_its_remaining_days_back() -> None:
    # Paused on Monday 23/11 (due soon), resumed two weeks later: the days come back.
    paused, resumed = local(2026, 11, 23, 9), local(2026, 12, 7, 9)
    assert open_task(paused) is T.DUE_SOON
    moved = shift_after_pause(DEADLINE, paused, resumed, CAL)
    assert moved == eod(2026, 12, 10)  # Wed 25 … Mon 7: nine working days
    # Three working days were left when paused (Wed, Thu, Fri); three again (Tue, Wed, Thu).
    assert CAL.working_days_between(resumed.date(), moved.date()) == 3
    assert open_task(resumed, deadline=moved) is T.DUE_SOON
    assert open_task(resumed, deadline=DEADLINE) is T.OVERDUE


def test_an_overdue_task_never_reads_zero_days_overdue() -> None:
    from domain.timeliness import overdue_phrase

    # Deadline on a Saturday, read on the Sunday: no working day has passed, yet it is late.
    assert overdue_phrase(0) == "quá hạn chưa tới 1 ngày làm việc"
    assert overdue_phrase(3) == "quá hạn 3 ngày làm việc"
