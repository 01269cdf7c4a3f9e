"""The six "rõ" a task must be clear on, in the order the plans name them."""

from __future__ import annotations

RO_VIEC = "rõ việc"
RO_NGUOI = "rõ người"
RO_THAM_QUYEN = "rõ thẩm quyền"
RO_TRACH_NHIEM = "rõ trách nhiệm"
RO_THOI_GIAN = "rõ thời gian"
RO_SAN_PHAM = "rõ sản phẩm"

ORDER = (RO_VIEC, RO_NGUOI, RO_THAM_QUYEN, RO_TRACH_NHIEM, RO_THOI_GIAN, RO_SAN_PHAM)


def short(ro: str) -> str:
    """"rõ thời gian" → "thời gian", for a list already introduced by "chưa rõ"."""
    return ro.removeprefix("rõ ").strip()
