"""A plan's terms (thời hạn) as offices write them, read into one of three things:

- a deadline, counted from the plan's issue date ("Ngày ban hành"), never from the day the plan
  is keyed in: "01 tháng kể từ ngày Kế hoạch được ban hành", "10 ngày làm việc kể từ ngày ký",
  "31/12/2026", "05/12" (the next 05/12 from the issue date); "Trước ngày 05/12" is the end of
  the last working day before 05/12;
- a recurring duty: "Hằng tuần", "Hằng tháng", "Hằng quý", "06 tháng, năm", "định kỳ …";
  "Thường xuyên" (and a bare "định kỳ") on the plan's reporting cycle;
- untracked, with why: "Theo yêu cầu", "Đột xuất" — no day to hold anyone to.

Pure; `domain.plan` applies it row by row.
"""

from __future__ import annotations

import calendar as _months
import re
from dataclasses import dataclass
from datetime import date, timedelta

from domain.calendar import WorkingCalendar
from domain.errors import FieldIssue
from domain.plan_wording import add_months
from domain.recurrence import (
    SEED_REPORTS,
    DueDate,
    Frequency,
    Recurrence,
    RuleDraft,
    duty_key,
)
from domain.ro import RO_THOI_GIAN, RO_VIEC
from domain.task import DeadlineSpec
from domain.text import fold

TERM_HELP = ("ghi ngày (31/12/2026, 05/12, trước ngày 05/12), số ngày làm việc (10 ngày làm "
             "việc), số ngày, tuần hoặc tháng kể từ ngày ban hành (01 tháng kể từ ngày Kế hoạch "
             "được ban hành), một tháng, quý hoặc năm (tháng 12/2026, quý IV/2026, năm 2026), "
             "định kỳ (hằng tuần, hằng tháng, hằng quý, 06 tháng, năm), "
             "thường xuyên, hoặc theo yêu cầu")

# The plan's reporting cycle when it names none: the weekly kiểm đếm reported at Friday's
# giao ban (seed 001: "Hằng tuần tổng hợp kết quả kiểm đếm nhiệm vụ").
WEEKLY_REPORTING = Recurrence(Frequency.WEEKLY, weekday=5)
# Each cycle a plan may name for its "Thường xuyên" duties, as its due day.
REPORTING_CYCLES = {
    Frequency.WEEKLY: WEEKLY_REPORTING,
    Frequency.MONTHLY: Recurrence(Frequency.MONTHLY, day=31),  # by each month's end
    Frequency.QUARTERLY: Recurrence(Frequency.QUARTERLY, day=31, month_in_quarter=3),
    Frequency.YEARLY: SEED_REPORTS,  # 6-month report before 05/6, annual before 05/12
}
REPORTING_HELP = "hằng tuần, hằng tháng, hằng quý, hoặc 06 tháng, năm"
UNTRACKED_WHY = ("thời hạn “{term}”: việc làm khi có yêu cầu, không có ngày hạn để theo dõi; "
                 "khi có yêu cầu cụ thể thì giao thành nhiệm vụ riêng")


@dataclass(frozen=True)
class Deadline:
    spec: DeadlineSpec


@dataclass(frozen=True)
class Periodic:
    recurrence: Recurrence


@dataclass(frozen=True)
class Untracked:
    why: str


TermReading = Deadline | Periodic | Untracked


@dataclass(frozen=True)
class PlannedRule:
    """A row's product whose term is periodic ("Hằng tuần", "06 tháng, năm"): a recurring duty
    of one lead unit, linked to the plan."""

    row: int
    position: int
    unit_id: str
    draft: RuleDraft


@dataclass(frozen=True)
class UntrackedProduct:
    """A row's product with no day to hold anyone to ("Theo yêu cầu"): listed on the plan,
    with why, and not tracked."""

    row: int
    position: int
    description: str
    term: str
    why: str

_PREFIXES = ("trong thoi han ", "trong vong ", "trong ", "cham nhat sau ", "cham nhat ngay ",
             "cham nhat ", "han ", "den ngay ", "thoi han ", "sau ", "ngay ")
