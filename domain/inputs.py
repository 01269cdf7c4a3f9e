"""Bounds on what users type: every text and date that enters the system passes here first,
so a hostile value is refused with a field and a code before it reaches a workflow, a timer
or the database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from domain.errors import FieldIssue, validation_error
from domain.ro import RO_THOI_GIAN
from domain.text import is_blank

# Dates users give lie before the end of LATEST_YEAR, with an offset a real time zone can
# have: beyond them the calendar, timers and the database would overflow.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100
MAX_UTC_OFFSET = timedelta(hours=14)

Add = Callable[[str, str, str, str], None]  # field, code, "rõ", message
_RANGE = f"{{}} phải trong khoảng từ năm {EARLIEST_YEAR} đến hết năm {LATEST_YEAR}."


def check_text(
    add: Add, field_name: str, value: str | None, *, limit: int, ro: str = "",
    missing: tuple[str, str] | None = None, label: str,
) -> None:
    """A text a user gives: required (`missing` = code and message) or optional, and never
    longer than `limit` characters."""
    if is_blank(value):
        if missing is not None:
            add(field_name, missing[0], ro, missing[1])
        elif value:  # given, but only invisible characters
            add(field_name, "BLANK_TEXT", ro, f"{label} không có nội dung đọc được.")
        return
    assert value is not None
    if len(value) > limit:
        add(field_name, "TEXT_TOO_LONG", ro, f"{label} dài quá {limit} ký tự.")


def instant_issue(field_name: str, value: datetime, ro: str = RO_THOI_GIAN) -> FieldIssue | None:
    """A date and time a user gives must have a real offset (±14 h) and fall before the end of
    LATEST_YEAR. Checked on its own parts, before any conversion that could overflow."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return FieldIssue(field_name, "INVALID_UTC_OFFSET",
                          "Múi giờ không hợp lệ (chỉ từ -14:00 đến +14:00).", ro)
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return FieldIssue(field_name, "DATE_OUT_OF_RANGE", _RANGE.format("Thời điểm"), ro)
    return None


def date_issue(field_name: str, value: date, ro: str = RO_THOI_GIAN) -> FieldIssue | None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return FieldIssue(field_name, "DATE_OUT_OF_RANGE", _RANGE.format("Ngày"), ro)
    return None


# A client key names one request of one user (retries reuse it); the database column is this
# wide.
MAX_CLIENT_KEY = 255


def client_key_issue(client_key: str) -> FieldIssue | None:
    """A client key is 1 to MAX_CLIENT_KEY characters once trimmed."""
    if 0 < len(client_key.strip()) <= MAX_CLIENT_KEY:
        return None
    return FieldIssue("clientKey", "INVALID_CLIENT_KEY",
                      f"Mã yêu cầu (clientKey) phải có từ 1 đến {MAX_CLIENT_KEY} ký tự.")


def check_client_key(client_key: str) -> str:
    """The trimmed client key, or a VALIDATION error naming the field."""
    issue = client_key_issue(client_key)
    if issue is not None:
        raise validation_error([issue], "Yêu cầu")
    return client_key.strip()


MAX_OVERRIDE_DAYS = 366
MAX_OVERRIDE_NOTE = 2_000


def override_issues(days_off: Sequence[date], working_days: Sequence[date],
                    note: str | None) -> list[FieldIssue]:
    """The working calendar's overrides as an admin sets them: real dates, a day either off or
    working, not both."""
    issues: list[FieldIssue] = []
    for name, days in (("extraDaysOff", days_off), ("extraWorkingDays", working_days)):
        if len(days) > MAX_OVERRIDE_DAYS:
            issues.append(FieldIssue(name, "TOO_MANY_DAYS", f"Tối đa {MAX_OVERRIDE_DAYS} ngày."))
            continue
        issues += [i for n, d in enumerate(days)
                   if (i := date_issue(f"{name}[{n}]", d, ro="")) is not None]
    for day in sorted(set(days_off) & set(working_days)):
        issues.append(FieldIssue("extraWorkingDays", "DAY_BOTH_OFF_AND_WORKING",
                                 f"Ngày {day:%d/%m/%Y} không thể vừa nghỉ vừa làm việc."))
    if note is not None and len(note) > MAX_OVERRIDE_NOTE:
        issues.append(FieldIssue("note", "TEXT_TOO_LONG",
                                 f"Ghi chú dài quá {MAX_OVERRIDE_NOTE} ký tự."))
    return issues
