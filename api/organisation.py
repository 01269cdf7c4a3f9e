"""The organisation: units and officials, who is asking (`me`), the org chart (`unit`, `units`,
`official`)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from api.context import Info
from api.counts import Counts
from api.selection import asks_for
from domain.org import jurisdiction
from domain.tally import Figures
from giaoviec.reads.dashboard import jurisdiction_of
from giaoviec.reads.org import root_units, unit_head
from giaoviec.store import models

R = TypeVar("R")


@strawberry.type(description="Cán bộ, công chức.")
class Official:
    # Plain values, not resolvers: Strawberry runs a resolver's extension chain for every
    # field it resolves, and a unit page lists hundreds (docs/benchmarks.md).
    id: strawberry.ID = strawberry.field(description="Mã cán bộ.")
    username: str = strawberry.field(description="Tên đăng nhập.")
    full_name: str = strawberry.field(description="Họ và tên.")
    title: str | None = strawberry.field(description="Chức vụ.")
    roles: list[str] = strawberry.field(description="Vai trò: chairman, vice_chairman, "
                                        "unit_head, officer, office_staff.")
    row: strawberry.Private[models.Official]

    @classmethod
    def of(cls, row: models.Official) -> Official:
        return cls(id=strawberry.ID(row.id), username=row.username, full_name=row.full_name,
                   title=row.title, roles=row.role_list, row=row)

    @strawberry.field(description="Đơn vị công tác.")
    async def unit(self, info: Info) -> Unit:
        return await load_unit(info, self.row.unit_id)

    @strawberry.field(description="Đơn vị thuộc phạm vi theo dõi của cán bộ: đơn vị mình; với "
                                  "cán bộ Văn phòng là UBND mà Văn phòng phục vụ.")
    async def jurisdiction(self, info: Info) -> Unit:
        viewer = await info.context.viewer()
        if viewer.id == self.row.id:  # `me`: his jurisdiction is known; its unit comes with
            return await load_unit(info, jurisdiction(viewer.actor)[-1])  # his own, batched
        return Unit.of(await info.context.db(lambda s: jurisdiction_of(s, self.row)))

    @strawberry.field(description="Kiểm đếm nhiệm vụ cán bộ là người chịu trách nhiệm chính "
                                  "(trong phạm vi người hỏi được xem); cán bộ của một đơn vị "
                                  "cộng lại bằng kiểm đếm của chính đơn vị đó.")
    async def counts(self, info: Info) -> Counts:
        await info.context.viewer()
        return Counts.of(await info.context.loaders.owner_counts.load(self.row.id))


@strawberry.type(description="Đơn vị: tỉnh, sở, ban, ngành, xã, phường, phòng…")
class Unit:
    id: strawberry.ID = strawberry.field(description="Mã đơn vị.")  # plain values: as Official
    name: str = strawberry.field(description="Tên đơn vị.")
    kind: str = strawberry.field(
        description="Loại đơn vị: province, department, commune, division…")
    row: strawberry.Private[models.Unit]
    with_descendants: strawberry.Private[Figures | None] = None

    @classmethod
    def of(cls, row: models.Unit) -> Unit:
        return cls(id=strawberry.ID(row.id), name=row.name, kind=row.kind, row=row)

    @strawberry.field(description="Đơn vị cấp trên trực tiếp.")
    async def parent(self, info: Info) -> Unit | None:
        if self.row.parent_id is None:
            return None
        return await load_unit(info, self.row.parent_id)

    @strawberry.field(description="Các đơn vị trực thuộc.")
    async def children(self, info: Info) -> list[Unit]:
        counted = asks_for(info, "countsWithDescendants")
        rows = await info.context.loaders.children_of(self.row.id, counted=counted)
        units = [Unit.of(r) for r in rows]
        if units and counted:
            # The ranking's figures for all the children in one await, not one resolver
            # awaiting the loader per child (graphql-core's cost for a province's 168).
            found = await info.context.loaders.counts_with_descendants.load_many(
                [r.id for r in rows])
            for unit, figures in zip(units, found, strict=True):
                unit.with_descendants = figures
        return units

    @strawberry.field(description="Người đứng đầu đơn vị (Thủ trưởng; ở UBND là Chủ tịch).")
    async def head(self, info: Info) -> Official | None:
        head = unit_head(await info.context.loaders.members.load(self.row.id))
        return Official.of(head) if head else None

    @strawberry.field(description="Cán bộ, công chức của đơn vị.")
    async def officials(self, info: Info) -> list[Official]:
        return [Official.of(o) for o in await info.context.loaders.members.load(self.row.id)]

    @strawberry.field(description="Kiểm đếm nhiệm vụ do chính đơn vị chủ trì (trong phạm vi "
                                  "người hỏi được xem).")
    async def counts(self, info: Info) -> Counts:
        return Counts.of(await info.context.loaders.counts.load(self.row.id))

    @strawberry.field(description="Kiểm đếm nhiệm vụ do đơn vị và các đơn vị trực thuộc chủ trì.")
    def counts_with_descendants(self, info: Info) -> Counts:
        if self.with_descendants is not None:  # read with its siblings (`children`)
            return Counts.of(self.with_descendants)
        return self._load_with_descendants(info)  # type: ignore[return-value]  # awaited

    async def _load_with_descendants(self, info: Info) -> Counts:
        return Counts.of(await info.context.loaders.counts_with_descendants.load(self.row.id))


def known(loader: DataLoader[str, R | None], key: str) -> R | None:
    """What this request's loader already holds for `key` (read with a page's others), or
    None: the resolver then answers at once instead of awaiting the loader."""
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled() or future.exception():
        return None
    return future.result()


def unit_now_or_later(info: Info, unit_id: str) -> Unit | Awaitable[Unit]:
    row = known(info.context.loaders.unit, unit_id)
    return Unit.of(row) if row is not None else load_unit(info, unit_id)


def official_now_or_later(info: Info, official_id: str) -> Official | Awaitable[Official]:
    row = known(info.context.loaders.official, official_id)
    return Official.of(row) if row is not None else load_official(info, official_id)


async def load_unit(info: Info, unit_id: str) -> Unit:
    row = await info.context.loaders.unit.load(unit_id)
    if row is None:  # referential integrity makes this unreachable; say so plainly if not
        raise LookupError(f"unit {unit_id} missing")
    return Unit.of(row)


async def load_official(info: Info, official_id: str) -> Official:
    row = await info.context.loaders.official.load(official_id)
    if row is None:
        raise LookupError(f"official {official_id} missing")
    return Official.of(row)


# Query fields (assembled into Query by api/schema.py) ---------------------------------------

@strawberry.field(description="Cán bộ đang đăng nhập.")
async def me(info: Info) -> Official:
    viewer = await info.context.viewer()
    return await load_official(info, viewer.id)


@strawberry.field(description="Một đơn vị.")
async def unit(info: Info, id: strawberry.ID) -> Unit | None:
    await info.context.viewer()
    row = await info.context.loaders.unit.load(str(id))
    return Unit.of(row) if row else None


@strawberry.field(description="Các đơn vị trực thuộc parentId; các đơn vị gốc khi bỏ trống.")
async def units(info: Info, parent_id: strawberry.ID | None = None) -> list[Unit]:
    await info.context.viewer()
    if parent_id is not None:
        return [Unit.of(r) for r in await info.context.loaders.children.load(str(parent_id))]
    return [Unit.of(r) for r in await info.context.db(root_units)]


@strawberry.field(description="Một cán bộ (sơ đồ tổ chức ai cũng xem được; số liệu của cán "
                              "bộ chỉ trong phạm vi người hỏi được xem).")
async def official(info: Info, id: strawberry.ID) -> Official | None:
    await info.context.viewer()
    row = await info.context.loaders.official.load(str(id))
    return Official.of(row) if row is not None and row.active else None