# "… kể từ ngày Kế hoạch (này) được ban hành", "… kể từ ngày ký", "… kể từ ngày ban hành".
_FROM_ISSUE = re.compile(r"\s*,?\s*(ke tu|tinh tu|sau khi) .*$")
_FROM_WORDS = re.compile(r"(ban hanh|ky)\b")
_WORKING = re.compile(r"^(\d{1,4}) ngay lam viec$")
_DAYS = re.compile(r"^(\d{1,4}) ngay$")
_WEEKS = re.compile(r"^(\d{1,3}) tuan$")
_MONTHS = re.compile(r"^(\d{1,3}) thang$")
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?$")
# "Quý IV/2026", "tháng 12/2026", "năm 2026": by the end of that quarter, month, year.
_SPAN = re.compile(r"^(quy|thang|nam) (?:(i{1,3}|iv|\d{1,2})[/ ](?:nam )?)?(\d{4})$")
_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_WORDY_DATE = re.compile(r"^(\d{1,2}) thang (\d{1,2})(?: nam (\d{4}))?$")
_ANY_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})\b|(\d{1,2}) thang (\d{1,2})\b")
_UNTRACKED = ("theo yeu cau", "khi co yeu cau", "dot xuat")
_ALWAYS = ("thuong xuyen", "lien tuc", "dinh ky")


def read_term(term: str, issued_on: date, calendar: WorkingCalendar,
              reporting: Recurrence = WEEKLY_REPORTING) -> TermReading | None:
    """The term read; None when it is in none of the forms TERM_HELP names."""
    text = " ".join(fold(term).replace("*", " ").split()).rstrip(".;")
    if any(text.startswith(u) for u in _UNTRACKED):
        return Untracked(UNTRACKED_WHY.format(term=term.strip()))
    if (periodic := _periodic(text)) is not None:
        return Periodic(periodic)
    if text in _ALWAYS or text.startswith("dinh ky "):  # "định kỳ theo quy định"
        return Periodic(reporting)
    spec = _deadline(text, issued_on, calendar)
    return Deadline(spec) if spec is not None else None


def reporting_cycle(given: str | None) -> Recurrence | None:
    """The cycle a plan's "Thường xuyên" duties recur on, in the plan's wording ("Hằng tháng",
    "hằng quý", "Báo cáo định kỳ hằng tuần") or as the API names it ("MONTHLY":
    REPORTING_CYCLES); the weekly kiểm đếm when unsaid; None when it names no cycle."""
    if given is None or not given.strip():
        return WEEKLY_REPORTING
    text = " ".join(fold(given).replace("*", " ").split()).rstrip(".;")
    if text.upper() in Frequency.__members__:  # a file may name the cycle as the API does
        return REPORTING_CYCLES[Frequency[text.upper()]]
    return _periodic(text)


def read_reporting(text: str | None, issues: list[FieldIssue], row: int | None = None
                   ) -> Recurrence:
    """A plan file's reporting cycle as written (reporting_cycle); one that names no cycle is
    a fault (with its row) and the plan keeps the weekly one meanwhile."""
    found = reporting_cycle(text)
    if found is None:
        where = f"Dòng {row}: " if row is not None else ""
        issues.append(FieldIssue("reporting", "INVALID_REPORTING",
                                 f"{where}không hiểu kỳ báo cáo “{text}”; ghi {REPORTING_HELP}.",
                                 RO_THOI_GIAN, row))
    return found or WEEKLY_REPORTING


def _periodic(text: str) -> Recurrence | None:
    """"Hằng tuần" → weekly (Friday); "Hằng tháng" → by each month's end; "Hằng quý" → by each
    quarter's end; "06 tháng, năm", "định kỳ 6 tháng và hằng năm" → the seeds' 6-month report
    (before 05/6) and annual report (before 05/12), or the dates the term itself gives."""
    if "hang tuan" in text:
        return Recurrence(Frequency.WEEKLY, weekday=5)
    if "hang thang" in text:
        return Recurrence(Frequency.MONTHLY, day=_day_in(text) or 31)
    if "hang quy" in text or text.startswith("dinh ky") and re.search(r"\bquy\b(?! dinh)", text):
        return Recurrence(Frequency.QUARTERLY, day=_day_in(text) or 31, month_in_quarter=3)
    half = re.search(r"\b0?6 thang\b", text) is not None
    yearly = re.search(r"\b(hang nam|nam)\b", text) is not None
    if not (half or yearly) or not (half and yearly or "dinh ky" in text or "hang" in text):
        return None
    given = [(int(a or c), int(b or d)) for a, b, c, d in _ANY_DATE.findall(text)]
    dates: list[DueDate] = []
    if half:
        day, month = given.pop(0) if given else (5, 6)
        dates.append(DueDate(month, day, "6 tháng đầu năm"))
    if yearly:
        day, month = given.pop(0) if given else (5, 12)
        dates.append(DueDate(month, day, "năm"))
    if any(not 1 <= d.month <= 12 or not 1 <= d.day <= 31 for d in dates):
        return None
    return Recurrence(Frequency.YEARLY, dates=tuple(dates))


