"""GraphQL the dashboard needed and every client may use: checking an assignment as it is
typed (`checkAssignment`) and a unit's weekly trend (`tallyTrend`)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from api.context import RequestContext
from api.inputs import AssignTaskInput
from api.types import Counts, Official
from domain.errors import FieldIssue
from giaoviec.reads.dashboard import TrendPoint as TrendRow
from giaoviec.reads.dashboard import tally_trend
from giaoviec.services.checks import check_assignment

DEFAULT_WEEKS = 12


@strawberry.type(description="Một lỗi của một trường dữ liệu, như trong extensions.fields của "
                             "lỗi VALIDATION.")
class FieldError:
    field: str = strawberry.field(description="Trường dữ liệu, ví dụ product.kind.")
    code: str = strawberry.field(description="Mã lỗi ổn định, ví dụ MISSING_PRODUCT.")
    message: str = strawberry.field(description="Thông báo bằng tiếng Việt.")
    ro: str | None = strawberry.field(description="\"Rõ\" bị thiếu hoặc sai, ví dụ rõ sản "
                                                  "phẩm; null nếu không thuộc \"06 rõ\".")

    @classmethod
    def of(cls, issue: FieldIssue) -> FieldError:
        return cls(field=issue.field, code=issue.code, message=issue.message,
                   ro=issue.ro or None)


@strawberry.type(description="Số liệu kiểm đếm của một tuần (đơn vị gồm các đơn vị trực "
                             "thuộc), như tally(unitId, period) trả lời cho tuần đó; tuần hiện "
                             "tại tính đến lúc hỏi. Tuần chưa có số liệu lưu được tính lại "
                             "nhiều nhất 5 phút một lần.")
class TrendPoint:
    row: strawberry.Private[TrendRow]

    @strawberry.field(description="Tuần, ví dụ 2026-W48.")
    def period(self) -> str:
        return self.row.period.key

    @strawberry.field(description="Tên kỳ bằng tiếng Việt.")
    def label(self) -> str:
        return self.row.period.label

    @strawberry.field(description="Thời điểm tính số liệu: cuối tuần, hoặc lúc hỏi với tuần "
                                  "hiện tại.")
    def as_of(self) -> datetime:
        return self.row.as_of

    @strawberry.field(description="Số liệu đã lưu của lần kiểm đếm hằng tuần (true) hay tính "
                                  "khi hỏi (false).")
    def stored(self) -> bool:
        return self.row.stored

    @strawberry.field(description="Bốn nhóm kiểm đếm, sắp đến hạn và tỷ lệ đúng hạn.")
    def counts(self) -> Counts:
        return Counts.of(self.row.figures)


@strawberry.type
class DashboardQuery:
    @strawberry.field(description="Một cán bộ (sơ đồ tổ chức ai cũng xem được; số liệu của cán "
                                  "bộ chỉ trong phạm vi người hỏi được xem).")
    async def official(self, info: Info, id: strawberry.ID) -> Official | None:
        await info.context.viewer()
        row = await info.context.loaders.official.load(str(id))
        return Official(row=row) if row is not None and row.active else None

    @strawberry.field(description="Kiểm tra một yêu cầu giao việc mà không giao: trả lại mọi "
                                  "lỗi mà assignTask sẽ báo (đủ \"06 rõ\", thẩm quyền); danh "
                                  "sách rỗng là hợp lệ. Dùng để kiểm tra ngay khi nhập.")
    async def check_assignment(self, info: Info, input: AssignTaskInput) -> list[FieldError]:
        ctx: RequestContext = info.context
        viewer = await ctx.viewer()
        issues = await check_assignment(ctx.service, viewer.id, input.client_key,
                                        input.to_draft(), ctx.clock.now)
        return [FieldError.of(i) for i in issues]

    @strawberry.field(description="Diễn biến kiểm đếm của đơn vị (gồm các đơn vị trực thuộc) "
                                  "theo tuần, cũ nhất trước, tuần hiện tại cuối cùng; mỗi tuần "
                                  "như tally(unitId, period) của tuần đó.")
    async def tally_trend(self, info: Info, unit_id: strawberry.ID,
                          weeks: int | None = DEFAULT_WEEKS) -> list[TrendPoint]:
        ctx: RequestContext = info.context
        viewer = await ctx.viewer()
        count = DEFAULT_WEEKS if weeks is None else weeks
        rows = await ctx.db(lambda s: tally_trend(s, viewer, str(unit_id), count,
                                                  ctx.clock, ctx.app.calendar))
        return [TrendPoint(row=r) for r in rows]
