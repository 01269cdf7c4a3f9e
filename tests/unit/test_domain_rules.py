"""The task engine's pure rules: working calendar, authority, lifecycle, the six "rõ",
timeliness and the escalation ladder. Fixed dates, so nothing rots with the calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from domain.calendar import CalendarOverrides, WorkingCalendar
from domain.errors import Code, DomainError
from domain.escalation import DEFAULT_POLICY, Phase, Recipient, next_step, planned_steps
from domain.lifecycle import RULES, Action, Relation, TaskState, check_transition
from domain.org import (
    Actor,
    Role,
    TaskParties,
    can_assign,
    can_see_unit,
    is_above,
    relations_to_task,
)
from domain.task import (
    Coordinator,
    DeadlineSpec,
    Milestone,
    OrgFacts,
    Product,
    TaskDraft,
    validate_draft,
)
from domain.timeliness import Timeliness, shift_after_pause, timeliness
from domain.timezone import VN_TZ, end_of_day
from tests.unit.clock import local

CAL = WorkingCalendar()


# Working calendar ---------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 11, 23), True),  # Monday
    (date(2026, 11, 21), False),  # Saturday
    (date(2026, 9, 2), False),  # Quốc khánh
    (date(2026, 4, 30), False),  # Ngày Thống nhất
    (date(2026, 5, 1), False),  # Quốc tế Lao động
    (date(2026, 4, 26), False),  # Giỗ Tổ Hùng Vương (10/3 âm lịch), a Sunday anyway
    (date(2027, 2, 8), False),  # Tết Đinh Mùi 2027 (lunar)
    (date(2027, 2, 10), False),
    (date(2026, 8, 22), True),  # a Saturday worked in exchange for 31/8
    (date(2026, 8, 31), False),
])
def test_vietnamese_working_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_yearly_overrides_come_first() -> None:
    cal = WorkingCalendar(CalendarOverrides.from_lists(["2026-12-31"], ["2027-01-09"]))
    assert not cal.is_working_day(date(2026, 12, 31))
    assert cal.is_working_day(date(2027, 1, 9))  # a Saturday made a working day
    assert cal.holiday_name(date(2026, 12, 31))


def test_a_date_deadline_on_a_day_off_moves_to_the_next_working_day() -> None:
    assert CAL.deadline_for_date(date(2026, 9, 2)) == local(2026, 9, 3, 23, 59, 59)
    assert CAL.deadline_for_date(date(2026, 11, 21)) == local(2026, 11, 23, 23, 59, 59)
    assert CAL.deadline_for_date(date(2026, 11, 20)) == local(2026, 11, 20, 23, 59, 59)


def test_working_day_arithmetic() -> None:
    friday = date(2026, 11, 20)
    assert CAL.add_working_days(friday, 1) == date(2026, 11, 23)
    assert CAL.add_working_days(friday, -1) == date(2026, 11, 19)
    assert CAL.working_days_between(friday, date(2026, 11, 23)) == 1
    assert CAL.working_days_between(date(2026, 11, 23), friday) == -1
    # 10 working days from Monday 23/11, the 24/11 Ngày Văn hóa Việt Nam being off.
    assert CAL.deadline_in_working_days(local(2026, 11, 23, 9), 10) == end_of_day(
        date(2026, 12, 8))
    assert CAL.working_days_overdue(local(2026, 11, 19, 23, 59, 59), local(2026, 11, 23, 9)) == 2


# Authority ----------------------------------------------------------------------------------

CHAIRMAN = Actor("ct", ("tinh",), frozenset({Role.CHAIRMAN}))
VICE = Actor("pct", ("tinh",), frozenset({Role.VICE_CHAIRMAN}))
HEAD = Actor("gd", ("tinh", "snv"), frozenset({Role.UNIT_HEAD}))
OFFICER = Actor("cb", ("tinh", "snv"), frozenset({Role.OFFICER}))
OTHER_HEAD = Actor("gd2", ("tinh", "stc"), frozenset({Role.UNIT_HEAD}))


@pytest.mark.parametrize(("actor", "unit", "allowed"), [
    (CHAIRMAN, ("tinh", "snv"), True), (CHAIRMAN, ("tinh",), True),
    (VICE, ("tinh", "snv", "tccb"), True), (HEAD, ("tinh", "snv", "tccb"), True),
    (HEAD, ("tinh", "snv"), True), (HEAD, ("tinh", "stc"), False), (HEAD, ("tinh",), False),
    (OFFICER, ("tinh", "snv"), False), (OTHER_HEAD, ("tinh", "snv"), False),
])
def test_who_may_assign_to_which_unit(actor: Actor, unit: tuple[str, ...], allowed: bool) -> None:
    assert can_assign(actor, unit) is allowed


def test_who_is_above_whom_and_who_sees_what() -> None:
    assert is_above(CHAIRMAN, VICE) and not is_above(VICE, CHAIRMAN)
    assert is_above(CHAIRMAN, HEAD) and is_above(HEAD, OFFICER)
    assert not is_above(OFFICER, HEAD) and not is_above(OTHER_HEAD, HEAD)
    assert can_see_unit(OFFICER, ("tinh", "snv", "tccb")) and not can_see_unit(OFFICER, ("tinh",))
    parties = TaskParties(owner_id="cb", lead_unit_heads=frozenset({"gd"}), assigner=VICE)
    assert relations_to_task(HEAD, parties) == {Relation.LEAD_UNIT_HEAD}
    assert relations_to_task(CHAIRMAN, parties) == {Relation.ASSIGNER_SUPERIOR}
    assert relations_to_task(OFFICER, parties) == {Relation.OWNER}


# Lifecycle ----------------------------------------------------------------------------------


@pytest.mark.parametrize("action", [a for a in Action if a is not Action.ASSIGN])
def test_every_transition_names_who_and_from_where(action: Action) -> None:
    rule = RULES[action]
    state = next(iter(sorted(rule.from_states)))
    others = set(Relation) - rule.allowed
    for relation in others:
        with pytest.raises(DomainError) as err:
            check_transition(action, state, {relation}, has_pending_extension=True)
        assert err.value.code == Code.FORBIDDEN
    for bad in set(TaskState) - rule.from_states:
        with pytest.raises(DomainError) as err:
            check_transition(action, bad, rule.allowed, has_pending_extension=True)
        assert err.value.code == Code.ILLEGAL_TRANSITION


def test_the_main_road_and_its_side_roads() -> None:
    lead, boss = {Relation.OWNER}, {Relation.ASSIGNER}
    assert check_transition(Action.ACCEPT, TaskState.ASSIGNED, lead) is TaskState.IN_PROGRESS
    assert check_transition(Action.SUBMIT, TaskState.IN_PROGRESS, lead) is TaskState.SUBMITTED
    assert check_transition(Action.RETURN, TaskState.SUBMITTED, boss) is TaskState.RETURNED
    assert check_transition(Action.APPROVE, TaskState.SUBMITTED, boss) is TaskState.COMPLETED
    assert check_transition(Action.DECLINE, TaskState.ASSIGNED, lead) is TaskState.DECLINED
    assert check_transition(Action.PAUSE, TaskState.SUBMITTED, boss) is TaskState.PAUSED
    assert check_transition(Action.RESUME, TaskState.PAUSED, boss,
                            resume_to=TaskState.SUBMITTED) is TaskState.SUBMITTED
    assert check_transition(Action.REASSIGN, TaskState.DECLINED, boss) is TaskState.ASSIGNED
    with pytest.raises(DomainError) as err:
        check_transition(Action.REQUEST_EXTENSION, TaskState.IN_PROGRESS, lead,
                         has_pending_extension=True)
    assert err.value.code == Code.ILLEGAL_TRANSITION
    for closed in (TaskState.COMPLETED, TaskState.CANCELLED):
        with pytest.raises(DomainError):
            check_transition(Action.CANCEL, closed, boss)


# The six "rõ" -------------------------------------------------------------------------------

NOW = local(2026, 11, 23, 9)
FACTS = OrgFacts(("tinh", "snv"), "snv", frozenset({"stc", "snv", "vp"}))


def draft(**overrides: object) -> TaskDraft:
    values: dict[str, object] = {
        "title": "Rà soát quy chế", "description": "Rà soát, đề xuất sửa đổi",
        "lead_unit_id": "snv", "owner_id": "cb", "basis": "Kế hoạch số 208/KH-UBND",
        "deadline": DeadlineSpec(working_days=10),
        "product": Product("báo cáo", "Báo cáo rà soát", "Được Chủ tịch thông qua"),
        "coordinators": (Coordinator("stc", "Cung cấp số liệu"),),
    }
    values.update(overrides)
    return TaskDraft(**values)  # type: ignore[arg-type]


def codes(d: TaskDraft, actor: Actor = CHAIRMAN, facts: OrgFacts = FACTS,
          expected: str = Code.VALIDATION) -> set[str]:
    with pytest.raises(DomainError) as err:
        validate_draft(d, actor, facts, CAL, NOW)
    assert err.value.code == expected
    return {f.code for f in err.value.fields}


def test_a_clear_task_gets_its_deadline() -> None:
    assert validate_draft(draft(), CHAIRMAN, FACTS, CAL, NOW) == end_of_day(date(2026, 12, 8))
    on_date = draft(deadline=DeadlineSpec(on_date=date(2026, 12, 5)))  # a Saturday
    assert validate_draft(on_date, CHAIRMAN, FACTS, CAL, NOW) == end_of_day(date(2026, 12, 7))
    at = draft(deadline=DeadlineSpec(at=local(2026, 12, 1, 17)))
    assert validate_draft(at, CHAIRMAN, FACTS, CAL, NOW) == local(2026, 12, 1, 17)


def test_every_missing_ro_is_named_at_once() -> None:
    empty = draft(title=" ", description="", lead_unit_id="", owner_id="", basis=None,
                  deadline=DeadlineSpec(), product=None)
    assert codes(empty, facts=OrgFacts(None, None, frozenset())) >= {
        "MISSING_TITLE", "MISSING_DESCRIPTION", "MISSING_LEAD_UNIT", "MISSING_OWNER",
        "MISSING_BASIS", "MISSING_DEADLINE", "MISSING_PRODUCT"}


@pytest.mark.parametrize(("changes", "expected"), [
    ({"owner_id": "x"}, "OWNER_NOT_IN_LEAD_UNIT"),
    ({"product": Product("", "")}, "MISSING_PRODUCT_KIND"),
    ({"product": Product("báo cáo", " ")}, "MISSING_PRODUCT_DESCRIPTION"),
    ({"coordinators": (Coordinator("snv", "x"),)}, "COORDINATOR_IS_LEAD"),
    ({"coordinators": (Coordinator("stc", "a"), Coordinator("stc", "b"))},
     "DUPLICATE_COORDINATOR"),
    ({"coordinators": (Coordinator("khong", "a"),)}, "UNKNOWN_COORDINATOR"),
    ({"coordinators": (Coordinator("stc", ""),)}, "MISSING_COORDINATOR_DUTY"),
    ({"deadline": DeadlineSpec(working_days=3, on_date=date(2026, 12, 1))},
     "AMBIGUOUS_DEADLINE"),
    ({"deadline": DeadlineSpec(working_days=0)}, "INVALID_WORKING_DAYS"),
    ({"deadline": DeadlineSpec(on_date=date(2026, 11, 20))}, "DEADLINE_IN_PAST"),
    ({"milestones": (Milestone("", date(2026, 11, 30)),)}, "MISSING_MILESTONE_TITLE"),
    ({"milestones": (Milestone("Dự thảo", date(2027, 1, 30)),)}, "MILESTONE_AFTER_DEADLINE"),
    ({"milestones": (Milestone("Dự thảo", date(2026, 11, 2)),)}, "MILESTONE_IN_PAST"),
])
def test_each_rule_has_its_code(changes: dict[str, object], expected: str) -> None:
    facts = OrgFacts(("tinh", "snv"), "snv" if "owner_id" not in changes else "stc",
                     FACTS.known_unit_ids)
    assert expected in codes(draft(**changes), facts=facts)


def test_no_authority_over_the_lead_unit() -> None:
    assert codes(draft(), actor=OTHER_HEAD, expected=Code.FORBIDDEN) == {"NO_AUTHORITY"}
    assert codes(draft(), actor=OFFICER, expected=Code.FORBIDDEN) == {"NO_AUTHORITY"}


# Timeliness ---------------------------------------------------------------------------------

DEADLINE = local(2026, 11, 27, 23, 59, 59)  # a Friday


@pytest.mark.parametrize(("now", "expected"), [
    (local(2026, 11, 19, 9), Timeliness.IN_TIME),
    (local(2026, 11, 20, 9), Timeliness.IN_TIME),  # Mon 23, Wed 25, Thu 26 (24 off), Fri 27: 4
    (local(2026, 11, 23, 9), Timeliness.DUE_SOON),  # Wed 25, Thu 26, Fri 27: 3
    (local(2026, 11, 25, 9), Timeliness.DUE_SOON),
    (local(2026, 11, 28, 0, 0, 1), Timeliness.OVERDUE),
])
def test_open_task_timeliness(now: datetime, expected: Timeliness) -> None:
    got = timeliness(state=TaskState.IN_PROGRESS, deadline=DEADLINE, accepted_submitted_at=None,
                     now=now, calendar=CAL)
    horizon = CAL.due_soon_horizon(now)
    assert got is expected or (expected is Timeliness.DUE_SOON and horizon < DEADLINE
                               and got is Timeliness.IN_TIME)


def test_due_soon_means_three_working_days_or_less() -> None:
    # From Thursday 19/11: Fri 20, Mon 23, Wed 25 (Tue 24 is off) are the next three.
    assert CAL.due_soon_horizon(local(2026, 11, 19, 9)) == end_of_day(date(2026, 11, 25))
    thu = timeliness(state=TaskState.ASSIGNED, deadline=end_of_day(date(2026, 11, 25)),
                     accepted_submitted_at=None, now=local(2026, 11, 19, 9), calendar=CAL)
    assert thu is Timeliness.DUE_SOON


def test_completed_is_judged_on_the_accepted_submission() -> None:
    on = timeliness(state=TaskState.COMPLETED, deadline=DEADLINE,
                    accepted_submitted_at=DEADLINE - timedelta(hours=1),
                    now=DEADLINE + timedelta(days=9), calendar=CAL)
    late = timeliness(state=TaskState.COMPLETED, deadline=DEADLINE,
                      accepted_submitted_at=DEADLINE + timedelta(seconds=1),
                      now=DEADLINE + timedelta(days=9), calendar=CAL)
    assert (on, late) == (Timeliness.COMPLETED_ON_TIME, Timeliness.COMPLETED_LATE)


def test_a_paused_task_is_frozen() -> None:
    kw = {"state": TaskState.PAUSED, "deadline": DEADLINE, "accepted_submitted_at": None,
          "now": DEADLINE + timedelta(days=30), "calendar": CAL}
    assert timeliness(frozen_at=DEADLINE - timedelta(hours=2), **kw) is Timeliness.IN_TIME
    assert timeliness(frozen_at=DEADLINE + timedelta(hours=2), **kw) is Timeliness.OVERDUE


def test_a_pause_gives_back_the_working_days_it_took() -> None:
    paused, resumed = local(2026, 11, 16, 10), local(2026, 11, 23, 15)  # Mon → next Mon
    moved = shift_after_pause(DEADLINE, paused, resumed, CAL)
    assert moved == end_of_day(date(2026, 12, 4))  # five working days later, still 23:59:59
    assert shift_after_pause(DEADLINE, DEADLINE + timedelta(hours=1),
                             DEADLINE + timedelta(days=3), CAL) == DEADLINE


# Escalation ladder --------------------------------------------------------------------------


def test_the_default_ladder() -> None:
    steps = planned_steps(DEFAULT_POLICY, CAL, DEADLINE)
    first = [next(steps) for _ in range(8)]
    at_8 = time(8, 0)
    assert [(s.key.split("@")[0], s.at) for s in first] == [
        ("before-3", datetime.combine(date(2026, 11, 23), at_8, VN_TZ)),  # Wed, Thu, Mon; 24 off
        ("before-1", datetime.combine(date(2026, 11, 26), at_8, VN_TZ)),
        ("due-morning", datetime.combine(date(2026, 11, 27), at_8, VN_TZ)),
        ("overdue", DEADLINE + timedelta(seconds=1)),
        ("overdue-head", datetime.combine(date(2026, 11, 30), at_8, VN_TZ)),
        ("overdue-assigner", datetime.combine(date(2026, 12, 2), at_8, VN_TZ)),
        ("weekly-1", datetime.combine(date(2026, 12, 9), at_8, VN_TZ)),
        ("weekly-2", datetime.combine(date(2026, 12, 16), at_8, VN_TZ)),
    ]
    assert [s.recipients for s in first[3:6]] == [
        (Recipient.OWNER,), (Recipient.OWNER, Recipient.LEAD_UNIT_HEAD),
        (Recipient.OWNER, Recipient.LEAD_UNIT_HEAD, Recipient.ASSIGNER)]
    assert [s.flags for s in first] == [False] * 6 + [True, True]  # > 3 overdue reminders
    assert all(s.phase is Phase.BEFORE for s in first[:3])


def test_next_step_sends_in_order_and_skips_what_is_stale() -> None:
    assigned = local(2026, 11, 24, 9)  # after "before-3" was planned
    d = next_step(DEFAULT_POLICY, CAL, DEADLINE, local(2026, 11, 24, 9, 1), set(), assigned)
    assert d.fire is None and [s.key.split("@")[0] for s in d.skipped] == ["before-3"]
    assert d.wake_at == datetime.combine(date(2026, 11, 26), time(8), VN_TZ)
    late = next_step(DEFAULT_POLICY, CAL, DEADLINE, local(2026, 12, 3, 9),
                     {s.key for s in d.skipped}, assigned)
    # Reminders before the deadline are noise now; overdue ones go out one at a time.
    assert late.fire is not None and late.fire.key.startswith("overdue@")
    assert {s.key.split("@")[0] for s in late.skipped} == {"before-1", "due-morning"}
