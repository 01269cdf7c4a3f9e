"""What a plan's answer warns of without refusing it: a signed plan keyed in after one of its
terms elapsed. The row's task is assigned with the plan's own term and is overdue from the
start (counted so in every tally); the office is told row by row. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.timezone import as_aware, local_date

OVERDUE_AT_ENTRY = "OVERDUE_AT_ENTRY"


@dataclass(frozen=True)
class PlanWarning:
    row: int
    code: str
    message: str


def overdue_at_entry(deadline: datetime, entered_at: datetime) -> bool:
    """A plan's task whose term had already elapsed when the plan was keyed in."""
    return as_aware(deadline) <= as_aware(entered_at)


def overdue_warning(row: int, title: str, deadline: datetime) -> PlanWarning:
    return PlanWarning(row, OVERDUE_AT_ENTRY, (
        f"Dòng {row}: thời hạn của “{title}” ({local_date(deadline):%d/%m/%Y}) đã qua khi nhập "
        "kế hoạch; nhiệm vụ vẫn được giao theo đúng thời hạn của kế hoạch và tính là quá hạn "
        "ngay từ đầu."))


def entry_warnings(tasks: list[tuple[int, str, datetime]], entered_at: datetime
                   ) -> list[PlanWarning]:
    """One warning per task (row, title, deadline) overdue when the plan was keyed in, in the
    plan's order."""
    return [overdue_warning(row, title, deadline)
            for row, title, deadline in sorted(tasks, key=lambda t: t[0])
            if overdue_at_entry(deadline, entered_at)]
