"""Substitutes (người thay): setSubstitute, cancelSubstitute, substitutions."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import strawberry

from api.context import Info
from api.organisation import Official, load_official
from domain.errors import forbidden
from domain.substitution import can_see_substitutions
from domain.timezone import as_aware, local_date
from giaoviec.reads import Session
from giaoviec.reads import substitutes as substitute_reads
from giaoviec.reads.org import load_actor
from giaoviec.reads.substitutes import substitutions_of
from giaoviec.services import substitutes as substitute_service
from giaoviec.store import models


@strawberry.input(description="Cử người thay trong một khoảng ngày: trong thời gian đó người thay "
                              "nhận nhắc việc và xử lý nhiệm vụ thay cán bộ vắng mặt.")
class SubstituteInput:
    substitute_id: strawberry.ID = strawberry.field(
        description="Người thay: cùng đơn vị, hoặc lãnh đạo cấp trên.")
    starts_on: date = strawberry.field(description="Từ ngày.")
    ends_on: date = strawberry.field(description="Đến hết ngày.")
    reason: str = strawberry.field(description="Lý do: nghỉ phép, đi công tác…")
    official_id: strawberry.ID | None = strawberry.field(
        default=None, description="Cán bộ vắng mặt; bỏ trống là chính người đăng nhập.")


@strawberry.type(description="Một lần cử người thay.")
class Substitution:
    row: strawberry.Private[models.Substitution]

    @strawberry.field(description="Mã.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field(description="Cán bộ vắng mặt.")
    async def official(self, info: Info) -> Official:
        return await load_official(info, self.row.official_id)

    @strawberry.field(description="Người thay.")
    async def substitute(self, info: Info) -> Official:
        return await load_official(info, self.row.substitute_id)

    @strawberry.field(description="Từ ngày.")
    def starts_on(self) -> date:
        return self.row.starts_on

    @strawberry.field(description="Đến hết ngày.")
    def ends_on(self) -> date:
        return self.row.ends_on

    @strawberry.field(description="Lý do.")
    def reason(self) -> str:
        return self.row.reason

    @strawberry.field(description="Người cử.")
    async def created_by(self, info: Info) -> Official:
        return await load_official(info, self.row.created_by)

    @strawberry.field(description="Thời điểm cử.")
    def created_at(self) -> datetime:
        return as_aware(self.row.created_at)

    @strawberry.field(description="Thời điểm hủy; trống nếu còn hiệu lực.")
    def cancelled_at(self) -> datetime | None:
        return as_aware(self.row.cancelled_at) if self.row.cancelled_at else None


@strawberry.field(description="Các lần cử người thay của một cán bộ (bỏ trống: của mình); "
                              "cho chính cán bộ, người thay và lãnh đạo cấp trên.")
async def substitutions(info: Info, official_id: strawberry.ID | None = None
                        ) -> list[Substitution]:
    viewer = await info.context.viewer()
    oid = str(official_id) if official_id else viewer.id

    def read(s: Session) -> list[models.Substitution]:
        rows = substitutions_of(s, oid)
        principal = load_actor(s, oid)
        if not can_see_substitutions(viewer.actor, principal,
                                     [r.substitute_id for r in rows]):
            raise forbidden("Không được xem việc cử người thay của cán bộ này.")
        return rows

    return [Substitution(row=r) for r in await info.context.db(read)]


@strawberry.field(description="Những cán bộ người đăng nhập đang làm thay hôm nay (nhận nhắc "
                              "việc và xử lý nhiệm vụ thay họ).")
async def standing_in_for(info: Info) -> list[Official]:
    viewer = await info.context.viewer()
    today = local_date(info.context.clock.now)

    def read(s: Session) -> list[models.Official]:
        return [row for _, row in substitute_reads.standing_in_for(s, viewer.id, today)]

    return [Official.of(row) for row in await info.context.db(read)]


@strawberry.mutation(description="Cử người thay (bản thân cán bộ hoặc lãnh đạo cấp trên); "
                                 "mỗi ngày chỉ một người thay.")
async def set_substitute(info: Info, input: SubstituteInput) -> Substitution:
    viewer = await info.context.viewer()
    row = await asyncio.to_thread(
        substitute_service.set_substitute, info.context.app.engine, viewer.id,
        str(input.official_id) if input.official_id else viewer.id,
        str(input.substitute_id), input.starts_on, input.ends_on, input.reason)
    return Substitution(row=row)


@strawberry.mutation(description="Hủy việc cử người thay.")
async def cancel_substitute(info: Info, id: strawberry.ID) -> Substitution:
    viewer = await info.context.viewer()
    try:
        sid = int(str(id))
    except ValueError:
        sid = -1
    row = await asyncio.to_thread(substitute_service.cancel_substitute, info.context.app.engine,
                                  viewer.id,
                                  sid)
    return Substitution(row=row)
