"""The office's wording in a plan, read into what the rules speak: a product's kind from its
description ("Báo cáo …" → "báo cáo"), a deadline from its term ("01 tháng", "10 ngày làm
việc", "05/12"), a group of units from its phrase ("Các sở, ban, ngành"), a cell's lines
without their bullets. Pure; `domain.plan` builds a plan's rules on it."""

from __future__ import annotations

import calendar as _months
import re
from datetime import date, timedelta

from domain.task import DeadlineSpec
from domain.text import fold

# Kinds of product, as the plans name them; the longest that begins a description is its kind.
PRODUCT_KINDS = (
    "báo cáo", "kế hoạch", "dự toán", "văn bản", "quyết định", "số liệu", "tài liệu", "đề án",
    "tờ trình", "quy chế", "công văn", "chương trình", "hướng dẫn", "thông báo", "đề xuất",
    "danh sách", "biên bản", "cơ sở dữ liệu",
)
_KINDS_BY_FOLD = sorted(((fold(k), k) for k in PRODUCT_KINDS), key=lambda p: -len(p[0]))


def product_kind(description: str | None) -> str | None:
    """"Báo cáo kết quả chuyển đổi số" → "báo cáo"; None when no known kind begins it."""
    folded = fold(description)
    for key, kind in _KINDS_BY_FOLD:
        if folded.startswith(key) and not folded[len(key):len(key) + 1].isalnum():
            return kind
    return None


_TERM_PREFIXES = ("trong thoi han ", "trong vong ", "trong ", "truoc ngay ", "cham nhat ngay ",
                  "cham nhat ", "han ", "ngay ", "den ngay ", "thoi han ")
_WORKING = re.compile(r"^(\d{1,4}) ngay lam viec$")
_DAYS = re.compile(r"^(\d{1,4}) ngay$")
_WEEKS = re.compile(r"^(\d{1,3}) tuan$")
_MONTHS = re.compile(r"^(\d{1,3}) thang$")
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?$")
TERM_HELP = ("ghi ngày (31/12/2026 hoặc 05/12), số ngày làm việc (10 ngày làm việc), "
             "số ngày, tuần hoặc tháng (01 tháng)")


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _months.monthrange(year, month)[1]))


def resolve_term(term: str, today: date) -> DeadlineSpec | None:
    """The office's wording of a deadline, counted from `today` (the day the plan is entered:
    the day its tasks are assigned). "05/12" is the next 05/12 from today. None: not
    understood."""
    text = fold(term).rstrip(".")
    for prefix in _TERM_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if m := _WORKING.match(text):
        return DeadlineSpec(working_days=int(m.group(1)))
    try:
        if m := _DAYS.match(text):
            return DeadlineSpec(on_date=today + timedelta(days=int(m.group(1))))
        if m := _WEEKS.match(text):
            return DeadlineSpec(on_date=today + timedelta(weeks=int(m.group(1))))
        if m := _MONTHS.match(text):
            return DeadlineSpec(on_date=add_months(today, int(m.group(1))))
        if m := _DATE.match(text):
            dd, mm = int(m.group(1)), int(m.group(2))
            if m.group(3):
                return DeadlineSpec(on_date=date(int(m.group(3)), mm, dd))
            for year in range(today.year, today.year + 9):  # 29/02 waits for a leap year
                if (mm, dd) != (2, 29) or _months.isleap(year):
                    day = date(year, mm, dd)
                    if day >= today:
                        return DeadlineSpec(on_date=day)
    except (ValueError, OverflowError):
        return None
    return None


# Unit groups an office writes instead of a list ("Các sở, ban, ngành") ------------------------

DEPARTMENT_GROUP = frozenset({"department"})
LOCAL_GROUP = frozenset({"commune", "ward", "special_zone"})
_GROUPS = {
    "cac so, ban, nganh": DEPARTMENT_GROUP,
    "cac so, ban, nganh tinh": DEPARTMENT_GROUP,
    "cac so, ban, nganh thuoc tinh": DEPARTMENT_GROUP,
    "cac so, nganh": DEPARTMENT_GROUP,
    "ubnd cac xa, phuong, dac khu": LOCAL_GROUP,
    "ubnd cac xa, phuong": LOCAL_GROUP,
    "ubnd cap xa": LOCAL_GROUP,
    "cac xa, phuong, dac khu": LOCAL_GROUP,
    "cac xa, phuong": LOCAL_GROUP,
}


def unit_group(text: str) -> frozenset[str] | None:
    """The unit kinds a group phrase stands for (units directly under the plan's issuer), or
    None when the text names one unit."""
    return _GROUPS.get(fold(text).rstrip(".;"))


def split_lines(cell: str | None) -> list[str]:
    """A cell's lines without the bullets offices type ("+ Báo cáo…", "- …", "• …")."""
    out: list[str] = []
    for line in (cell or "").splitlines():
        line = line.strip().lstrip("+-•*–").strip()
        if line:
            out.append(line)
    return out
