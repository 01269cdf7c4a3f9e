"""Per-request DataLoaders: a page of tasks with their units, officials and coordinators costs
a fixed handful of SQL queries, whatever its size. Each batch runs in a worker thread with
its own short session, so the event loop never waits on the database."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from strawberry.dataloader import DataLoader

from domain.org import heads_of
from domain.tally import Figures
from giaoviec.reads.tasks import (
    Clock,
    Viewer,
    counts_by_lead_unit,
    counts_with_descendants,
)
from giaoviec.store.models import Official, TaskCoordinator, Unit

K = TypeVar("K")
V = TypeVar("V")


def _by_id(rows: Sequence[Unit] | Sequence[Official]) -> dict[str, object]:
    return {r.id: r for r in rows}


class Loaders:
    def __init__(self, engine: Engine, viewer: Callable[[], Viewer], clock: Clock) -> None:
        self.engine = engine
        self._viewer = viewer
        self.clock = clock
        self.unit = DataLoader(self._units)
        self.official = DataLoader(self._officials)
        self.coordinators = DataLoader(self._coordinators)
        self.children = DataLoader(self._children)
        self.members = DataLoader(self._members)
        self.counts = DataLoader(self._counts)
        self.counts_with_descendants = DataLoader(self._counts_desc)

    async def _run(self, fn: Callable[[Session], V]) -> V:
        def work() -> V:
            with Session(self.engine) as session:
                return fn(session)

        return await asyncio.to_thread(work)

    async def _units(self, ids: list[str]) -> list[Unit | None]:
        found = await self._run(
            lambda s: _by_id(s.exec(select(Unit).where(col(Unit.id).in_(ids))).all())
        )
        return [found.get(i) for i in ids]  # type: ignore[misc]

    async def _officials(self, ids: list[str]) -> list[Official | None]:
        found = await self._run(
            lambda s: _by_id(s.exec(select(Official).where(col(Official.id).in_(ids))).all())
        )
        return [found.get(i) for i in ids]  # type: ignore[misc]

    async def _coordinators(self, task_ids: list[str]) -> list[list[TaskCoordinator]]:
        rows = await self._run(lambda s: list(s.exec(
            select(TaskCoordinator).where(col(TaskCoordinator.task_id).in_(task_ids))
            .order_by(col(TaskCoordinator.unit_id))
        ).all()))
        grouped: dict[str, list[TaskCoordinator]] = defaultdict(list)
        for row in rows:
            grouped[row.task_id].append(row)
        return [grouped[t] for t in task_ids]

    async def _children(self, parent_ids: list[str]) -> list[list[Unit]]:
        rows = await self._run(lambda s: list(s.exec(
            select(Unit).where(col(Unit.parent_id).in_(parent_ids))
            .order_by(col(Unit.sort_order), col(Unit.name))
        ).all()))
        grouped: dict[str, list[Unit]] = defaultdict(list)
        for row in rows:
            grouped[row.parent_id or ""].append(row)
        return [grouped[p] for p in parent_ids]

    async def _members(self, unit_ids: list[str]) -> list[list[Official]]:
        rows = await self._run(lambda s: list(s.exec(
            select(Official).where(col(Official.unit_id).in_(unit_ids),
                                   col(Official.active).is_(True))
            .order_by(col(Official.full_name))
        ).all()))
        grouped: dict[str, list[Official]] = defaultdict(list)
        for row in rows:
            grouped[row.unit_id].append(row)
        return [grouped[u] for u in unit_ids]

    async def _counts(self, unit_ids: list[str]) -> list[Figures]:
        viewer = self._viewer()
        found = await self._run(lambda s: counts_by_lead_unit(s, viewer, unit_ids, self.clock))
        return [found.get(u, Figures()) for u in unit_ids]

    async def _counts_desc(self, unit_ids: list[str]) -> list[Figures]:
        viewer = self._viewer()
        found = await self._run(
            lambda s: counts_with_descendants(s, viewer, unit_ids, self.clock)
        )
        return [found.get(u, Figures()) for u in unit_ids]


def unit_head(members: Sequence[Official]) -> Official | None:
    """Who answers for a unit: its head; for a People's Committee, its chairman."""
    heads = heads_of([(o.id, o.role_list) for o in members])
    return next((o for o in members if heads and o.id == heads[0]), None)
