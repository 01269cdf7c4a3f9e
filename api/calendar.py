"""The working calendar's yearly overrides: anyone reads them, the admin sets them
(and every open task re-plans its reminders)."""

from __future__ import annotations

from datetime import date

import strawberry

from api.context import Info
from giaoviec.reads.calendar import current_calendar
from giaoviec.services.calendar import set_overrides
from workflows.contracts import CalendarConfig


@strawberry.type(description="Điều chỉnh lịch làm việc trong năm (ngoài các ngày lễ, Tết theo "
                             "Bộ luật Lao động): ngày nghỉ thêm, ngày làm bù.")
class CalendarOverrides:
    extra_days_off: list[date] = strawberry.field(description="Các ngày nghỉ thêm.")
    extra_working_days: list[date] = strawberry.field(
        description="Các ngày làm việc bù (thứ Bảy làm bù theo quyết định hoán đổi).")

    @classmethod
    def of(cls, config: CalendarConfig) -> CalendarOverrides:
        return cls(extra_days_off=list(config.extra_days_off),
                   extra_working_days=list(config.extra_working_days))


@strawberry.field(description="Các điều chỉnh lịch làm việc đang áp dụng (tệp cấu hình và "
                              "quản trị hệ thống).")
async def calendar_overrides(info: Info) -> CalendarOverrides:
    ctx = info.context
    await ctx.viewer()
    config = await ctx.db(lambda s: current_calendar(ctx.app.settings, s)[1])
    return CalendarOverrides.of(config)


@strawberry.mutation(description="Đặt các điều chỉnh lịch làm việc (thay toàn bộ danh sách "
                                 "đã đặt; chỉ quản trị hệ thống). Mọi nhiệm vụ đang mở tính "
                                 "lại lịch nhắc việc theo lịch mới.")
async def set_calendar_overrides(
    info: Info, extra_days_off: list[date], extra_working_days: list[date],
    note: str | None = None,
) -> CalendarOverrides:
    ctx = info.context
    viewer = await ctx.viewer()
    config = await set_overrides(ctx.service, ctx.app.settings, viewer.id, extra_days_off,
                                 extra_working_days, note)
    return CalendarOverrides.of(config)