def _day_in(text: str) -> int | None:
    """"… ngày 25" → 25; "trước ngày 25" → 24 (done before the 25th)."""
    m = re.search(r"(truoc )?ngay (\d{1,2})\b", text)
    if m is None or not 1 <= int(m.group(2)) <= 31:
        return None
    day = int(m.group(2))
    return day - 1 if m.group(1) and day > 1 else day


def _deadline(text: str, issued_on: date, calendar: WorkingCalendar) -> DeadlineSpec | None:
    counted = _FROM_ISSUE.search(text)
    if counted is not None:
        if not _FROM_WORDS.search(counted.group(0)):  # "kể từ ngày nhận …": not a known start
            return None
        text = text[:counted.start()]
    before = False
    for prefix in ("truoc ngay ", "truoc "):
        if text.startswith(prefix):
            text, before = text[len(prefix):], True
            break
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    try:
        # "trước" goes with a day ("trước ngày 05/12"), not a count or a span
        day = None if before else _counted(text, issued_on, calendar) or _span_end(text)
        if day is None and (found := _date(text, issued_on)) is not None:
            # "Trước ngày 05/12": done by the end of the last working day before it.
            day = calendar.previous_working_day(found) if before else found
    except (ValueError, OverflowError):
        return None
    return DeadlineSpec(on_date=day) if day is not None else None


def _span_end(text: str) -> date | None:
    m = _SPAN.match(text)
    if m is None:
        return None
    kind, part, year = m.group(1), m.group(2), int(m.group(3))
    if kind == "nam":
        return date(year, 12, 31) if part is None else None
    if kind == "quy" and part in _QUARTERS:
        return _months_end(year, _QUARTERS[part] * 3)
    if kind == "thang" and part is not None and part.isdigit():
        return _months_end(year, int(part))
    return None


def _months_end(year: int, month: int) -> date:
    return date(year, month, _months.monthrange(year, month)[1])


def _counted(text: str, start: date, calendar: WorkingCalendar) -> date | None:
    if m := _WORKING.match(text):
        return calendar.add_working_days(start, int(m.group(1)))
    if m := _DAYS.match(text):
        return start + timedelta(days=int(m.group(1)))
    if m := _WEEKS.match(text):
        return start + timedelta(weeks=int(m.group(1)))
    if m := _MONTHS.match(text):
        return add_months(start, int(m.group(1)))
    return None


def _date(text: str, start: date) -> date | None:
    m = _DATE.match(text) or _WORDY_DATE.match(text)
    if m is None:
        return None
    dd, mm = int(m.group(1)), int(m.group(2))
    if m.group(3):
        return date(int(m.group(3)), mm, dd)
    for year in range(start.year, start.year + 9):  # 29/02 waits for a leap year
        if (mm, dd) != (2, 29) or _months.isleap(year):
            day = date(year, mm, dd)
            if day >= start:
                return day
    return None


def repeated_duties(rules: list[PlannedRule]) -> list[FieldIssue]:
    """A plan's periodic rows that give a unit a duty an earlier row already gives it (the same
    duty_key): each would be the same task twice a period."""
    seen: dict[tuple[str, str], int] = {}
    issues: list[FieldIssue] = []
    for rule in rules:
        key = (rule.unit_id, duty_key(rule.draft.title, rule.draft.recurrence))
        if key in seen:
            issues.append(FieldIssue("items", "DUPLICATE_RULE", (
                f"Dòng {rule.row} giao lại nhiệm vụ định kỳ “{rule.draft.title.strip()}” đã giao "
                f"ở dòng {seen[key]} cho cùng đơn vị."), RO_VIEC, rule.row))
        seen.setdefault(key, rule.row)
    return issues
