"""Pure rules of kiểm đếm: periods, the tally and its roll-up, NĐ 335 score proposals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.calendar import WorkingCalendar
from domain.errors import DomainError
from domain.lifecycle import TaskState
from domain.periods import (
    PeriodKind,
    parse_period,
    period_containing,
    period_title,
    week_just_ended,
)
from domain.scores import (
    DONE,
    EXCELLENT,
    GOOD,
    NOT_DONE,
    Score,
    apply_excellent_cap,
    band_for,
    score_officials,
)
from domain.tally import TaskFact
from domain.timezone import VN_TZ

CAL = WorkingCalendar()


@pytest.mark.parametrize(("key", "first", "last", "label"), [
    ("2026-W48", date(2026, 11, 23), date(2026, 11, 29), "tuần 48 năm 2026"),
    ("2026-W01", date(2025, 12, 29), date(2026, 1, 4), "tuần 1 năm 2026"),
    ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "tháng 11 năm 2026"),
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28), "tháng 2 năm 2026"),
    ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "quý IV năm 2026"),
    ("2026-H1", date(2026, 1, 1), date(2026, 6, 30), "6 tháng đầu năm 2026"),
    ("2026", date(2026, 1, 1), date(2026, 12, 31), "năm 2026"),
])
def test_periods(key: str, first: date, last: date, label: str) -> None:
    p = parse_period(key)
    assert (p.key, p.first_day, p.last_day, p.label) == (key, first, last, label)
    assert p.start == datetime(first.year, first.month, first.day, tzinfo=VN_TZ)
    assert p.end == datetime(last.year, last.month, last.day, 23, 59, 59, tzinfo=VN_TZ)
    assert p.previous().end < p.start and p.previous().kind is p.kind


@pytest.mark.parametrize("bad", ["2026-W54", "2026-13", "2026-Q5", "2026-H3", "26", "tuần 48",
                                 "", "1999", "2026-W00"])
def test_bad_periods_are_refused_with_a_code(bad: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_period(bad)
    assert err.value.fields[0].code == "INVALID_PERIOD"


@pytest.mark.parametrize(("key", "title"), [
    ("2026-W49", "Tuần 49 (30/11–06/12/2026)"),
    ("2026-W01", "Tuần 1 (29/12/2025–04/01/2026)"),
    ("2026-11", "Tháng 11 năm 2026"),
])
def test_a_period_reads_as_people_write_it(key: str, title: str) -> None:
    assert period_title(parse_period(key)) == title


def test_the_monday_tally_reports_the_week_just_ended() -> None:
    monday_morning = datetime(2026, 11, 23, 6, 30, tzinfo=VN_TZ)
    assert week_just_ended(monday_morning).key == "2026-W47"
    # 23:30 UTC on Sunday is already Monday morning in Hà Nội: the next week.
    assert period_containing(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)).key == "2026-W48"
    assert period_containing(monday_morning, PeriodKind.QUARTER).key == "2026-Q4"


def fact(tid: str, unit: str, owner: str = "x", **kw: object) -> TaskFact:
    values: dict[str, object] = {
        "title": tid, "state": TaskState.IN_PROGRESS,
        "deadline": datetime(2026, 11, 30, 23, 59, 59, tzinfo=VN_TZ),
        "created_at": datetime(2026, 11, 2, tzinfo=VN_TZ),
    }
    values.update(kw)
    return TaskFact(id=tid, lead_unit_id=unit, owner_id=owner, **values)  # type: ignore[arg-type]


D = datetime(2026, 11, 18, 23, 59, 59, tzinfo=VN_TZ)


@pytest.mark.parametrize(("points", "band"), [
    (100, EXCELLENT), (90, EXCELLENT), (89.9, GOOD), (70, GOOD), (69.9, DONE), (50, DONE),
    (49.9, NOT_DONE), (0, NOT_DONE),
])
def test_bands(points: float, band: str) -> None:
    assert band_for(points) == band


def test_a_late_product_loses_a_quarter_of_its_points() -> None:
    period = parse_period("2026-11")
    at = datetime(2026, 11, 30, 23, 59, 59, tzinfo=VN_TZ)
    facts = [
        fact("a", "d", "an", state=TaskState.COMPLETED, deadline=D, submitted_at=D,
             completed_at=D),
        fact("b", "d", "an", state=TaskState.COMPLETED, deadline=D,
             submitted_at=D + timedelta(days=2), completed_at=D + timedelta(days=2)),
        fact("c", "d", "binh", deadline=D),  # undelivered past its deadline
        fact("e", "d", "binh", deadline=datetime(2026, 12, 20, tzinfo=VN_TZ)),  # not yet due
    ]
    scores = {s.official_id: s for s in score_officials(facts, period, at, CAL)}
    assert scores["an"].points == 87.5 and scores["an"].late_products == 1
    assert scores["an"].band == GOOD and scores["an"].tasks_counted == 2
    assert scores["binh"].points == 0.0 and scores["binh"].tasks_counted == 1
    assert scores["an"].proposal.startswith("Đề xuất:")


def test_no_more_than_a_fifth_of_good_or_better_are_excellent() -> None:
    scores = [Score(f"o{n}", p, band_for(p), 1, 0) for n, p in enumerate(
        [99, 98, 95, 92, 91, 80, 75, 72, 71, 70, 40])]
    demoted = apply_excellent_cap(scores)
    excellent = [s.official_id for s in scores if s.band == EXCELLENT]
    assert excellent == ["o0", "o1"]  # 10 rated good or better: at most 2 excellent
    assert demoted == 3 and all(s.capped for s in scores if s.official_id in {"o2", "o3", "o4"})
    assert scores[-1].band == NOT_DONE and not scores[-1].capped
