"""Recurring duties (nhiệm vụ định kỳ): a rule that gives a set of units a normal task every
period — weekly, monthly, quarterly, or on dates of the year such as the seeds' "báo cáo 06
tháng trước ngày 05/6, báo cáo năm trước ngày 05/12".

Each occurrence has a due date (its task's deadline: the end of that day, moved off days off by
domain.calendar) and opens `open_days` calendar days before it, at 06:00: that is when its tasks
are assigned. Occurrences open from the rule's first day to its last, never while it is paused
or after it has ended. Pure: the run workflow asks which occurrences are due to open.
"""

from __future__ import annotations

import calendar as _months
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from domain.calendar import WorkingCalendar
from domain.errors import DomainError, FieldIssue, validation_error
from domain.inputs import check_text, date_issue
from domain.org import Actor
from domain.periods import PeriodKind, period_containing
from domain.ro import RO_THOI_GIAN
from domain.task import (
    DeadlineSpec,
    OrgFacts,
    Product,
    TaskDraft,
    raise_if_any,
    validate_draft,
)
from domain.text import fold
from domain.timezone import as_aware, at_local, end_of_day

OPENS_AT = time(6, 0)  # when the day's occurrences are assigned (the Schedule runs then)
MAX_OPEN_DAYS = 180
MAX_DATES = 12
MAX_UNITS = 500
CATCH_UP_DAYS = 40  # a run looks this far back for occurrences it has not created yet
MAX_FIRST_TASKS = 500  # tasks a rule's first run may open at once (every unit once)
_ROMAN = ("I", "II", "III", "IV")


class Frequency(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"  # on given dates of the year: the seeds' 05/6 and 05/12


FREQUENCY_LABELS_VI = {
    Frequency.WEEKLY: "Hằng tuần",
    Frequency.MONTHLY: "Hằng tháng",
    Frequency.QUARTERLY: "Hằng quý",
    Frequency.YEARLY: "Theo ngày trong năm",
}
DEFAULT_OPEN_DAYS = {Frequency.WEEKLY: 4, Frequency.MONTHLY: 14, Frequency.QUARTERLY: 30,
                     Frequency.YEARLY: 30}


@dataclass(frozen=True)
class DueDate:
    month: int
    day: int
    label: str | None = None  # "6 tháng đầu năm" (then the year); "năm" when None


@dataclass(frozen=True)
class Recurrence:
    frequency: Frequency
    weekday: int | None = None  # weekly: ISO weekday of the due date (5 = Friday)
    day: int | None = None  # monthly, quarterly: day of the month (past the month's end: last)
    month_in_quarter: int | None = None  # quarterly: 1, 2 or 3
    dates: tuple[DueDate, ...] = ()  # yearly
    open_days: int | None = None  # the default for the frequency when None

    @property
    def lead_days(self) -> int:
        return self.open_days if self.open_days is not None else DEFAULT_OPEN_DAYS[self.frequency]


# The seeds' periodic reports: 6-month report before 05/6, annual report before 05/12.
SEED_REPORTS = Recurrence(Frequency.YEARLY, dates=(DueDate(6, 5, "6 tháng đầu năm"),
                                                   DueDate(12, 5, "năm")))


@dataclass(frozen=True)
class Occurrence:
    key: str  # the period: "2026-W48", "2026-11", "2026-Q4", "2026-12-05"
    label: str  # what people read: "tuần 48 năm 2026", "báo cáo năm 2026 (hạn 05/12/2026)"
    due: date
    opens_at: datetime


@dataclass(frozen=True)
class RuleWindow:
    """When a rule may open occurrences: from its first day, until it ended, never paused; and
    never a period already late when the rule was made (`late_when_made`)."""

    starts_on: date
    ends_on: date | None = None
    ended_at: datetime | None = None
    paused: Sequence[tuple[datetime, datetime | None]] = field(default_factory=tuple)
    created_at: datetime | None = None  # None: a rule recorded before this was kept

    def allows(self, occ: Occurrence, now: datetime | None = None) -> bool:
        """Whether the occurrence opens; one that opened before the rule's first day opens
        then after all (at a run at `now`) when it falls due from that day on and its deadline
        is still ahead: a weekly rule made on Thursday gives this Friday's task."""
        opens, start = occ.opens_at, at_local(self.starts_on, time(0))
        if opens < start:
            if now is None or occ.due < self.starts_on or end_of_day(occ.due) <= as_aware(now):
                return False
            opens = start
        if self.ends_on is not None and occ.due > self.ends_on:
            return False
        if self.ended_at is not None and opens >= as_aware(self.ended_at):
            return False
        return not any(as_aware(a) <= opens and (b is None or opens < as_aware(b))
                       for a, b in self.paused)


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, _months.monthrange(year, month)[1]))


