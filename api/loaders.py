"""Per-request DataLoaders: a page of tasks with their units, officials and coordinators costs
a fixed handful of SQL queries, whatever its size. Each batch runs in a worker thread with
its own short session, so the event loop never waits on the database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from sqlalchemy.engine import Engine
from strawberry.dataloader import DataLoader

from api.db_share import DB_THREADS_PER_OFFICIAL
from domain.tally import Figures
from giaoviec.reads import Session, org, plans, read
from giaoviec.reads.actions import actions_on
from giaoviec.reads.counts import Clock
from giaoviec.reads.dashboard import counts_by_owner
from giaoviec.reads.org import Viewer
from giaoviec.reads.org_counts import (
    common_prefix,
    counts_by_lead_unit,
    subtree_figures,
    subtree_groups,
    within,
)
from giaoviec.reads.plans import plan_rollups
from giaoviec.reads.subtasks import ancestors_of, subtask_rollups, subtasks_of
from giaoviec.reads.visibility import readable_tasks
from giaoviec.store.models import Official, Plan, Task, TaskCoordinator, TaskMilestone, Unit

K = TypeVar("K")
V = TypeVar("V")


class Loaders:
    def __init__(self, engine: Engine, viewer: Callable[[], Viewer], clock: Clock,
                 gate: Callable[[], asyncio.Semaphore] | None = None) -> None:
        self.engine = engine
        # The asking official's share of the database threads (api.db_share), if given.
        self.gate = gate or (lambda s=asyncio.Semaphore(DB_THREADS_PER_OFFICIAL): s)
        self._viewer = viewer
        self.clock = clock
        self.unit = DataLoader(self._units)
        self.official = DataLoader(self._officials)
        self.coordinators = DataLoader(self._coordinators)
        self.children = DataLoader(self._children)
        self.members = DataLoader(self._members)
        self.counts = DataLoader(self._counts)
        self.counts_with_descendants = DataLoader(self._counts_desc)
        self.owner_counts = DataLoader(self._owner_counts)
        self.subtasks = DataLoader(self._subtasks)
        self.milestones = DataLoader(self._milestones)
        # Keyed by the row (a page already holds them), cached by its id.
        self.actions = DataLoader(self._actions, cache_key_fn=lambda row: row.id)
        self.chain = DataLoader(self._chains, cache_key_fn=lambda row: row.id)
        self.readable_task = DataLoader(self._readable_tasks)
        self.subtask_counts = DataLoader(self._subtask_counts)
        self.plan = DataLoader(self._plans)
        self.fulfilled_by = DataLoader(self._fulfilled_by)
        self.plan_rollups = DataLoader(self._plan_rollups)
        # Subtrees counted in this request, by lead unit path (`subtree_groups`), keyed by the
        # subtree's path; and the units whose children were asked for with their counts.
        self._subtrees: dict[str, asyncio.Future[dict[str, Figures]]] = {}
        self._children_counted: set[str] = set()

    async def _run(self, fn: Callable[[Session], V]) -> V:
        async with self.gate():
            return await asyncio.to_thread(read, self.engine, fn)

    async def _units(self, ids: list[str]) -> list[Unit | None]:
        found = await self._run(lambda s: org.units_by_id(s, ids))
        return [found.get(i) for i in ids]

    async def _officials(self, ids: list[str]) -> list[Official | None]:
        found = await self._run(lambda s: org.officials_by_id(s, ids))
        return [found.get(i) for i in ids]

    async def _coordinators(self, task_ids: list[str]) -> list[list[TaskCoordinator]]:
        grouped = await self._run(lambda s: org.coordinators_of(s, task_ids))
        return [grouped.get(t, []) for t in task_ids]

    def children_of(self, unit_id: str, *, counted: bool = False) -> Awaitable[list[Unit]]:
        """A unit's children; `counted`: their figures with descendants are asked too, so the
        unit's subtree is counted once, grouped, for its figures and theirs."""
        if counted:
            self._children_counted.add(unit_id)
        return self.children.load(unit_id)

    async def _children(self, parent_ids: list[str]) -> list[list[Unit]]:
        grouped = await self._run(lambda s: org.children_of(s, parent_ids))
        for rows in grouped.values():
            for row in rows:
                self.unit.prime(row.id, row)
        return [grouped.get(p, []) for p in parent_ids]

    async def _members(self, unit_ids: list[str]) -> list[list[Official]]:
        grouped = await self._run(lambda s: org.members_of(s, unit_ids))
        return [grouped.get(u, []) for u in unit_ids]

    async def _counts(self, unit_ids: list[str]) -> list[Figures]:
        """Tasks each unit leads itself: off its subtree's groups when they are read in this
        request anyway (the unit page: a unit's own, its children's with descendants)."""
        viewer = self._viewer()
        paths = await self._paths(unit_ids)
        if paths and (root := self._subtree_holding(paths)) is not None:
            groups = await self._subtree(viewer, root)
            return [replace(groups.get(paths[u], Figures())) if u in paths else Figures()
                    for u in unit_ids]
        found = await self._run(lambda s: counts_by_lead_unit(s, viewer, unit_ids, self.clock))
        return [found.get(u, Figures()) for u in unit_ids]

    async def _counts_desc(self, unit_ids: list[str]) -> list[Figures]:
        """Each unit's figures with its descendants. The unit page asks a unit's, then its
        children's: when the unit's children are counted too, its subtree is counted once,
        grouped by lead unit path, and the children's are read off the same groups."""
        viewer = self._viewer()
        paths = await self._paths(unit_ids)
        if not paths:
            return [Figures() for _ in unit_ids]
        root = self._subtree_holding(paths)
        if root is None and len(paths) == 1:
            # One unit alone (the home's figures): one plain sum over its subtree.
            [(unit_id, path)] = paths.items()
            alone = await self._run(lambda s: subtree_figures(s, viewer, path, self.clock))
            return [alone if u == unit_id else Figures() for u in unit_ids]
        found = within(await self._subtree(viewer, root or common_prefix(list(paths.values()))),
                       paths)
        return [found.get(u, Figures()) for u in unit_ids]

    async def _paths(self, unit_ids: list[str]) -> dict[str, str]:
        units = await self.unit.load_many(unit_ids)
        return {u.id: u.path for u in units if u is not None}

    def _subtree_holding(self, paths: dict[str, str]) -> str | None:
        """A subtree holding all these units that this request counts grouped anyway: one
        already counted, or that of a unit among them whose children are counted."""
        roots = [*self._subtrees, *(paths[u] for u in self._children_counted if u in paths)]
        return next((r for r in roots if all(p.startswith(r) for p in paths.values())), None)

    def _subtree(self, viewer: Viewer, root: str) -> asyncio.Future[dict[str, Figures]]:
        """The figures inside the subtree at `root` by lead unit path, read once a request."""
        if root not in self._subtrees:
            self._subtrees[root] = asyncio.ensure_future(self._run(
                lambda s: subtree_groups(s, viewer, root, self.clock)))
        return self._subtrees[root]

    async def _owner_counts(self, official_ids: list[str]) -> list[Figures]:
        viewer = self._viewer()
        found = await self._run(lambda s: counts_by_owner(s, viewer, official_ids, self.clock))
        return [found.get(o, Figures()) for o in official_ids]
    async def _subtasks(self, task_ids: list[str]) -> list[list[Task]]:
        viewer = self._viewer()
        grouped = await self._run(lambda s: subtasks_of(s, viewer, task_ids))
        return [grouped.get(t, []) for t in task_ids]

    async def _milestones(self, task_ids: list[str]) -> list[list[TaskMilestone]]:
        grouped = await self._run(lambda s: org.milestones_of(s, task_ids))
        return [grouped.get(t, []) for t in task_ids]

    async def _chains(self, rows: list[Task]) -> list[list[Task]]:
        found = await self._run(lambda s: ancestors_of(s, rows))
        return [found[r.id] for r in rows]

    async def _readable_tasks(self, ids: list[str]) -> list[Task | None]:
        viewer = self._viewer()
        found = await self._run(lambda s: readable_tasks(s, viewer, ids))
        return [found.get(i) for i in ids]

    async def _subtask_counts(self, task_ids: list[str]) -> list[Figures]:
        viewer = self._viewer()
        found = await self._run(lambda s: subtask_rollups(s, viewer, task_ids, self.clock))
        return [found[t] for t in task_ids]

    async def _plans(self, ids: list[str]) -> list[Plan | None]:
        found = await self._run(lambda s: plans.plans_by_id(s, ids))
        return [found.get(i) for i in ids]

    async def _fulfilled_by(self, task_ids: list[str]) -> list[Plan | None]:
        found = await self._run(lambda s: plans.plans_fulfilling(s, task_ids))
        return [found.get(t) for t in task_ids]

    async def _actions(self, rows: list[Task]) -> list[list[str]]:
        viewer, now = self._viewer(), self.clock.now
        found = await self._run(lambda s: actions_on(s, viewer, rows, now))
        return [[a.value for a in found[r.id]] for r in rows]

    async def _plan_rollups(self, plan_ids: list[str]) -> list[dict[str, Figures]]:
        viewer = self._viewer()
        found = await self._run(lambda s: plan_rollups(s, viewer, plan_ids, self.clock))
        return [found.get(p, {}) for p in plan_ids]
