"""Kiểm đếm: a unit's tally in a period (`tally`, also a briefing's figures) and its weekly
trend (`tallyTrend`)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.context import Info
from api.counts import Counts
from api.organisation import Unit, load_unit
from api.tasks.types import Task
from domain.periods import period_title
from domain.tally import Figures, UnitTally
from giaoviec.reads import Session
from giaoviec.reads import tally as tally_reads
from giaoviec.reads.dashboard import TrendPoint as TrendRow
from giaoviec.reads.dashboard import tally_trend as trend_of
from giaoviec.reads.tally import TallyView
from giaoviec.reads.visibility import readable_tasks

DEFAULT_WEEKS = 12


@strawberry.type(description="Kiểm đếm nhiệm vụ của một đơn vị (gồm các đơn vị trực thuộc) "
                             "trong một kỳ.")
class Tally:
    node: strawberry.Private[UnitTally]
    previous: strawberry.Private[dict[str, Figures]]
    period: str = strawberry.field(description="Kỳ: 2026-W48, 2026-11, 2026-Q4, 2026-H2, 2026.")
    as_of: datetime = strawberry.field(description="Thời điểm tính số liệu (cuối kỳ, hoặc lúc "
                                                   "hỏi nếu kỳ chưa kết thúc).")
    revision: int | None = strawberry.field(
        description="Lần tính đã lưu (lớn hơn 1 là bản điều chỉnh); null nếu tính ngay lúc hỏi.")

    @strawberry.field(description="Đơn vị.")
    async def unit(self, info: Info) -> Unit:
        return await load_unit(info, self.node.unit.id)

    @strawberry.field(description="Bốn nhóm kiểm đếm (cộng lại bằng tổng số) và sắp đến hạn.")
    def counts(self) -> Counts:
        return Counts.of(self.node.rolled)

    @strawberry.field(description="Số nhiệm vụ đến hạn trong kỳ.")
    def due_in_period(self) -> int:
        return self.node.rolled.due_in_period

    @strawberry.field(description="Số nhiệm vụ được giao trong kỳ.")
    def assigned_in_period(self) -> int:
        return self.node.rolled.assigned_in_period

    @strawberry.field(description="Số nhiệm vụ hoàn thành trong kỳ.")
    def completed_in_period(self) -> int:
        return self.node.rolled.completed_in_period

    @strawberry.field(description="Số nhiệm vụ đến hạn hoặc hoàn thành trong kỳ: căn cứ tính "
                                  "tỷ lệ đúng hạn.")
    def base_in_period(self) -> int:
        return self.node.rolled.base_in_period

    @strawberry.field(description="Tỷ lệ hoàn thành đúng hạn (%) trên số nhiệm vụ đến hạn hoặc "
                                  "hoàn thành trong kỳ; null (hiển thị “—”) nếu đơn vị không "
                                  "có nhiệm vụ nào như vậy.")
    def on_time_rate(self) -> float | None:
        return self.node.rolled.on_time_rate

    @strawberry.field(description="Số sản phẩm nộp đúng hạn, đã quá hạn mà lãnh đạo chưa xác "
                                  "nhận (không tính là quá hạn của đơn vị).")
    def awaiting_approval_count(self) -> int:
        return self.node.rolled.awaiting_approval

    @strawberry.field(description="Số nhiệm vụ bị từ chối (giao không đúng địa chỉ), chờ người "
                                  "giao quyết định giao lại hoặc hủy; không tính cho đơn vị.")
    def declined_count(self) -> int:
        return self.node.rolled.declined

    @strawberry.field(description="Số liệu của các đơn vị trực thuộc.")
    def children(self) -> list[Tally]:
        return [Tally(node=c, previous=self.previous, period=self.period, as_of=self.as_of,
                      revision=self.revision) for c in self.node.children]

    @strawberry.field(description="Chênh lệch số nhiệm vụ quá hạn so với kỳ trước (đã lưu); "
                                  "null nếu kỳ trước chưa có số liệu.")
    def overdue_change(self) -> int | None:
        before = self.previous.get(self.node.unit.id)
        return self.node.rolled.open_overdue - before.open_overdue if before else None

    @strawberry.field(description="Chênh lệch tỷ lệ đúng hạn (điểm %) so với kỳ trước.")
    def on_time_rate_change(self) -> float | None:
        before = self.previous.get(self.node.unit.id)
        now, then = self.node.rolled.on_time_rate, before.on_time_rate if before else None
        return round(now - then, 1) if now is not None and then is not None else None

    @strawberry.field(description="Nhiệm vụ quá hạn sau hơn 3 lần nhắc: nêu tên tại giao ban.")
    async def flagged(self, info: Info) -> list[Task]:
        return await _tasks(info, self.node.flagged_ids)

    @strawberry.field(description="Nhiệm vụ có đề nghị gia hạn chờ người giao quyết định.")
    async def pending_extensions(self, info: Info) -> list[Task]:
        return await _tasks(info, self.node.pending_extension_ids)

    @strawberry.field(description="Chờ lãnh đạo xác nhận: sản phẩm nộp đúng hạn, đã quá hạn mà "
                                  "người giao chưa xác nhận.")
    async def awaiting_approval(self, info: Info) -> list[Task]:
        return await _tasks(info, self.node.lists.awaiting_approval)

    @strawberry.field(description="Nhiệm vụ bị từ chối, chờ người giao giao lại hoặc hủy.")
    async def declined(self, info: Info) -> list[Task]:
        return await _tasks(info, self.node.lists.declined)


async def _tasks(info: Info, ids: list[str]) -> list[Task]:
    """The tasks behind a figure, only those the viewer may read (the same rule as `task`)."""
    viewer = await info.context.viewer()
    rows = await info.context.db(lambda s: readable_tasks(s, viewer, ids))
    return [Task(row=rows[i]) for i in ids if i in rows]


async def tally_of(info: Info, unit_id: str, period_key: str | None) -> Tally:
    """The tally as `tally(unitId, period)` answers it (a briefing shows the same)."""
    ctx = info.context
    viewer = await ctx.viewer()
    now = ctx.clock.now

    def read(s: Session) -> TallyView:
        period = tally_reads.resolve_period(period_key, now)
        return tally_reads.tally_for(s, viewer, unit_id, period, now, ctx.app.calendar)

    view = await ctx.db(read)
    return Tally(node=view.tally, previous=view.previous, period=view.period.key,
                 as_of=view.as_of, revision=view.revision)


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

    @strawberry.field(description="Tuần như người đọc viết: Tuần 49 (30/11–06/12/2026).")
    def title(self) -> str:
        return period_title(self.row.period)

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


@strawberry.field(description="Kiểm đếm của một đơn vị trong một kỳ (đã lưu nếu có, nếu "
                              "không thì tính ngay).")
async def tally(info: Info, unit_id: strawberry.ID, period: str) -> Tally:
    return await tally_of(info, str(unit_id), period)


@strawberry.field(description="Diễn biến kiểm đếm của đơn vị (gồm các đơn vị trực thuộc) "
                              "theo tuần, cũ nhất trước, tuần hiện tại cuối cùng; mỗi tuần "
                              "như tally(unitId, period) của tuần đó.")
async def tally_trend(info: Info, unit_id: strawberry.ID,
                      weeks: int | None = DEFAULT_WEEKS) -> list[TrendPoint]:
    ctx = info.context
    viewer = await ctx.viewer()
    count = DEFAULT_WEEKS if weeks is None else weeks
    rows = await ctx.db(lambda s: trend_of(s, viewer, str(unit_id), count,
                                              ctx.clock, ctx.app.calendar))
    return [TrendPoint(row=r) for r in rows]
