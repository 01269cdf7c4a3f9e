"""The escalation ladder: the planned steps for a deadline, and what next_step says to send
now, to skip for ever, or to wait for — given the keys already sent and the instant the
ladder was (re)planned.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import islice

import pytest

from domain.calendar import WorkingCalendar
from domain.escalation import (
    DEFAULT_POLICY,
    Decision,
    EscalationPolicy,
    LadderStep,
    Phase,
    PlannedStep,
    Recipient,
    next_step,
    planned_steps,
)
from domain.timezone import VN_TZ
from tests.unit.clock import local

CAL = WorkingCalendar()
OWNER, HEAD, ASSIGNER = Recipient.OWNER, Recipient.LEAD_UNIT_HEAD, Recipient.ASSIGNER


def eod(y: int, m: int, d: int) -> datetime:
    return local(y, m, d, 23, 59, 59)


def at8(y: int, m: int, d: int) -> datetime:
    return local(y, m, d, 8)


def first(
    deadline: datetime, n: int = 8, policy: EscalationPolicy = DEFAULT_POLICY
) -> list[PlannedStep]:
    return list(islice(planned_steps(policy, CAL, deadline), n))


def labels(steps: tuple[PlannedStep, ...] | list[PlannedStep]) -> list[str]:
    return [s.days_label for s in steps]


DEADLINE = eod(2026, 11, 27)  # Friday; Tuesday 24/11 is off
ASSIGNED = local(2026, 11, 16, 9)


# The policy as data -------------------------------------------------------------------------------


def test_the_default_policy() -> None:
    assert DEFAULT_POLICY.steps == (
        LadderStep("before-3", Phase.BEFORE, 3, (OWNER,)),
        LadderStep("before-1", Phase.BEFORE, 1, (OWNER,)),
        LadderStep("due-morning", Phase.BEFORE, 0, (OWNER,)),
        LadderStep("overdue", Phase.OVERDUE, 0, (OWNER,)),
        LadderStep("overdue-head", Phase.OVERDUE, 1, (OWNER, HEAD)),
        LadderStep("overdue-assigner", Phase.OVERDUE, 3, (OWNER, HEAD, ASSIGNER)),
    )
    assert DEFAULT_POLICY.morning == time(8, 0)
    assert DEFAULT_POLICY.repeat_every_days == 7
    assert DEFAULT_POLICY.repeat_recipients == (OWNER, HEAD)
    assert DEFAULT_POLICY.flag_after_overdue_reminders == 3


# Planned steps ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("deadline", "expected"), [
    (DEADLINE, [
        ("before-3", at8(2026, 11, 23)),  # Thu 26, Wed 25, (Tue 24 off), Mon 23
        ("before-1", at8(2026, 11, 26)),
        ("due-morning", at8(2026, 11, 27)),
        ("overdue", local(2026, 11, 28)),  # at once: one second after the deadline
        ("overdue-head", at8(2026, 11, 30)),  # one working day after
        ("overdue-assigner", at8(2026, 12, 2)),  # three working days after
        ("weekly-1", at8(2026, 12, 9)),
        ("weekly-2", at8(2026, 12, 16)),
        ("weekly-3", at8(2026, 12, 23)),
        ("weekly-4", at8(2026, 12, 30)),
        ("weekly-5", at8(2027, 1, 6)),
    ]),
    # Around the swapped working Saturday 22/8/2026 and Quốc khánh (31/8, 1/9, 2/9 off).
    (eod(2026, 8, 21), [
        ("before-3", at8(2026, 8, 18)),
        ("before-1", at8(2026, 8, 20)),
        ("due-morning", at8(2026, 8, 21)),
        ("overdue", local(2026, 8, 22)),
        ("overdue-head", at8(2026, 8, 22)),  # the Saturday is worked
        ("overdue-assigner", at8(2026, 8, 25)),  # Sat 22, Mon 24, Tue 25
        ("weekly-1", at8(2026, 9, 3)),  # Tue 1/9 and Wed 2/9 are off
        ("weekly-2", at8(2026, 9, 10)),
    ]),
    # Around Tết 2027 (4–10/2 off).
    (eod(2027, 2, 11), [
        ("before-3", at8(2027, 2, 1)),  # Wed 3, Tue 2, Mon 1
        ("before-1", at8(2027, 2, 3)),
        ("due-morning", at8(2027, 2, 11)),
        ("overdue", local(2027, 2, 12)),
        ("overdue-head", at8(2027, 2, 12)),
        ("overdue-assigner", at8(2027, 2, 16)),
        ("weekly-1", at8(2027, 2, 23)),
    ]),
])
def test_planned_steps(deadline: datetime, expected: list[tuple[str, datetime]]) -> None:
    steps = first(deadline, len(expected))
    assert [(s.days_label, s.at) for s in steps] == expected
    assert [s.at for s in steps] == sorted(s.at for s in steps)


def test_reminders_go_out_at_eight_in_the_morning_local_time() -> None:
    steps = first(DEADLINE, 11)
    for s in steps:
        if s.days_label != "overdue":
            assert s.at.astimezone(VN_TZ).time() == time(8, 0)
            assert s.at.astimezone(UTC).time() == time(1, 0)


def test_phases_recipients_counts_and_flags() -> None:
    steps = first(DEADLINE, 8)
    assert [s.phase for s in steps] == [Phase.BEFORE] * 3 + [Phase.OVERDUE] * 5
    assert [s.recipients for s in steps] == [
        (OWNER,), (OWNER,), (OWNER,),
        (OWNER,), (OWNER, HEAD), (OWNER, HEAD, ASSIGNER),
        (OWNER, HEAD), (OWNER, HEAD),
    ]
    assert [s.overdue_count for s in steps] == [0, 0, 0, 1, 2, 3, 4, 5]
    # More than three overdue reminders: raised by name at the next giao ban.
    assert [s.flags for s in steps] == [False] * 6 + [True, True]


@pytest.mark.parametrize(("deadline", "expected"), [
    (local(2026, 11, 27, 7, 30), ["before-3", "before-1", "overdue"]),  # before 08:00
    (local(2026, 11, 27, 8, 0), ["before-3", "before-1", "overdue"]),  # at 08:00 exactly
    (local(2026, 11, 27, 8, 0, 1), ["before-3", "before-1", "due-morning", "overdue"]),
    (local(2026, 11, 27, 17), ["before-3", "before-1", "due-morning", "overdue"]),
])
def test_no_morning_reminder_at_or_after_an_early_deadline(
    deadline: datetime, expected: list[str]
) -> None:
    steps = first(deadline, len(expected))
    assert labels(steps) == expected
    assert steps[-1].at == deadline + timedelta(seconds=1)


def test_keys_carry_the_deadline_they_were_planned_for() -> None:
    old = first(DEADLINE, 8)
    new = first(eod(2026, 12, 11), 8)
    assert old[0].key == "before-3@2026-11-27T23:59:59+07:00"
    assert labels(old) == labels(new)
    assert not {s.key for s in old} & {s.key for s in new}
    assert len({s.key for s in first(DEADLINE, 30)}) == 30


def test_a_custom_policy_is_just_data() -> None:
    policy = EscalationPolicy(
        steps=(LadderStep("before-2", Phase.BEFORE, 2, (OWNER,)),
               LadderStep("late", Phase.OVERDUE, 0, (HEAD,))),
        morning=time(7, 30), repeat_every_days=14, repeat_recipients=(ASSIGNER,),
        flag_after_overdue_reminders=1,
    )
    steps = first(DEADLINE, 4, policy)
    assert [(s.days_label, s.at, s.recipients, s.flags) for s in steps] == [
        ("before-2", local(2026, 11, 25, 7, 30), (OWNER,), False),
        ("late", local(2026, 11, 28), (HEAD,), False),
        ("weekly-1", local(2026, 12, 14, 7, 30), (ASSIGNER,), True),  # 12/12 is a Saturday
        ("weekly-2", local(2026, 12, 28, 7, 30), (ASSIGNER,), True),
    ]


# next_step ----------------------------------------------------------------------------------------


def decide(now: datetime, sent: set[str] | None = None, not_before: datetime = ASSIGNED,
           deadline: datetime = DEADLINE) -> Decision:
    return next_step(DEFAULT_POLICY, CAL, deadline, now, sent or set(), not_before)


def key(label: str, deadline: datetime = DEADLINE) -> str:
    return f"{label}@{deadline.isoformat()}"


def test_nothing_due_yet_says_when_to_look_again() -> None:
    d = decide(local(2026, 11, 16, 9, 5))
    assert d == Decision(None, (), at8(2026, 11, 23))


def test_a_step_fires_at_its_time() -> None:
    d = decide(at8(2026, 11, 23))
    assert d.fire is not None and d.fire.key == key("before-3")
    assert d.skipped == () and d.wake_at is None
    assert decide(at8(2026, 11, 23) - timedelta(seconds=1)).fire is None


def test_what_was_sent_is_not_sent_again() -> None:
    d = decide(local(2026, 11, 23, 9), {key("before-3")})
    assert d == Decision(None, (), at8(2026, 11, 26))
    d = decide(local(2026, 11, 27, 8, 30), {key("before-3"), key("before-1")})
    assert d.fire is not None and d.fire.days_label == "due-morning"


def test_steps_planned_before_the_assignment_are_skipped() -> None:
    # Assigned on Monday 23/11 at 10:00, after the 08:00 "before-3" slot.
    assigned = local(2026, 11, 23, 10)
    d = decide(local(2026, 11, 23, 10, 1), not_before=assigned)
    assert d.fire is None
    assert labels(d.skipped) == ["before-3"]
    assert d.wake_at == at8(2026, 11, 26)
    # A step exactly at the assignment instant is not skipped.
    d = decide(at8(2026, 11, 23), not_before=at8(2026, 11, 23))
    assert d.fire is not None and d.fire.days_label == "before-3"


def run_ladder(now: datetime, sent: set[str], not_before: datetime,
               deadline: datetime = DEADLINE) -> tuple[list[PlannedStep], list[str], Decision]:
    """What a worker does at `now`: fire what is due one at a time, remember what is skipped."""
    fired: list[PlannedStep] = []
    skipped: list[str] = []
    for _ in range(50):
        d = decide(now, sent, not_before, deadline)
        sent |= {s.key for s in d.skipped}
        skipped += labels(d.skipped)
        if d.fire is None:
            return fired, skipped, d
        fired.append(d.fire)
        sent.add(d.fire.key)
    raise AssertionError("the worker never rested")


def test_a_worker_that_slept_past_the_deadline_sends_overdue_steps_one_at_a_time() -> None:
    fired, skipped, last = run_ladder(local(2026, 12, 2, 9), set(), ASSIGNED)
    # Reminders before the deadline are noise once it has passed.
    assert skipped == ["before-3", "before-1", "due-morning"]
    assert labels(fired) == ["overdue", "overdue-head", "overdue-assigner"]
    assert [s.overdue_count for s in fired] == [1, 2, 3]
    assert last.wake_at == at8(2026, 12, 9)


def test_a_reminder_already_due_is_stale_once_the_deadline_has_passed() -> None:
    sent = {key("before-3"), key("before-1")}
    d = decide(local(2026, 11, 28, 0, 0, 1), sent)
    assert labels(d.skipped) == ["due-morning"]
    assert d.fire is not None and d.fire.days_label == "overdue"
    # Before the deadline a late-but-still-useful reminder goes out.
    d = decide(local(2026, 11, 27, 23), sent)
    assert d.fire is not None and d.fire.days_label == "due-morning"


def test_the_whole_ladder_day_by_day_flags_after_more_than_three_overdue_reminders() -> None:
    sent: set[str] = set()
    fired: list[PlannedStep] = []
    moment = ASSIGNED
    while moment < local(2026, 12, 17):
        moment += timedelta(hours=1)
        got, skipped, _ = run_ladder(moment, sent, ASSIGNED)
        assert skipped == []
        fired += got
    assert [(s.days_label, s.overdue_count, s.flags) for s in fired] == [
        ("before-3", 0, False), ("before-1", 0, False), ("due-morning", 0, False),
        ("overdue", 1, False), ("overdue-head", 2, False), ("overdue-assigner", 3, False),
        ("weekly-1", 4, True), ("weekly-2", 5, True),
    ]


def test_an_extension_replans_the_ladder_from_the_replanned_instant() -> None:
    # Old ladder: reminders sent up to the due morning; overdue sent at midnight.
    sent = {key(k) for k in ("before-3", "before-1", "due-morning", "overdue")}
    replanned = local(2026, 12, 3, 10)  # Thursday: extended to Friday 11/12
    new = eod(2026, 12, 11)
    d = decide(local(2026, 12, 3, 10, 0, 1), sent, replanned, new)
    # Nothing of the new ladder is due yet and nothing old is repeated.
    assert d == Decision(None, (), at8(2026, 12, 8))  # Thu 10, Wed 9, Tue 8
    # A worker that wakes when told: the new ladder runs in full, its count afresh.
    fired: list[PlannedStep] = []
    moment = d.wake_at
    while moment is not None and moment <= local(2026, 12, 12, 1):
        got, skipped, last = run_ladder(moment, sent, replanned, new)
        assert skipped == []
        fired += got
        moment = last.wake_at
    assert [(s.key, s.overdue_count) for s in fired] == [
        (key("before-3", new), 0), (key("before-1", new), 0), (key("due-morning", new), 0),
        (key("overdue", new), 1)]
    assert not any(s.flags for s in fired)


def test_a_worker_asleep_through_a_replanned_deadline() -> None:
    sent = {key(k) for k in ("before-3", "before-1", "due-morning", "overdue")}
    replanned, new = local(2026, 12, 3, 10), eod(2026, 12, 11)
    fired, skipped, last = run_ladder(local(2026, 12, 12, 0, 0, 1), sent, replanned, new)
    assert skipped == ["before-3", "before-1", "due-morning"]
    assert [(s.days_label, s.overdue_count) for s in fired] == [("overdue", 1)]
    assert last.wake_at == at8(2026, 12, 14)  # overdue-head on Monday


def test_a_short_extension_skips_the_slots_already_behind_the_replan() -> None:
    # Extended on Thursday 3/12 at 10:00 to Monday 7/12: "before-3" (Wed 2/12) is behind.
    replanned, new = local(2026, 12, 3, 10), eod(2026, 12, 7)
    d = decide(local(2026, 12, 3, 10, 0, 1), set(), replanned, new)
    assert d.fire is None
    assert [s.key for s in d.skipped] == [key("before-3", new)]
    assert d.wake_at == at8(2026, 12, 4)  # before-1 on Friday


def test_overdue_steps_behind_the_replan_are_skipped_too() -> None:
    # Reassigned on Monday 30/11 at 12:00 with the old deadline kept.
    replanned = local(2026, 11, 30, 12)
    fired, skipped, last = run_ladder(local(2026, 11, 30, 12, 0, 1), set(), replanned)
    assert fired == []
    assert skipped == ["before-3", "before-1", "due-morning", "overdue", "overdue-head"]
    assert last.wake_at == at8(2026, 12, 2)


def test_naive_instants_are_taken_as_utc() -> None:
    # 01:00 UTC is 08:00 in Hà Nội: the "before-3" slot.
    d = next_step(DEFAULT_POLICY, CAL, DEADLINE, datetime(2026, 11, 23, 1, 0), set(),
                  datetime(2026, 11, 16, 2, 0))
    assert d.fire is not None and d.fire.days_label == "before-3"


@pytest.mark.parametrize("day", [date(2026, 11, 28), date(2026, 12, 25), date(2027, 3, 1)])
def test_next_step_never_runs_out(day: date) -> None:
    fired, _, last = run_ladder(local(day.year, day.month, day.day, 9), set(), ASSIGNED)
    assert fired and last.fire is None and last.wake_at is not None
    assert last.wake_at > local(day.year, day.month, day.day, 9)


def test_a_task_assigned_already_overdue_hears_once_then_the_ladder_from_its_assignment() -> None:
    """Not a burst of every step it missed, nor a first notice that already flags it."""
    from domain.escalation import born_overdue

    cal = WorkingCalendar()
    created = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # Tuesday, 10:00 in Hà Nội
    deadline = cal.deadline_for_date(date(2026, 10, 30))
    assert born_overdue(deadline, created, created) and born_overdue(deadline, created, None)
    assert not born_overdue(deadline, created, created + timedelta(days=1))
    first = next_step(DEFAULT_POLICY, cal, deadline, created + timedelta(seconds=1), set(),
                      created, created)
    assert first.fire is not None and first.fire.key.startswith("overdue@")
    assert first.fire.overdue_count == 1 and not first.fire.flags
    sent = {s.key for s in first.skipped} | {first.fire.key}
    after = next_step(DEFAULT_POLICY, cal, deadline, created + timedelta(minutes=1), sent,
                      created, created)
    assert after.fire is None
    assert after.wake_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # head: next morning
