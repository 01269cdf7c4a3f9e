"""Working-day calendar: weekends, Vietnamese public holidays (lunar Tết included), swapped
working Saturdays, yearly overrides, and the deadline arithmetic built on them.

Fixed dates only (2025–2027, plus two historical swaps), so nothing rots with the calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import CalendarOverrides, WorkingCalendar
from tests.unit.clock import local

CAL = WorkingCalendar()
SEVEN_HOURS = timedelta(hours=7)


def eod(y: int, m: int, d: int) -> datetime:
    return local(y, m, d, 23, 59, 59)


# Weekends and public holidays -----------------------------------------------------------------


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 11, 20), True),  # Friday
    (date(2026, 11, 21), False),  # Saturday
    (date(2026, 11, 22), False),  # Sunday
    (date(2026, 11, 23), True),  # Monday
    (date(2027, 3, 13), False),  # an ordinary Saturday
    (date(2027, 3, 14), False),  # an ordinary Sunday
    (date(2026, 4, 26), False),  # Giỗ Tổ Hùng Vương (10/3 âm lịch) on a Sunday
])
def test_weekends_are_days_off(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize("day", [
    date(2026, 1, 1),  # Tết Dương lịch (Thursday)
    date(2027, 1, 1),  # Tết Dương lịch (Friday)
    # Tết Nguyên Đán 2026 (Bính Ngọ): 16–20/2, Monday to Friday.
    date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19),
    date(2026, 2, 20),
    # Tết Nguyên Đán 2027 (Đinh Mùi): 4–10/2; the weekdays among them.
    date(2027, 2, 4), date(2027, 2, 5), date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10),
    date(2026, 4, 27),  # Giỗ Tổ 2026 fell on Sunday 26/4: Monday 27/4 is given in lieu
    date(2027, 4, 16),  # Giỗ Tổ Hùng Vương 2027 (10/3 âm lịch), a Friday
    date(2026, 4, 30), date(2027, 4, 30),  # Ngày Chiến thắng
    date(2026, 5, 1),  # Quốc tế Lao động (Friday)
    date(2027, 5, 3),  # 1/5/2027 is a Saturday: Monday 3/5 in lieu
    date(2026, 9, 1), date(2026, 9, 2),  # Quốc khánh and its adjacent day
    date(2027, 9, 2), date(2027, 9, 3),
    date(2026, 11, 24),  # Ngày Văn hóa Việt Nam, a day off from 2026
    date(2025, 5, 2),  # swapped: off in exchange for Saturday 26/4/2025
    date(2026, 8, 31),  # swapped: off in exchange for Saturday 22/8/2026
])
def test_public_holidays_on_weekdays_are_days_off(day: date) -> None:
    assert day.weekday() < 5, "the case must be a weekday to mean anything"
    assert not CAL.is_working_day(day)
    assert CAL.holiday_name(day)


@pytest.mark.parametrize(("day", "fragment"), [
    (date(2027, 2, 6), "Tết Nguyên Đán"),
    (date(2027, 2, 8), "Mùng ba Tết Nguyên Đán"),
    (date(2027, 4, 16), "Giỗ Tổ Hùng Vương"),
    (date(2026, 4, 30), "Ngày Chiến thắng"),
    (date(2026, 5, 1), "Quốc tế Lao động"),
    (date(2026, 9, 2), "Quốc khánh"),
    (date(2026, 8, 31), "thay cho ngày 22/08/2026"),
])
def test_holidays_are_named_in_vietnamese(day: date, fragment: str) -> None:
    name = CAL.holiday_name(day)
    assert name is not None and fragment in name


@pytest.mark.parametrize("day", [
    date(2026, 11, 23), date(2026, 11, 21), date(2026, 8, 22), date(2027, 2, 3)])
def test_ordinary_days_have_no_holiday_name(day: date) -> None:
    assert CAL.holiday_name(day) is None


def test_the_days_around_tet_2027_are_working_days() -> None:
    assert CAL.is_working_day(date(2027, 2, 3))  # Wednesday before 29 Tết
    assert CAL.is_working_day(date(2027, 2, 11))  # Thursday after mùng năm
    assert [d for d in (date(2027, 2, 3) + timedelta(days=n) for n in range(1, 8))
            if CAL.is_working_day(d)] == []


# Swapped working Saturdays ------------------------------------------------------------------


@pytest.mark.parametrize(("saturday", "day_off"), [
    (date(2026, 8, 22), date(2026, 8, 31)),
    (date(2025, 4, 26), date(2025, 5, 2)),
])
def test_a_saturday_swapped_for_a_day_off_is_a_working_day(saturday: date, day_off: date) -> None:
    assert saturday.weekday() == 5
    name = CAL.holiday_name(day_off)
    assert name is not None and f"thay cho ngày {saturday:%d/%m/%Y}" in name
    assert CAL.is_working_day(saturday)
    assert not CAL.is_working_day(day_off)
    # The Saturday next to it stays a day off.
    assert not CAL.is_working_day(saturday + timedelta(days=7))


@pytest.mark.parametrize(("saturday", "day_off"), [
    (date(2014, 12, 27), date(2015, 1, 2)),  # worked in 2014 for a day off in 2015
    (date(2019, 1, 5), date(2018, 12, 31)),  # worked in 2019 for a day off in 2018
])
def test_a_swap_across_new_year_is_known_whichever_year_is_asked_first(
    saturday: date, day_off: date
) -> None:
    # A fresh calendar each time: the answer must not depend on which years were loaded.
    assert WorkingCalendar().is_working_day(saturday)
    fresh = WorkingCalendar()
    assert not fresh.is_working_day(day_off)
    assert fresh.is_working_day(saturday)


def test_swapped_saturday_counts_in_working_day_arithmetic() -> None:
    friday = date(2026, 8, 21)
    assert CAL.next_working_day(friday) == date(2026, 8, 22)
    assert CAL.add_working_days(friday, 2) == date(2026, 8, 24)
    assert CAL.working_days_between(friday, date(2026, 8, 24)) == 2
    # Across the swap and Quốc khánh: 31/8, 1/9, 2/9 are off.
    assert CAL.next_working_day(date(2026, 8, 28)) == date(2026, 9, 3)


# Yearly overrides ---------------------------------------------------------------------------


def test_overrides_add_days_off_and_working_days() -> None:
    cal = WorkingCalendar(CalendarOverrides.from_lists(
        days_off=["2026-12-31", date(2026, 12, 30)], working_days=["2027-01-09"]))
    assert not cal.is_working_day(date(2026, 12, 31))  # a Thursday made a day off
    assert not cal.is_working_day(date(2026, 12, 30))  # dates and ISO strings both accepted
    assert cal.is_working_day(date(2027, 1, 9))  # a Saturday made a working day
    assert cal.holiday_name(date(2026, 12, 31)) == "Ngày nghỉ theo quyết định"
    assert cal.holiday_name(date(2027, 1, 9)) is None
    # The default calendar is untouched.
    assert CAL.is_working_day(date(2026, 12, 31))
    assert not CAL.is_working_day(date(2027, 1, 9))


def test_an_extra_day_off_on_a_holiday_keeps_the_holiday_name() -> None:
    cal = WorkingCalendar(CalendarOverrides.from_lists(days_off=["2026-09-02"]))
    assert cal.holiday_name(date(2026, 9, 2)) == CAL.holiday_name(date(2026, 9, 2))


def test_overrides_win_over_the_package() -> None:
    cal = WorkingCalendar(CalendarOverrides.from_lists(
        days_off=["2026-08-22"],  # the swap is cancelled: Saturday 22/8 is off again
        working_days=["2026-11-24"],  # a holiday worked after all
    ))
    assert not cal.is_working_day(date(2026, 8, 22))
    assert cal.is_working_day(date(2026, 11, 24))


def test_overrides_move_deadlines_and_counts() -> None:
    cal = WorkingCalendar(CalendarOverrides.from_lists(
        days_off=["2026-12-31"], working_days=["2027-01-02"]))
    assert cal.deadline_for_date(date(2026, 12, 31)) == eod(2027, 1, 2)  # the worked Saturday
    assert cal.add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 2)
    assert cal.working_days_between(date(2026, 12, 30), date(2027, 1, 4)) == 2
    assert CAL.working_days_between(date(2026, 12, 30), date(2027, 1, 4)) == 2  # 31/12, 4/1


def test_overrides_from_lists_defaults_to_nothing() -> None:
    assert CalendarOverrides.from_lists() == CalendarOverrides()


# Date deadlines -----------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 11, 20), eod(2026, 11, 20)),  # a working Friday: that very day
    (date(2026, 11, 21), eod(2026, 11, 23)),  # Saturday → Monday
    (date(2026, 11, 22), eod(2026, 11, 23)),  # Sunday → Monday
    (date(2026, 11, 24), eod(2026, 11, 25)),  # Ngày Văn hóa Việt Nam → Wednesday
    (date(2026, 9, 2), eod(2026, 9, 3)),  # Quốc khánh → Thursday
    (date(2026, 8, 29), eod(2026, 9, 3)),  # Saturday, then 31/8, 1/9, 2/9 off
    (date(2026, 8, 22), eod(2026, 8, 22)),  # a swapped working Saturday stays
    (date(2027, 2, 5), eod(2027, 2, 11)),  # Giao thừa 2027 → after Tết
    (date(2027, 4, 30), eod(2027, 5, 4)),  # 30/4, weekend, 3/5 in lieu → Tuesday
    (date(2027, 1, 1), eod(2027, 1, 4)),  # Tết Dương lịch on a Friday → Monday
])
def test_a_date_deadline_is_the_end_of_that_working_day(day: date, expected: datetime) -> None:
    got = CAL.deadline_for_date(day)
    assert got == expected
    assert got.utcoffset() == SEVEN_HOURS
    assert got.time() == time(23, 59, 59)
    assert got.astimezone(UTC).time() == time(16, 59, 59)


# Working-day arithmetic ---------------------------------------------------------------------


def test_next_and_previous_working_day() -> None:
    assert CAL.next_working_day(date(2026, 11, 20)) == date(2026, 11, 23)
    assert CAL.next_working_day(date(2026, 11, 23)) == date(2026, 11, 25)  # 24/11 off
    assert CAL.next_working_day(date(2026, 11, 23), include_today=True) == date(2026, 11, 23)
    assert CAL.next_working_day(date(2026, 11, 21), include_today=True) == date(2026, 11, 23)
    assert CAL.previous_working_day(date(2026, 11, 23)) == date(2026, 11, 20)
    assert CAL.previous_working_day(date(2027, 2, 11)) == date(2027, 2, 3)


@pytest.mark.parametrize(("start", "count", "expected"), [
    (date(2026, 11, 20), 0, date(2026, 11, 20)),
    (date(2026, 11, 21), 0, date(2026, 11, 21)),  # zero steps: the day itself, even off
    (date(2026, 11, 20), 1, date(2026, 11, 23)),
    (date(2026, 11, 20), 2, date(2026, 11, 25)),  # Monday, (Tuesday off), Wednesday
    (date(2026, 11, 21), 1, date(2026, 11, 23)),  # from a Saturday
    (date(2026, 11, 20), -1, date(2026, 11, 19)),
    (date(2026, 11, 25), -1, date(2026, 11, 23)),
    (date(2027, 2, 3), 1, date(2027, 2, 11)),  # over Tết 2027
    (date(2027, 2, 11), -1, date(2027, 2, 3)),
    (date(2026, 2, 13), 1, date(2026, 2, 23)),  # over Tết 2026 (16–20/2)
])
def test_add_working_days(start: date, count: int, expected: date) -> None:
    assert CAL.add_working_days(start, count) == expected


@pytest.mark.parametrize(("start", "end", "expected"), [
    (date(2026, 11, 20), date(2026, 11, 20), 0),
    (date(2026, 11, 20), date(2026, 11, 23), 1),  # (Fri, Mon]: Monday only
    (date(2026, 11, 23), date(2026, 11, 20), -1),  # backwards: negative
    (date(2026, 11, 20), date(2026, 11, 22), 0),  # only the weekend
    (date(2026, 11, 23), date(2026, 11, 27), 3),  # 24/11 off
    (date(2026, 11, 27), date(2026, 11, 23), -3),
    (date(2027, 2, 3), date(2027, 2, 11), 1),  # Tết 2027 in between
    (date(2027, 2, 11), date(2027, 2, 3), -1),
    (date(2026, 1, 1), date(2026, 12, 31), 249),  # 2026 after 1/1: 260 weekdays - 12 off + 22/8
])
def test_working_days_between_and_its_sign(start: date, end: date, expected: int) -> None:
    assert CAL.working_days_between(start, end) == expected


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(start=st.dates(date(2026, 1, 1), date(2027, 12, 31)), count=st.integers(0, 60))
def test_adding_then_counting_working_days_agree(start: date, count: int) -> None:
    end = CAL.add_working_days(start, count)
    assert CAL.working_days_between(start, end) == count
    assert CAL.working_days_between(end, start) == -count
    assert count == 0 or CAL.is_working_day(end)


@pytest.mark.parametrize(("start", "count", "expected"), [
    (local(2026, 11, 23, 9), 1, eod(2026, 11, 25)),  # Monday + 1: Tuesday is off
    (local(2026, 11, 23, 9), 10, eod(2026, 12, 8)),
    (local(2026, 11, 21, 10), 1, eod(2026, 11, 23)),  # from a Saturday
    (local(2027, 2, 3, 16), 2, eod(2027, 2, 12)),  # over Tết 2027
    (local(2026, 8, 21, 9), 1, eod(2026, 8, 22)),  # the swapped working Saturday
    # 23:30 UTC on Monday 23/11 is already Tuesday 24/11 in Hà Nội.
    (datetime(2026, 11, 23, 23, 30, tzinfo=UTC), 1, eod(2026, 11, 25)),
    (datetime(2026, 11, 23, 16, 59, tzinfo=UTC), 1, eod(2026, 11, 25)),
    (datetime(2026, 11, 20, 17, 0), 1, eod(2026, 11, 23)),  # naive = UTC = Sat 00:00 local
])
def test_deadline_in_working_days(start: datetime, count: int, expected: datetime) -> None:
    got = CAL.deadline_in_working_days(start, count)
    assert got == expected
    assert got.utcoffset() == SEVEN_HOURS


@pytest.mark.parametrize(("now", "days", "expected"), [
    (local(2026, 11, 19, 9), 3, eod(2026, 11, 25)),  # Fri 20, Mon 23, Wed 25 (24 off)
    (local(2026, 11, 21, 9), 3, eod(2026, 11, 26)),  # from Saturday: Mon, Wed, Thu
    (local(2026, 11, 23, 23, 59), 3, eod(2026, 11, 27)),
    (local(2027, 2, 3, 9), 3, eod(2027, 2, 15)),  # over Tết: Thu 11, Fri 12, Mon 15
    (local(2026, 11, 19, 9), 1, eod(2026, 11, 20)),
    (datetime(2026, 11, 18, 17, 0, tzinfo=UTC), 3, eod(2026, 11, 25)),  # = Thu 19 00:00
])
def test_due_soon_horizon(now: datetime, days: int, expected: datetime) -> None:
    assert CAL.due_soon_horizon(now, days) == expected


def test_due_soon_horizon_defaults_to_three_working_days() -> None:
    now = local(2026, 11, 19, 9)
    assert CAL.due_soon_horizon(now) == CAL.due_soon_horizon(now, 3)


@pytest.mark.parametrize(("deadline", "now", "expected"), [
    (eod(2026, 11, 20), local(2026, 11, 19, 9), 0),  # not yet due
    (eod(2026, 11, 19), local(2026, 11, 23, 9), 2),  # Fri 20 and Mon 23
    (eod(2026, 11, 20), local(2026, 11, 20, 23, 59, 59), 0),
    (eod(2026, 11, 20), local(2026, 11, 21, 0, 0, 1), 0),  # late, but only the weekend
    (eod(2026, 11, 20), local(2026, 11, 23, 9), 1),
    (eod(2026, 11, 20), local(2026, 11, 25, 9), 2),  # 24/11 off
    (eod(2026, 11, 20), local(2026, 12, 4, 9), 9),  # two weeks, minus 24/11
    (eod(2027, 2, 3), local(2027, 2, 11, 9), 1),  # Tết does not count
    (local(2026, 11, 20, 17), datetime(2026, 11, 23, 2, 0, tzinfo=UTC), 1),
])
def test_working_days_overdue(deadline: datetime, now: datetime, expected: int) -> None:
    assert CAL.working_days_overdue(deadline, now) == expected


def test_working_morning_and_local_time() -> None:
    assert CAL.working_morning(date(2026, 11, 23), time(8)) == datetime(
        2026, 11, 23, 1, 0, tzinfo=UTC)
    assert CAL.local(datetime(2026, 11, 23, 17, 0, tzinfo=UTC)) == local(2026, 11, 24)
    assert CAL.local(datetime(2026, 11, 23, 17, 0)).utcoffset() == SEVEN_HOURS  # naive = UTC
