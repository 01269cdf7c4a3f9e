"""Working-day calendar for Vietnamese state bodies.

Working days are Monday–Friday minus public holidays (Bộ luật Lao động 2019, art. 112),
which the `holidays` package knows, lunar Tết included. The Government also swaps days
around holidays each year: `holidays` lists the day given off as "thay cho ngày dd/mm/yyyy";
that named Saturday becomes a working day. Yearly overrides from configuration add extra
days off and extra working days on top.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import holidays

from domain.timezone import at_local, end_of_day, local_date, to_local

_SWAPPED_FROM = re.compile(r"thay cho ngày (\d{2})/(\d{2})/(\d{4})")
# Holiday tables are computed once, at import, for the years tasks live in: `holidays` needs
# gettext and locale, which Temporal's workflow sandbox forbids, so workflows must only read.
# Up to 2101: user dates end with 2100 (domain.task.LATEST_YEAR), the ladder runs a little past.
_PRELOADED_YEARS = range(2015, 2102)
_TABLES: dict[int, dict[date, str]] = {}


def _table(year: int) -> dict[date, str]:
    if year not in _TABLES:
        _TABLES[year] = dict(holidays.country_holidays("VN", years=year, language="vi").items())
    return _TABLES[year]


_ALL = holidays.country_holidays("VN", years=_PRELOADED_YEARS, language="vi")
for _year in _PRELOADED_YEARS:
    _TABLES[_year] = {d: n for d, n in _ALL.items() if d.year == _year}


@dataclass(frozen=True)
class CalendarOverrides:
    """Yearly decisions the package cannot know: extra days off, Saturdays made working days."""

    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()

    @classmethod
    def from_lists(
        cls, days_off: Iterable[date | str] = (), working_days: Iterable[date | str] = ()
    ) -> CalendarOverrides:
        def parse(values: Iterable[date | str]) -> frozenset[date]:
            return frozenset(v if isinstance(v, date) else date.fromisoformat(v) for v in values)

        return cls(parse(days_off), parse(working_days))


@dataclass
class WorkingCalendar:
    overrides: CalendarOverrides = field(default_factory=CalendarOverrides)
    _years: set[int] = field(default_factory=set, init=False, repr=False)
    _holidays: dict[date, str] = field(default_factory=dict, init=False, repr=False)
    _swapped_working: set[date] = field(default_factory=set, init=False, repr=False)

    def _load(self, year: int) -> None:
        # A swap may be named in the adjacent year (2/1/2015 off for Saturday 27/12/2014), so
        # neighbours are read too, but only when already computed (never `holidays` in a sandbox).
        for y in (year - 1, year, year + 1):
            if y == year or y in _TABLES:
                self._ingest(y)

    def _ingest(self, year: int) -> None:
        if year in self._years:
            return
        self._years.add(year)
        for day, name in _table(year).items():
            self._holidays[day] = name
            for match in _SWAPPED_FROM.finditer(name):
                dd, mm, yyyy = (int(g) for g in match.groups())
                self._swapped_working.add(date(yyyy, mm, dd))

    def holiday_name(self, day: date) -> str | None:
        self._load(day.year)
        if day in self.overrides.extra_days_off:
            return self._holidays.get(day, "Ngày nghỉ theo quyết định")
        return self._holidays.get(day)

    def is_working_day(self, day: date) -> bool:
        self._load(day.year)
        if day in self.overrides.extra_working_days:
            return True
        if day in self.overrides.extra_days_off or day in self._holidays:
            return False
        if day in self._swapped_working:
            return True
        return day.weekday() < 5

    def next_working_day(self, day: date, *, include_today: bool = False) -> date:
        current = day if include_today else day + timedelta(days=1)
        while not self.is_working_day(current):
            current += timedelta(days=1)
        return current

    def previous_working_day(self, day: date) -> date:
        current = day - timedelta(days=1)
        while not self.is_working_day(current):
            current -= timedelta(days=1)
        return current

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (negative counts go backwards)."""
        current = day
        step = self.next_working_day if count >= 0 else self.previous_working_day
        for _ in range(abs(count)):
            current = step(current)
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1 for n in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=n))
        )

    # Deadlines -----------------------------------------------------------------------

    def deadline_for_date(self, day: date) -> datetime:
        """A date deadline means the end of that day, moved to the next working day if off
        (Bộ luật Dân sự 2015, art. 147–148)."""
        return end_of_day(self.next_working_day(day, include_today=True))

    def deadline_in_working_days(self, start: datetime, count: int) -> datetime:
        """"Within N working days" from `start`: the end of the N-th working day after it."""
        return end_of_day(self.add_working_days(local_date(start), count))

    def working_morning(self, day: date, at: time) -> datetime:
        return at_local(day, at)

    def due_soon_horizon(self, now: datetime, days: int = 3) -> datetime:
        """Deadlines at or before this instant are "sắp đến hạn" (≤ `days` working days left)."""
        return end_of_day(self.add_working_days(local_date(now), days))

    def working_days_overdue(self, deadline: datetime, now: datetime) -> int:
        return max(0, self.working_days_between(local_date(deadline), local_date(now)))

    def local(self, moment: datetime) -> datetime:
        return to_local(moment)
