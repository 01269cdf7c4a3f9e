"""domain.recurrence: when a recurring duty's occurrences open and fall due, what a pause or
an end leaves out, and the rule's own checks."""

from __future__ import annotations

from datetime import date, time

import pytest

from domain.errors import Code, DomainError
from domain.recurrence import (
    SEED_REPORTS,
    DueDate,
    Frequency,
    Recurrence,
    RuleWindow,
    check_recurrence,
    describe,
    due_to_open,
    from_json,
    occurrence_for,
    occurrences,
    to_json,
)
from domain.rule_state import next_rule_state, paused_spans
from domain.timezone import at_local

SIX = time(6, 0)


def opened(rule: Recurrence, first: date, last: date) -> list[tuple[str, date, date]]:
    found = occurrences(rule, at_local(first, time(0)), at_local(last, time(23)))
    return [(o.key, o.due, o.opens_at.date()) for o in found]


def test_each_frequency_opens_its_occurrences_before_they_fall_due() -> None:
    weekly = Recurrence(Frequency.WEEKLY, weekday=5)
    assert opened(weekly, date(2032, 2, 1), date(2032, 2, 14)) == [
        ("2032-W06", date(2032, 2, 6), date(2032, 2, 2)),
        ("2032-W07", date(2032, 2, 13), date(2032, 2, 9))]
    monthly = Recurrence(Frequency.MONTHLY, day=31, open_days=10)
    assert opened(monthly, date(2032, 2, 1), date(2032, 4, 30)) == [
        ("2032-02", date(2032, 2, 29), date(2032, 2, 19)),  # past the month's end: its last day
        ("2032-03", date(2032, 3, 31), date(2032, 3, 21)),
        ("2032-04", date(2032, 4, 30), date(2032, 4, 20))]
    quarterly = Recurrence(Frequency.QUARTERLY, day=20, month_in_quarter=3)
    assert [k for k, _, _ in opened(quarterly, date(2032, 1, 1), date(2032, 12, 31))] == [
        "2032-Q1", "2032-Q2", "2032-Q3", "2032-Q4"]
    assert opened(SEED_REPORTS, date(2032, 1, 1), date(2032, 12, 31)) == [
        ("2032-06-05", date(2032, 6, 5), date(2032, 5, 6)),
        ("2032-12-05", date(2032, 12, 5), date(2032, 11, 5))]


def test_a_period_key_names_its_occurrence() -> None:
    for rule, key in ((Recurrence(Frequency.WEEKLY, weekday=5), "2032-W07"),
                      (Recurrence(Frequency.MONTHLY, day=25), "2032-02"),
                      (Recurrence(Frequency.QUARTERLY, day=20, month_in_quarter=3), "2032-Q1"),
                      (SEED_REPORTS, "2032-06-05")):
        occ = occurrence_for(rule, key)
        assert occ is not None and occ.key == key
    assert occurrence_for(SEED_REPORTS, "2032-06-05").label == (  # type: ignore[union-attr]
        "6 tháng đầu năm 2032 (hạn 05/06/2032)")
    assert occurrence_for(SEED_REPORTS, "2032-07-05") is None
    assert occurrence_for(Recurrence(Frequency.MONTHLY, day=25), "tháng 2") is None


def test_the_window_leaves_out_what_opens_before_its_start_while_paused_or_after_its_end() -> None:
    rule = Recurrence(Frequency.MONTHLY, day=25, open_days=14)
    pause = at_local(date(2032, 3, 1), time(9))
    resume = at_local(date(2032, 4, 20), time(9))
    window = RuleWindow(date(2032, 1, 1), None, at_local(date(2032, 8, 1), time(9)),
                        tuple(paused_spans([("pause", pause), ("resume", resume)])))
    keys = [o.key for o in occurrences(rule, at_local(date(2031, 12, 1), SIX),
                                       at_local(date(2032, 12, 31), SIX)) if window.allows(o)]
    assert keys == ["2032-01", "2032-02", "2032-05", "2032-06", "2032-07"]
    last = RuleWindow(date(2032, 1, 1), date(2032, 3, 31))
    assert [o.key for o in due_to_open(rule, last, at_local(date(2032, 4, 12), SIX))] == [
        "2032-03"]  # April's falls due after the last day; February's opened too long ago


