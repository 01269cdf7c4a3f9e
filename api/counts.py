"""Counts: the four tally groups every concept shows (a unit's, an official's, a plan's, a
period's). Shared vocabulary, not a concept: it imports no concept."""

from __future__ import annotations

import strawberry

from domain.tally import Figures


@strawberry.type(description="Kiểm đếm nhiệm vụ: bốn nhóm cộng lại bằng tổng số; "
                             "sắp đến hạn là một phần của chưa hoàn thành trong hạn.")
class Counts:
    total: int = strawberry.field(description="Tổng số nhiệm vụ (không tính nhiệm vụ đã hủy).")
    completed_on_time: int = strawberry.field(description="Đã hoàn thành đúng hạn.")
    completed_late: int = strawberry.field(description="Đã hoàn thành quá hạn.")
    open_in_time: int = strawberry.field(description="Chưa hoàn thành, trong hạn.")
    open_overdue: int = strawberry.field(description="Chưa hoàn thành, quá hạn.")
    due_soon: int = strawberry.field(description="Sắp đến hạn (còn không quá 3 ngày làm việc).")
    # A plain value, not a resolver (worked out in `of`): a ranking lists it for 168 units.
    on_time_rate: float | None = strawberry.field(
        description="Tỷ lệ hoàn thành đúng hạn (%) trên các nhiệm vụ đã đến hạn hoặc đã hoàn "
                    "thành; null khi chưa có nhiệm vụ nào như vậy (không phải 0). Tỷ lệ của "
                    "một kỳ: `tally`.")

    @classmethod
    def of(cls, f: Figures) -> Counts:
        return cls(total=f.total, completed_on_time=f.completed_on_time,
                   completed_late=f.completed_late, open_in_time=f.open_in_time,
                   open_overdue=f.open_overdue, due_soon=f.due_soon,
                   on_time_rate=f.on_time_rate_so_far)