def _dues(rule: Recurrence, first: date, last: date) -> Iterable[tuple[date, str, str]]:
    """(due date, period key, label) of every occurrence due in [first, last]."""
    match rule.frequency:
        case Frequency.WEEKLY:
            assert rule.weekday is not None
            day = first + timedelta(days=(rule.weekday - first.isoweekday()) % 7)
            while day <= last:
                p = period_containing(at_local(day, time(12)), PeriodKind.WEEK)
                yield day, p.key, p.label
                day += timedelta(days=7)
        case Frequency.MONTHLY | Frequency.QUARTERLY:
            assert rule.day is not None
            for year in range(first.year, last.year + 1):
                for month in range(1, 13):
                    if rule.frequency is Frequency.QUARTERLY:
                        if (month - 1) % 3 + 1 != rule.month_in_quarter:
                            continue
                        q = (month - 1) // 3 + 1
                        key, label = f"{year}-Q{q}", f"quý {_ROMAN[q - 1]} năm {year}"
                    else:
                        key, label = f"{year}-{month:02d}", f"tháng {month} năm {year}"
                    due = _clamped(year, month, rule.day)
                    if first <= due <= last:
                        yield due, key, label
        case Frequency.YEARLY:
            for year in range(first.year, last.year + 1):
                for d in rule.dates:
                    due = _clamped(year, d.month, d.day)
                    if first <= due <= last:
                        name = f"{d.label or 'năm'} {year}"
                        yield due, f"{due.isoformat()}", f"{name} (hạn {due:%d/%m/%Y})"


def occurrences(rule: Recurrence, opened_from: datetime, opened_until: datetime
                ) -> list[Occurrence]:
    """Every occurrence that opens in [opened_from, opened_until], in order."""
    lead = timedelta(days=rule.lead_days)
    first = (as_aware(opened_from) + lead).date() - timedelta(days=1)
    last = (as_aware(opened_until) + lead).date() + timedelta(days=1)
    found = []
    for due, key, label in _dues(rule, first, last):
        opens = at_local(due - lead, OPENS_AT)
        if as_aware(opened_from) <= opens <= as_aware(opened_until):
            found.append(Occurrence(key, label, due, opens))
    return sorted(found, key=lambda o: (o.opens_at, o.key))


def due_to_open(rule: Recurrence, window: RuleWindow, now: datetime) -> list[Occurrence]:
    """The occurrences a run at `now` should have opened (a few weeks back: runs missed while
    the system was down are caught up), as the rule's window allows."""
    since = as_aware(now) - timedelta(days=CATCH_UP_DAYS)
    return [o for o in occurrences(rule, since, now) if window.allows(o, now)]


def late_when_made(occ: Occurrence, window: RuleWindow, calendar: WorkingCalendar) -> bool:
    """A deadline past when the rule was made: catching up covers a stopped system's missed
    days, never a `startsOn` in the past (work late at once, escalated at once)."""
    return window.created_at is not None and \
        calendar.deadline_for_date(occ.due) < as_aware(window.created_at)


def to_open(rule: Recurrence, window: RuleWindow, now: datetime,
            calendar: WorkingCalendar) -> list[Occurrence]:
    """What a run at `now` opens: what is due to open, less what was late when it was made."""
    return [o for o in due_to_open(rule, window, now)
            if not late_when_made(o, window, calendar)]


def task_title(title: str, occ: Occurrence) -> str:
    return f"{title.strip()} ({occ.label})"


def occurrence_key(rule_id: str, period: str, unit_id: str) -> str:
    """The client key of one unit's task of one occurrence: a rerun finds it, never a twin."""
    return f"rule:{rule_id}:{period}:{unit_id}"


def describe(rule: Recurrence) -> str:
    """The rule in words."""
    match rule.frequency:
        case Frequency.WEEKLY:
            names = ("", "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy",
                     "Chủ nhật")
            return f"Hằng tuần, hạn {names[rule.weekday or 5]}"
        case Frequency.MONTHLY:
            return f"Hằng tháng, hạn ngày {rule.day}"
        case Frequency.QUARTERLY:
            return f"Hằng quý, hạn ngày {rule.day} tháng thứ {rule.month_in_quarter} của quý"
    return "Hằng năm, hạn " + ", ".join(
        f"{d.label + ' ' if d.label else ''}{d.day:02d}/{d.month:02d}" for d in rule.dates)