def test_a_run_catches_up_what_a_stopped_system_missed() -> None:
    rule = Recurrence(Frequency.WEEKLY, weekday=5)
    window = RuleWindow(date(2032, 1, 1))
    now = at_local(date(2032, 2, 18), time(8))  # down for weeks: back as far as 40 days
    assert [o.key for o in due_to_open(rule, window, now)] == [
        "2032-W03", "2032-W04", "2032-W05", "2032-W06", "2032-W07", "2032-W08"]


def test_pauses_are_read_from_the_trail() -> None:
    t = [at_local(date(2032, 1, d), SIX) for d in (1, 2, 3, 4)]
    assert paused_spans([("resume", t[0]), ("pause", t[1]), ("pause", t[2])]) == [(t[1], None)]
    assert paused_spans([("pause", t[0]), ("resume", t[1]), ("pause", t[2])]) == [
        (t[0], t[1]), (t[2], None)]


def test_a_rule_is_refused_with_every_fault() -> None:
    with pytest.raises(DomainError) as err:
        check_recurrence(Recurrence(Frequency.QUARTERLY, day=0, month_in_quarter=4,
                                    open_days=400), date(2032, 5, 1), date(2032, 1, 1), ())
    assert {f.field: f.code for f in err.value.fields} == {
        "recurrence.day": "INVALID_DAY", "recurrence.monthInQuarter": "INVALID_MONTH_IN_QUARTER",
        "recurrence.openDays": "INVALID_OPEN_DAYS", "endsOn": "INVALID_RANGE",
        "unitIds": "MISSING_LEAD_UNIT"}
    with pytest.raises(DomainError) as err:
        check_recurrence(Recurrence(Frequency.YEARLY, dates=(DueDate(2, 30), DueDate(6, 5))),
                         date(2032, 1, 1), None, ("a", "a"))
    assert {f.field: f.code for f in err.value.fields} == {
        "recurrence.dates[0]": "INVALID_DATE", "unitIds": "INVALID_UNITS"}
    check_recurrence(SEED_REPORTS, date(2032, 1, 1), None, ("a", "b"))


def test_pause_resume_end() -> None:
    assert next_rule_state("active", "pause", "Chờ") == "paused"
    assert next_rule_state("paused", "resume", None) == "active"
    assert next_rule_state("paused", "end", "Xong") == "ended"
    for state, action in (("ended", "resume"), ("ended", "pause")):
        with pytest.raises(DomainError) as err:
            next_rule_state(state, action, "x")
        assert err.value.code == Code.ILLEGAL_TRANSITION
        assert err.value.message == "Nhiệm vụ định kỳ đang ở trạng thái “Đã kết thúc”."
    with pytest.raises(DomainError) as err:
        next_rule_state("active", "end", " ")
    assert err.value.fields[0].code == "MISSING_REASON"


def test_the_same_action_again_records_nothing_and_is_not_refused() -> None:
    """A pause, resume or end sent again (its Schedule was unreachable the first time) finds
    the rule already there: nothing to record, no refusal — the Schedule is set again."""
    assert next_rule_state("paused", "pause", "Chờ") is None
    assert next_rule_state("active", "resume", None) is None
    assert next_rule_state("ended", "end", "Xong") is None
    with pytest.raises(DomainError) as err:  # the request is still checked whole
        next_rule_state("paused", "pause", "")
    assert err.value.fields[0].code == "MISSING_REASON"


def test_the_rule_in_words_and_as_stored() -> None:
    assert describe(SEED_REPORTS) == "Hằng năm, hạn 6 tháng đầu năm 05/06, năm 05/12"
    assert describe(Recurrence(Frequency.WEEKLY, weekday=5)) == "Hằng tuần, hạn thứ Sáu"
    assert from_json(to_json(SEED_REPORTS)) == SEED_REPORTS


