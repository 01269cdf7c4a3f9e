"""The office's wording in a plan, read into what the rules speak: a product's kind from its
description ("Báo cáo …" → "báo cáo"), a group of units from its phrase ("Các sở, ban,
ngành"), a cell's lines without their bullets (terms: `domain.plan_terms`). Pure;
`domain.plan` builds a plan's rules on it."""

from __future__ import annotations

import calendar as _months
import re
from datetime import date

from domain.text import fold

# Kinds of product, as the plans name them; the longest that begins a description is its kind.
PRODUCT_KINDS = (
    "báo cáo", "kế hoạch", "dự toán", "văn bản", "quyết định", "số liệu", "tài liệu", "đề án",
    "tờ trình", "quy chế", "công văn", "chương trình", "hướng dẫn", "thông báo", "đề xuất",
    "danh sách", "biên bản", "cơ sở dữ liệu",
    # The commune seeds' products: "Dự thảo Kế hoạch…" (a draft for the leader to sign, not
    # yet the plan itself), "Lịch công tác tuần", "Bảng tổng hợp…".
    "dự thảo", "lịch", "bảng tổng hợp", "phương án", "giấy mời", "tham luận",
)
_KINDS_BY_FOLD = sorted(((fold(k), k) for k in PRODUCT_KINDS), key=lambda p: -len(p[0]))


def product_kind(description: str | None) -> str | None:
    """"Báo cáo kết quả chuyển đổi số" → "báo cáo"; None when no known kind begins it."""
    folded = fold(description)
    for key, kind in _KINDS_BY_FOLD:
        if folded.startswith(key) and not folded[len(key):len(key) + 1].isalnum():
            return kind
    return None


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _months.monthrange(year, month)[1]))


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


# "Các cơ quan, đơn vị thuộc xã", "Các phòng, đơn vị thuộc xã", "các cơ quan, đơn vị liên quan
# thuộc xã", "Các phòng chuyên môn thuộc UBND phường": every unit of the commune (ward).
EVERY_UNIT = frozenset({"*"})
_INSIDE = re.compile(
    r"^cac (?:co quan|phong|ban|don vi|phong chuyen mon)"
    r"(?:,? (?:co quan|phong|ban|don vi|phong chuyen mon))*(?: lien quan)? "
    r"(?:thuoc|truc thuoc) (?:ubnd |uy ban nhan dan )?(?:xa|phuong|dac khu)$")


def unit_group(text: str) -> frozenset[str] | None:
    """The unit kinds a group phrase stands for (units directly under the plan's issuer;
    EVERY_UNIT: all of them), or None when the text names one unit."""
    folded = " ".join(fold(text).rstrip(".;").split())
    return EVERY_UNIT if _INSIDE.match(folded) else _GROUPS.get(folded)


def split_lines(cell: str | None) -> list[str]:
    """A cell's lines without the bullets offices type ("+ Báo cáo…", "- …", "• …")."""
    out: list[str] = []
    for line in (cell or "").splitlines():
        line = line.strip().lstrip("+-•*–").strip()
        if line:
            out.append(line)
    return out