# Validation -----------------------------------------------------------------------------------


def check_recurrence(rule: Recurrence, starts_on: date, ends_on: date | None,
                     unit_ids: Sequence[str]) -> None:
    """Every field of a rule that cannot be right, at once."""
    issues: list[FieldIssue] = []

    def add(name: str, code: str, message: str) -> None:
        issues.append(FieldIssue(name, code, message, RO_THOI_GIAN))

    f = rule.frequency
    if f is Frequency.WEEKLY and not (rule.weekday and 1 <= rule.weekday <= 7):
        add("recurrence.weekday", "INVALID_WEEKDAY",
            "Ngày hạn trong tuần phải từ 1 (thứ Hai) đến 7.")
    if f in (Frequency.MONTHLY, Frequency.QUARTERLY) and not (rule.day and 1 <= rule.day <= 31):
        add("recurrence.day", "INVALID_DAY", "Ngày hạn trong tháng phải từ 1 đến 31.")
    if f is Frequency.QUARTERLY and rule.month_in_quarter not in (1, 2, 3):
        add("recurrence.monthInQuarter", "INVALID_MONTH_IN_QUARTER",
            "Tháng hạn trong quý phải là 1, 2 hoặc 3.")
    if f is Frequency.YEARLY:
        if not rule.dates or len(rule.dates) > MAX_DATES:
            add("recurrence.dates", "INVALID_DATES",
                f"Cần từ 1 đến {MAX_DATES} ngày hạn trong năm.")
        for i, d in enumerate(rule.dates[:MAX_DATES]):
            if not (1 <= d.month <= 12 and 1 <= d.day <= _months.monthrange(2024, d.month)[1]):
                add(f"recurrence.dates[{i}]", "INVALID_DATE", "Ngày hạn không có trong năm.")
            if d.label is not None:
                check_text(lambda n, c, r, m: add(n, c, m), f"recurrence.dates[{i}].label", d.label,
                           limit=100, label="Tên kỳ báo cáo")
    if rule.open_days is not None and not 0 <= rule.open_days <= MAX_OPEN_DAYS:
        add("recurrence.openDays", "INVALID_OPEN_DAYS",
            f"Số ngày giao trước hạn phải từ 0 đến {MAX_OPEN_DAYS}.")
    for name, value in (("startsOn", starts_on), ("endsOn", ends_on)):
        if value is not None and (bad := date_issue(name, value)):
            issues.append(bad)
    if ends_on is not None and ends_on < starts_on:
        add("endsOn", "INVALID_RANGE", "Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    if not unit_ids:
        add("unitIds", "MISSING_LEAD_UNIT", "Cần ít nhất một đơn vị thực hiện.")
    elif len(unit_ids) > MAX_UNITS or len(set(unit_ids)) < len(unit_ids):
        add("unitIds", "INVALID_UNITS", f"Tối đa {MAX_UNITS} đơn vị, mỗi đơn vị một lần.")
    if issues:
        raise validation_error(issues, "Nhiệm vụ định kỳ")


def duty_key(title: str, recurrence: Recurrence) -> str:
    """What makes two rules one duty: the same title as people read it (case, diacritics and
    spacing aside) on the same calendar. The read model holds at most one live rule per unit
    and key (a claim per unit), so concurrent twins cannot both be recorded."""
    canonical = json.dumps([fold(" ".join(title.split())), asdict(recurrence)],
                           ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def duplicates(draft: RuleDraft, title: str, unit_ids: Iterable[str], recurrence: Recurrence
               ) -> frozenset[str]:
    """The units a live rule (`title`, `unit_ids`, `recurrence`) shares with the draft when both
    name the same duty (duty_key): each would get the same task twice a period."""
    if duty_key(title, recurrence) != duty_key(draft.title, draft.recurrence):
        return frozenset()
    return frozenset(unit_ids) & frozenset(draft.unit_ids)


def to_json(rule: Recurrence) -> str:
    return json.dumps(asdict(rule), ensure_ascii=False, sort_keys=True)


def from_json(text: str) -> Recurrence:
    raw = json.loads(text)
    return Recurrence(
        frequency=Frequency(raw["frequency"]), weekday=raw.get("weekday"), day=raw.get("day"),
        month_in_quarter=raw.get("month_in_quarter"),
        dates=tuple(DueDate(d["month"], d["day"], d.get("label")) for d in raw.get("dates", ())),
        open_days=raw.get("open_days"),
    )


def occurrence_for(rule: Recurrence, key: str) -> Occurrence | None:
    """The occurrence a period key names ("2027-W05", "2027-02", "2027-Q1", "2027-06-05")."""
    try:
        if rule.frequency is Frequency.WEEKLY:
            year, week = key.split("-W")
            due = date.fromisocalendar(int(year), int(week), rule.weekday or 5)
        elif rule.frequency is Frequency.MONTHLY:
            year, month = key.split("-")
            due = _clamped(int(year), int(month), rule.day or 1)
        elif rule.frequency is Frequency.QUARTERLY:
            year, q = key.split("-Q")
            month = (int(q) - 1) * 3 + (rule.month_in_quarter or 1)
            due = _clamped(int(year), month, rule.day or 1)
        else:
            due = date.fromisoformat(key)
    except ValueError:
        return None
    opens = at_local(due - timedelta(days=rule.lead_days), OPENS_AT)
    found = occurrences(rule, opens, opens)
    return next((o for o in found if o.key == key), None)


@dataclass(frozen=True)
class RuleDraft:
    """A recurring duty as asked for: what every period's task holds, for which units, when."""

    title: str
    description: str | None
    basis: str | None
    product_kind: str | None
    product_description: str | None
    product_measure: str | None
    unit_ids: tuple[str, ...]
    recurrence: Recurrence
    starts_on: date
    ends_on: date | None = None

    def task(self, unit_id: str, owner_id: str, deadline: DeadlineSpec) -> TaskDraft:
        product = None
        if self.product_kind is not None or self.product_description is not None:
            product = Product(self.product_kind or "", self.product_description or "",
                              self.product_measure)
        return TaskDraft(title=self.title, description=self.description, lead_unit_id=unit_id,
                         owner_id=owner_id, basis=self.basis, deadline=deadline, product=product)


_UNIT_FIELDS = frozenset({"leadUnitId", "ownerId"})


def check_rule(draft: RuleDraft, creator: Actor, facts: Sequence[OrgFacts],
               heads: Sequence[str | None], calendar: WorkingCalendar, now: datetime) -> None:
    """A rule whose every period's task would pass the six "rõ" for every unit (its head as the
    owner, its creator as the assigner), and whose calendar makes sense; else one error naming
    every fault — a unit's with its place in the list (row)."""
    issues: list[FieldIssue] = []
    try:
        check_recurrence(draft.recurrence, draft.starts_on, draft.ends_on, draft.unit_ids)
    except DomainError as err:
        issues += err.fields
    for i, (unit_id, org, head) in enumerate(zip(draft.unit_ids, facts, heads, strict=True)):
        try:  # the deadline is each period's own: checked by the calendar above
            validate_draft(draft.task(unit_id, head or "", DeadlineSpec(working_days=1)),
                           creator, org, calendar, now)
        except DomainError as err:
            for f in err.fields:
                if f.field in _UNIT_FIELDS:
                    issues.append(replace(f, field=f"unitIds[{i}]", row=i + 1))
                else:
                    issues.append(f)
    issues += first_run_issues(draft, now, calendar)
    raise_if_any(issues, "Nhiệm vụ định kỳ")


def first_run_issues(draft: RuleDraft, now: datetime,
                     calendar: WorkingCalendar) -> list[FieldIssue]:
    """A rule's first run opens at most MAX_FIRST_TASKS tasks at once."""
    window = RuleWindow(draft.starts_on, draft.ends_on, created_at=now)
    try:
        first = len(to_open(draft.recurrence, window, now, calendar)) * len(draft.unit_ids)
    except (ValueError, TypeError, KeyError, OverflowError):
        return []  # a recurrence already refused above
    if first <= MAX_FIRST_TASKS:
        return []
    return [FieldIssue("recurrence", "TOO_MANY_FIRST_TASKS", f"Lần chạy đầu tiên sẽ giao {first}"
                       f" nhiệm vụ cùng lúc; tối đa {MAX_FIRST_TASKS}: giảm số ngày giao trước "
                       "hạn hoặc số đơn vị.", RO_THOI_GIAN)]
