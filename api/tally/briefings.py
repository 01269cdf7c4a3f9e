"""Giao ban: the briefing a unit's meeting reads (`briefing`; `generateBriefing` drafts it,
`issueBriefing` numbers and issues it) and the officials' proposed scores (`scores`)."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry

from api.context import Info
from api.organisation import Official, Unit, load_official, load_unit
from api.proxy import link_base
from api.tally.tallies import Tally, tally_of
from domain.errors import Code, DomainError
from domain.periods import parse_period, period_title
from domain.scores import Score as ScoreRow
from giaoviec.reads import tally as tally_reads
from giaoviec.services.briefings import generate, issue
from giaoviec.store import models


@strawberry.type(description="Đường dẫn tải các tệp báo cáo (cần mã truy cập như API).")
class BriefingFiles:
    html: str = strawberry.field(description="Bản HTML để xem trên màn hình.")
    docx: str = strawberry.field(description="Bản DOCX để Văn phòng chỉnh sửa, trình ký.")
    xlsx: str = strawberry.field(description="Bảng số liệu XLSX.")
    pdf: str = strawberry.field(description="Bản PDF khổ A4 để ký số.")


@strawberry.type(description="Báo cáo kiểm đếm nhiệm vụ phục vụ giao ban.")
class Briefing:
    row: strawberry.Private[models.Briefing]

    @strawberry.field(description="Mã báo cáo (để ban hành: issueBriefing).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.public_id)

    @strawberry.field(description="Kỳ báo cáo.")
    def period(self) -> str:
        return self.row.period

    @strawberry.field(description="Kỳ báo cáo như người đọc viết: Tuần 49 (30/11–06/12/2026).")
    def period_title(self) -> str:
        return period_title(parse_period(self.row.period))

    @strawberry.field(description="Thời điểm lập.")
    def generated_at(self) -> datetime:
        return self.row.generated_at

    @strawberry.field(description="Số, ký hiệu văn bản (số thứ tự trong năm của đơn vị ban "
                                  "hành, ví dụ 05/BC-VP); chuỗi rỗng khi còn là dự thảo.")
    def number(self) -> str:
        return self.row.number

    @strawberry.field(description="Còn là dự thảo (“DỰ THẢO”, chưa có số): chờ người ký ban "
                                  "hành (issueBriefing).")
    def draft(self) -> bool:
        return self.row.is_draft

    @strawberry.field(description="Thời điểm ban hành; null khi còn là dự thảo.")
    def issued_at(self) -> datetime | None:
        return self.row.issued_at

    @strawberry.field(description="Báo cáo đã ban hành mà báo cáo này điều chỉnh, thay thế.")
    async def corrects(self, info: Info) -> Briefing | None:
        row = await info.context.db(lambda s: s.get(models.Briefing, self.row.corrects_id or 0))
        return Briefing(row=row) if row else None

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
        return await tally_of(info, self.row.root_unit_id, self.row.period)

    @strawberry.field(description="Các tệp báo cáo.")
    def files(self, info: Info) -> BriefingFiles:
        base = link_base(info.context.request, info.context.app.settings)
        url = f"{base}/briefings/{self.row.public_id}"
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


@strawberry.field(description="Báo cáo giao ban đã lập của một UBND hoặc sở, ban, ngành "
                              "(mặc định: đơn vị của mình); null nếu chưa có. Kỳ mặc định: "
                              "tuần vừa kết thúc, đọc tại giao ban tuần này.")
async def briefing(info: Info, unit_id: strawberry.ID | None = None,
                   period: str | None = None) -> Briefing | None:
    ctx = info.context
    viewer = await ctx.viewer()
    now = ctx.clock.now
    row = await ctx.db(lambda s: tally_reads.briefing_for(
        s, viewer, str(unit_id) if unit_id else None, tally_reads.resolve_period(period, now)))
    return Briefing(row=row) if row else None


@strawberry.field(description="Điểm đề xuất của cán bộ thuộc đơn vị trong kỳ (dành cho "
                              "lãnh đạo).")
async def scores(info: Info, unit_id: strawberry.ID, period: str) -> list[Score]:
    ctx = info.context
    viewer = await ctx.viewer()
    now = ctx.clock.now
    rows = await ctx.db(lambda s: tally_reads.scores_for(
        s, viewer, str(unit_id), tally_reads.resolve_period(period, now), now,
        ctx.app.calendar))
    return [Score(row=r) for r in rows]


@strawberry.mutation(description="Lập hoặc cập nhật dự thảo báo cáo kiểm đếm cho một UBND "
                                 "hoặc sở, ban, ngành (mặc định: đơn vị của mình), cùng quy "
                                 "trình với lịch hằng tuần; chưa cấp số. Dành cho lãnh đạo "
                                 "và đơn vị theo dõi. Kỳ mặc định: tuần vừa kết thúc.")
async def generate_briefing(info: Info, unit_id: strawberry.ID | None = None,
                            period: str | None = None) -> Briefing:
    ctx = info.context
    viewer = await ctx.viewer()
    target = tally_reads.resolve_period(period, ctx.clock.now)
    unit = await ctx.db(lambda s: tally_reads.briefing_unit(
        s, viewer, str(unit_id) if unit_id else None))
    await generate(ctx.service.client, ctx.service.task_queue, target, unit.id)
    row = await ctx.db(lambda s: tally_reads.latest_briefing(s, unit, target))
    if row is None:
        raise DomainError(Code.NOT_FOUND, "Không lập được báo cáo cho đơn vị này.")
    return Briefing(row=row)


@strawberry.mutation(description="Ban hành dự thảo: cấp số tiếp theo trong sổ văn bản năm "
                                 "của đơn vị ban hành, một lần, và giữ nguyên số liệu. Dành "
                                 "cho người ký hoặc người đứng đầu đơn vị theo dõi.")
async def issue_briefing(info: Info, id: strawberry.ID) -> Briefing:  # noqa: A002
    ctx = info.context
    viewer = await ctx.viewer()
    row = await asyncio.to_thread(issue, ctx.app.engine, ctx.app.settings, viewer, str(id),
                                  ctx.clock.now)
    return Briefing(row=row)
