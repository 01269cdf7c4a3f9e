"""GraphQL for kiểm đếm and giao ban: tally, briefing, scores, generateBriefing; and the
briefing files, served with the same bearer authorization."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from strawberry.types import Info

from api.context import AppServices, RequestContext
from api.headers import inline_styles_csp
from api.proxy import link_base
from api.types import Counts, Official, Task, Unit, load_official, load_unit
from domain.errors import Code, DomainError
from domain.scores import Score as ScoreRow
from domain.tally import Figures, UnitTally
from giaoviec.reads import tally as briefings
from giaoviec.reads.visibility import readable_tasks
from giaoviec.services.briefing_files import briefing_path
from giaoviec.services.briefings import generate
from giaoviec.store import models

MEDIA = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
# Briefing ids are INTEGER keys (32 bits on PostgreSQL): a larger number would fail in SQL.
MAX_ROW_ID = 2**31 - 1  # an INTEGER key on PostgreSQL: 32 bits


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


@strawberry.type(description="Đường dẫn tải các tệp báo cáo (cần mã truy cập như API).")
class BriefingFiles:
    html: str = strawberry.field(description="Bản HTML để xem trên màn hình.")
    docx: str = strawberry.field(description="Bản DOCX để Văn phòng chỉnh sửa, trình ký.")
    xlsx: str = strawberry.field(description="Bảng số liệu XLSX.")
    pdf: str = strawberry.field(description="Bản PDF khổ A4 để ký số.")


@strawberry.type(description="Báo cáo kiểm đếm nhiệm vụ phục vụ giao ban.")
class Briefing:
    row: strawberry.Private[models.Briefing]

    @strawberry.field(description="Kỳ báo cáo.")
    def period(self) -> str:
        return self.row.period

    @strawberry.field(description="Thời điểm lập.")
    def generated_at(self) -> datetime:
        return self.row.generated_at

    @strawberry.field(description="Số, ký hiệu văn bản (số thứ tự trong năm của cơ quan ban "
                                  "hành, ví dụ 15/BC-UBND).")
    def number(self) -> str:
        return self.row.number

    @strawberry.field(description="Đơn vị tổ chức giao ban (UBND hoặc sở, ban, ngành).")
    async def unit(self, info: Info) -> Unit:
        return await load_unit(info, self.row.root_unit_id)

    @strawberry.field(description="Số liệu tính đến thời điểm này (cuối kỳ, hoặc lúc lập nếu "
                                  "kỳ chưa kết thúc).")
    def as_of(self) -> datetime:
        return self.row.as_of

    @strawberry.field(description="Lần lập (lớn hơn 1 là bản điều chỉnh của cùng kỳ).")
    def revision(self) -> int:
        return self.row.revision

    @strawberry.field(description="Số liệu kiểm đếm của báo cáo.")
    async def tally(self, info: Info) -> Tally:
        return await _tally(info, self.row.root_unit_id, self.row.period)

    @strawberry.field(description="Các tệp báo cáo.")
    def files(self, info: Info) -> BriefingFiles:
        base = link_base(info.context.request, info.context.app.settings)
        url = f"{base}/briefings/{self.row.id}"
        return BriefingFiles(html=f"{url}/html", docx=f"{url}/docx", xlsx=f"{url}/xlsx",
                             pdf=f"{url}/pdf")


@strawberry.type(description="Điểm đề xuất của một cán bộ trong kỳ (NĐ 335/2025): lãnh đạo "
                             "xem xét, quyết định; không phải kết quả xếp loại cuối cùng.")
class Score:
    row: strawberry.Private[ScoreRow]

    @strawberry.field(description="Cán bộ.")
    async def official(self, info: Info) -> Official:
        return await load_official(info, self.row.official_id)

    @strawberry.field(description="Điểm (0–100): đúng hạn 100, quá hạn 75, chưa nộp khi đã "
                                  "quá hạn 0; bình quân các nhiệm vụ được tính.")
    def points(self) -> float:
        return self.row.points

    @strawberry.field(description="Mức xếp loại đề xuất.")
    def band(self) -> str:
        return self.row.proposal

    @strawberry.field(description="Số nhiệm vụ được tính điểm.")
    def tasks_counted(self) -> int:
        return self.row.tasks_counted

    @strawberry.field(description="Số sản phẩm nộp quá hạn.")
    def late_products(self) -> int:
        return self.row.late_products

    @strawberry.field(description="Bị hạ một mức do vượt tỷ lệ 20% hoàn thành xuất sắc.")
    def capped(self) -> bool:
        return self.row.capped

    @strawberry.field(description="Số nhiệm vụ được tính là do chính cán bộ tự giao cho mình "
                                  "(lãnh đạo cấp trên xác nhận; lưu ý khi xem xét).")
    def self_assigned(self) -> int:
        return self.row.self_assigned


async def _tally(info: Info, unit_id: str, period_key: str | None) -> Tally:
    ctx: RequestContext = info.context
    viewer = await ctx.viewer()
    now = ctx.clock.now

    def read(s):  # noqa: ANN001, ANN202
        period = briefings.resolve_period(period_key, now)
        return briefings.tally_for(s, viewer, unit_id, period, now, ctx.app.calendar)

    view = await ctx.db(read)
    return Tally(node=view.tally, previous=view.previous, period=view.period.key,
                 as_of=view.as_of, revision=view.revision)


@strawberry.type
class BriefingQuery:
    @strawberry.field(description="Kiểm đếm của một đơn vị trong một kỳ (đã lưu nếu có, nếu "
                                  "không thì tính ngay).")
    async def tally(self, info: Info, unit_id: strawberry.ID, period: str) -> Tally:
        return await _tally(info, str(unit_id), period)

    @strawberry.field(description="Báo cáo giao ban đã lập của một UBND hoặc sở, ban, ngành "
                                  "(mặc định: đơn vị của mình); null nếu chưa có. Kỳ mặc định: "
                                  "tuần vừa kết thúc, đọc tại giao ban tuần này.")
    async def briefing(self, info: Info, unit_id: strawberry.ID | None = None,
                       period: str | None = None) -> Briefing | None:
        ctx: RequestContext = info.context
        viewer = await ctx.viewer()
        now = ctx.clock.now
        row = await ctx.db(lambda s: briefings.briefing_for(
            s, viewer, str(unit_id) if unit_id else None, briefings.resolve_period(period, now)))
        return Briefing(row=row) if row else None

    @strawberry.field(description="Điểm đề xuất của cán bộ thuộc đơn vị trong kỳ (dành cho "
                                  "lãnh đạo).")
    async def scores(self, info: Info, unit_id: strawberry.ID, period: str) -> list[Score]:
        ctx: RequestContext = info.context
        viewer = await ctx.viewer()
        now = ctx.clock.now
        rows = await ctx.db(lambda s: briefings.scores_for(
            s, viewer, str(unit_id), briefings.resolve_period(period, now), now,
            ctx.app.calendar))
        return [Score(row=r) for r in rows]


@strawberry.type
class BriefingMutation:
    @strawberry.mutation(description="Lập báo cáo kiểm đếm ngay cho một UBND hoặc sở, ban, ngành "
                                     "(mặc định: đơn vị của mình), cùng quy trình với lịch hằng "
                                     "tuần; dành cho lãnh đạo và Văn phòng của đơn vị. Kỳ mặc "
                                     "định: tuần vừa kết thúc.")
    async def generate_briefing(self, info: Info, unit_id: strawberry.ID | None = None,
                                period: str | None = None) -> Briefing:
        ctx: RequestContext = info.context
        viewer = await ctx.viewer()
        target = briefings.resolve_period(period, ctx.clock.now)
        unit = await ctx.db(lambda s: briefings.briefing_unit(
            s, viewer, str(unit_id) if unit_id else None))
        await generate(ctx.service.client, ctx.service.task_queue, target, unit.id)
        row = await ctx.db(lambda s: briefings.latest_briefing(s, unit, target))
        if row is None:
            raise DomainError(Code.NOT_FOUND, "Không lập được báo cáo cho đơn vị này.")
        return Briefing(row=row)


def files_router(services: AppServices) -> APIRouter:
    router = APIRouter()

    @router.get("/briefings/{briefing_id}/{kind}", include_in_schema=False)
    async def briefing_file(briefing_id: str, kind: str, request: Request):  # noqa: ANN202
        ctx = RequestContext(services, request.headers.get("authorization"))
        try:
            if kind not in MEDIA:
                raise DomainError(Code.NOT_FOUND, "Không có loại tệp này.")
            number = _row_id(briefing_id)
            if number is None:
                raise DomainError(Code.NOT_FOUND, "Không tìm thấy báo cáo.")
            viewer = await ctx.viewer()
            row = await ctx.db(lambda s: briefings.briefing_file(s, viewer, number))
            # Rendered on first request (the PDF takes a couple of seconds), then kept.
            path = await asyncio.to_thread(briefing_path, services.settings, row, kind)
        except DomainError as err:
            if err.code == Code.FORBIDDEN:  # another's file is as missing as one never made
                err = DomainError(Code.NOT_FOUND, "Không tìm thấy báo cáo.")
            status = 401 if err.code == Code.UNAUTHENTICATED else 404
            return JSONResponse({"errors": [{"message": err.message,
                                             "extensions": {"code": err.code}}]},
                                status_code=status)
        # The HTML briefing's own inline styles, allowed by hash (nothing else inline runs).
        policy = {"Content-Security-Policy": inline_styles_csp(path.read_text("utf-8"))} \
            if kind == "html" else None
        return FileResponse(path, media_type=MEDIA[kind], filename=path.name, headers=policy)

    return router


def _row_id(text: str) -> int | None:
    # At most 19 digits before int(): also keeps clear of int()'s own limit on long strings.
    if len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ROW_ID else None
