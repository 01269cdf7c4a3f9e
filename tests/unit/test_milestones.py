"""domain.milestones: when milestone reminders fall, and which are never sent."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from domain.calendar import WorkingCalendar
from domain.milestones import milestone_reminded, milestone_steps, next_milestone_step
from domain.record import TaskRecord
from domain.task import Milestone, Product
from domain.timezone import VN_TZ, at_local

CAL = WorkingCalendar()
MORNING = time(8, 0)


def test_a_milestone_on_a_day_off_falls_due_on_the_next_working_day() -> None:
    saturday = date(2026, 12, 5)
    steps = [s for s, _ in milestone_steps([Milestone("Dự thảo", saturday)], CAL)]
    assert [s.at for s in steps] == [at_local(date(2026, 12, 4), MORNING),
                                     at_local(date(2026, 12, 7), MORNING)]
    assert [s.key for s in steps] == ["milestone-before-1-0@2026-12-05",
                                      "milestone-due-0@2026-12-05"]


def test_past_and_stale_reminders_are_skipped_never_sent_late() -> None:
    marks = [Milestone("Một", date(2026, 12, 1)), Milestone("Hai", date(2026, 12, 10))]
    assigned = datetime(2026, 11, 20, 9, tzinfo=VN_TZ)
    # Back after a long absence on 03/12: the first milestone is past, its steps are skipped.
    now = datetime(2026, 12, 3, 9, tzinfo=VN_TZ)
    d = next_milestone_step(marks, CAL, now, set(), assigned)
    assert d.fire is None and [s.key.split("@")[0] for s in d.skipped] == [
        "milestone-before-1-0", "milestone-due-0"]
    assert d.wake_at == at_local(date(2026, 12, 9), MORNING)
    # The morning the second falls due: the day-before step is due first, then the other.
    now = at_local(date(2026, 12, 10), MORNING) + timedelta(minutes=1)
    sent = {s.key for s in d.skipped}
    first = next_milestone_step(marks, CAL, now, sent, assigned).fire
    assert first is not None and first.key.startswith("milestone-before-1-1")
    second = next_milestone_step(marks, CAL, now, sent | {first.key}, assigned).fire
    assert second is not None and second.key.startswith("milestone-due-1")
    done = next_milestone_step(marks, CAL, now, sent | {first.key, second.key}, assigned)
    assert done == type(done)(None, (), None)


def test_a_milestone_reminder_names_the_milestone_and_counts_nothing_overdue() -> None:
    deadline = datetime(2026, 12, 20, 23, 59, 59, tzinfo=VN_TZ)
    record = TaskRecord(
        id="t", client_key="k", request_hash="h", title="Rà soát", description="d", basis="b",
        lead_unit_id="snv", owner_id="cb", assigner_id="ct", product=Product("báo cáo", "BC"),
        deadline=deadline, original_deadline=deadline, created_at=deadline - timedelta(days=30),
        milestones=[Milestone("Dự thảo", date(2026, 12, 10))], seq=3,
    )
    step, _ = next(iter(milestone_steps(record.milestones, CAL)))
    change = milestone_reminded(record, step, step.at)
    assert change.event.seq == 4 and change.event.data == {
        "step": "milestone-before-1", "milestone": "Dự thảo", "milestone_due": "2026-12-10"}
    assert change.record.overdue_reminders == 0 and step.key in change.record.sent_steps
    assert record.sent_steps == []  # the record given is never changed