def test_a_rule_made_mid_week_opens_this_week_while_its_deadline_is_ahead() -> None:
    """Issue 19, item 16: a weekly rule made on Thursday gives this Friday's task at once."""
    rule = Recurrence(Frequency.WEEKLY, weekday=5)
    thursday = date(2032, 1, 8)
    made = RuleWindow(thursday)
    assert [o.key for o in due_to_open(rule, made, at_local(thursday, time(10)))] == ["2032-W02"]
    saturday = date(2032, 1, 10)  # this Friday has passed: the next week's, when it opens
    assert due_to_open(rule, RuleWindow(saturday), at_local(saturday, time(10))) == []
    (this_week,) = occurrences(rule, at_local(date(2032, 1, 5), SIX),
                               at_local(date(2032, 1, 5), SIX))
    assert not made.allows(this_week)  # without a run's time, as before: from the first day


def test_the_same_duty_for_the_same_units_is_a_duplicate() -> None:
    from domain.recurrence import RuleDraft, duplicates

    weekly = Recurrence(Frequency.WEEKLY, weekday=5)
    draft = RuleDraft("Báo cáo kiểm đếm  hằng tuần", None, None, "báo cáo", "Báo cáo", None,
                      ("kt", "vhxh"), weekly, date(2032, 1, 8))
    assert duplicates(draft, "báo cáo kiểm đếm hằng tuần", ["vhxh", "vp"], weekly) == {"vhxh"}
    assert duplicates(draft, "Báo cáo tháng", ["vhxh"], weekly) == frozenset()
    assert duplicates(draft, draft.title, ["vhxh"], Recurrence(Frequency.WEEKLY,
                                                                weekday=4)) == frozenset()


def test_a_backdated_start_opens_nothing_already_late() -> None:
    """`startsOn` 39 days back: the first run opened 12 tasks at once, all overdue (issue 16,
    item 6). Only periods not yet due when the rule was made are opened."""
    from datetime import timedelta

    from domain.calendar import WorkingCalendar
    from domain.recurrence import to_open

    rule, calendar = Recurrence(Frequency.WEEKLY, weekday=5), WorkingCalendar()
    now = at_local(date(2026, 12, 4), time(8))  # Friday
    window = RuleWindow(date(2026, 10, 26), created_at=now)
    assert len(due_to_open(rule, window, now)) > 1  # what the first run opened before
    assert [o.due for o in to_open(rule, window, now, calendar)] == [date(2026, 12, 4)]
    # Made long ago, the same rule still catches up what a stopped system missed.
    made_then = RuleWindow(date(2026, 10, 26), created_at=now - timedelta(days=60))
    assert to_open(rule, made_then, now, calendar)[0].due < date(2026, 11, 1)


def test_a_rules_first_run_is_bounded() -> None:
    from domain.calendar import WorkingCalendar
    from domain.recurrence import MAX_FIRST_TASKS, RuleDraft, first_run_issues

    def draft(units: int, open_days: int) -> RuleDraft:
        return RuleDraft(title="Báo cáo tuần", description="Báo cáo", basis="KH 208",
                         product_kind="báo cáo", product_description="Báo cáo",
                         product_measure=None, unit_ids=tuple(f"u{n}" for n in range(units)),
                         recurrence=Recurrence(Frequency.WEEKLY, weekday=5, open_days=open_days),
                         starts_on=date(2026, 9, 1))

    now = at_local(date(2026, 12, 4), time(8))
    assert first_run_issues(draft(MAX_FIRST_TASKS, 4), now, WorkingCalendar()) == []
    # Opened 60 days ahead: the weeks of the last 40 days are all still to come, for 100 units.
    [issue] = first_run_issues(draft(100, 60), now, WorkingCalendar())
    assert issue.code == "TOO_MANY_FIRST_TASKS"
