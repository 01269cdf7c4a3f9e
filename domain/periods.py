"""Reporting periods: an ISO week "2026-W48", a month "2026-11", a quarter "2026-Q4", a half
"2026-H2" or a year "2026", each from 00:00 of its first day to 23:59:59 of its last day in
Asia/Ho_Chi_Minh."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.errors import FieldIssue, validation_error
from domain.timezone import END_OF_DAY, at_local, local_date

_PATTERNS = {
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "half": re.compile(r"^(\d{4})-H([12])$"),
    "year": re.compile(r"^(\d{4})$"),
}


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


_LABELS = {
    PeriodKind.WEEK: "tuần {n} năm {y}",
    PeriodKind.MONTH: "tháng {n} năm {y}",
    PeriodKind.QUARTER: "quý {roman} năm {y}",
    PeriodKind.HALF: "{half} năm {y}",
    PeriodKind.YEAR: "năm {y}",
}


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    year: int
    number: int  # week, month, quarter or half number; 1 for a year
    first_day: date
    last_day: date

    @property
    def key(self) -> str:
        match self.kind:
            case PeriodKind.WEEK:
                return f"{self.year}-W{self.number:02d}"
            case PeriodKind.MONTH:
                return f"{self.year}-{self.number:02d}"
            case PeriodKind.QUARTER:
                return f"{self.year}-Q{self.number}"
            case PeriodKind.HALF:
                return f"{self.year}-H{self.number}"
        return str(self.year)

    @property
    def start(self) -> datetime:
        return at_local(self.first_day, datetime.min.time())

    @property
    def end(self) -> datetime:
        return at_local(self.last_day, END_OF_DAY)

    @property
    def label(self) -> str:
        roman = ["I", "II", "III", "IV"][self.number - 1] if self.kind is PeriodKind.QUARTER else ""
        half = "6 tháng đầu" if self.number == 1 else "6 tháng cuối"
        return _LABELS[self.kind].format(n=self.number, y=self.year, roman=roman, half=half)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end

    def previous(self) -> Period:
        return period_containing(self.start - timedelta(seconds=1), self.kind)


def _invalid(value: str) -> Exception:
    return validation_error([FieldIssue(
        "period", "INVALID_PERIOD",
        f"Kỳ báo cáo “{value}” không hợp lệ: dùng 2026-W48, 2026-11, 2026-Q4, 2026-H2 hoặc 2026.",
    )], "Kỳ báo cáo")


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def parse_period(value: str) -> Period:
    text = (value or "").strip().upper()
    for kind, pattern in _PATTERNS.items():
        match = pattern.match(text)
        if not match:
            continue
        year = int(match.group(1))
        number = int(match.group(2)) if match.lastindex and match.lastindex > 1 else 1
        if not 2000 <= year <= 2100:
            raise _invalid(value)
        try:
            return _build(PeriodKind(kind), year, number)
        except ValueError:
            raise _invalid(value) from None
    raise _invalid(value)


def _build(kind: PeriodKind, year: int, number: int) -> Period:
    match kind:
        case PeriodKind.WEEK:
            first = date.fromisocalendar(year, number, 1)
            return Period(kind, year, number, first, first + timedelta(days=6))
        case PeriodKind.MONTH:
            if not 1 <= number <= 12:
                raise ValueError(number)
            return Period(kind, year, number, date(year, number, 1), _month_end(year, number))
        case PeriodKind.QUARTER:
            first_month = 3 * (number - 1) + 1
            return Period(kind, year, number, date(year, first_month, 1),
                          _month_end(year, first_month + 2))
        case PeriodKind.HALF:
            first_month = 6 * (number - 1) + 1
            return Period(kind, year, number, date(year, first_month, 1),
                          _month_end(year, first_month + 5))
    return Period(kind, year, 1, date(year, 1, 1), date(year, 12, 31))


def period_containing(moment: datetime, kind: PeriodKind = PeriodKind.WEEK) -> Period:
    day = local_date(moment)
    match kind:
        case PeriodKind.WEEK:
            iso = day.isocalendar()
            return _build(kind, iso.year, iso.week)
        case PeriodKind.MONTH:
            return _build(kind, day.year, day.month)
        case PeriodKind.QUARTER:
            return _build(kind, day.year, (day.month - 1) // 3 + 1)
        case PeriodKind.HALF:
            return _build(kind, day.year, 1 if day.month <= 6 else 2)
    return _build(kind, day.year, 1)


def period_title(period: Period) -> str:
    """How a person reads a period: "Tuần 49 (30/11–06/12/2026)", never the key "2026-W49";
    a week across new year names both years ("Tuần 1 (29/12/2025–04/01/2026)")."""
    if period.kind is not PeriodKind.WEEK:
        return period.label[0].upper() + period.label[1:]
    first, last = period.first_day, period.last_day
    start = f"{first:%d/%m}" if first.year == last.year else f"{first:%d/%m/%Y}"
    return f"Tuần {period.number} ({start}–{last:%d/%m/%Y})"


def week_just_ended(moment: datetime) -> Period:
    """The week a Monday-morning tally reports on: the last full week before `moment`."""
    return period_containing(moment).previous()
