"""The unit page's counts read off one shared statement (the subtree counted once, grouped by
lead unit path: the unit's own tasks are its path's group) agree with the rule's direct
form: the tasks of the unit, or of its subtree, that the viewer may read, counted by
`own_figures`."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.loaders import Loaders
from domain.tally import Figures
from giaoviec.reads.counts import FOUR_WAY, Clock, own_figures, total_figures
from giaoviec.reads.org import Viewer, load_actor
from giaoviec.reads.org_counts import counts_by_lead_unit, counts_with_descendants
from giaoviec.reads.visibility import visible_tasks
from giaoviec.store.models import Task, Unit
from tests.org_fixture import OFFICIALS, seed_small_org
from tests.tally.test_counts import BASE, CAL, insert, random_fact

VIEWERS = ("chutich", "gd.snv", "tp.tccb", "xa1.cb", "vp.cv", "stc.cb")


def _direct_own(s: Session, viewer: Viewer, unit: Unit, clock: Clock) -> Figures:
    conds = [col(Task.lead_unit_id) == unit.id, visible_tasks(viewer)]
    return own_figures(s, conds, clock, only=FOUR_WAY).get(unit.id, Figures())


def _direct_subtree(s: Session, viewer: Viewer, unit: Unit, clock: Clock) -> Figures:
    conds = [col(Task.lead_unit_path).startswith(unit.path, autoescape=True),
             visible_tasks(viewer)]
    return total_figures(s, conds, clock, only=FOUR_WAY)


def _unit_page(engine: Engine, viewer: Viewer, unit_id: str, clock: Clock
               ) -> tuple[Figures, Figures, dict[str, Figures]]:
    """What the unit page's resolvers ask the loaders, in the same order and concurrency:
    the unit's own counts, its subtree's, its children, then the children's subtrees'."""
    async def page() -> tuple[Figures, Figures, dict[str, Figures]]:
        loaders = Loaders(engine, lambda: viewer, clock)
        await loaders.unit.load(unit_id)
        own, subtree, children = await asyncio.gather(
            loaders.counts.load(unit_id), loaders.counts_with_descendants.load(unit_id),
            loaders.children_of(unit_id, counted=True))
        figures = await asyncio.gather(
            *(loaders.counts_with_descendants.load(c.id) for c in children))
        return own, subtree, {c.id: f for c, f in zip(children, figures, strict=True)}
    return asyncio.run(page())


@pytest.mark.parametrize("seed", [4, 9])
def test_derived_totals_equal_the_direct_counts(any_engine: Engine, seed: int) -> None:
    rng = random.Random(seed)
    assigners = [o[0] for o in OFFICIALS]
    facts = [replace(random_fact(rng, n), assigner_id=rng.choice(assigners))
             for n in range(240)]
    with Session(any_engine) as s:
        seed_small_org(s)
        insert(s, facts)
        units = s.exec(select(Unit)).all()
    clock = Clock.at(BASE + timedelta(days=30), CAL)
    checked = 0
    for username in VIEWERS:
        with Session(any_engine) as s:
            viewer = Viewer(load_actor(s, username))
            for unit in units:
                children = [u for u in units if u.parent_id == unit.id]
                own = _direct_own(s, viewer, unit, clock)
                subtree = _direct_subtree(s, viewer, unit, clock)
                # The subtree is the unit's own tasks and its children's subtrees.
                total = Figures()
                total.add(own)
                for child in children:
                    total.add(_direct_subtree(s, viewer, child, clock))
                assert subtree == total, (username, unit.id)
                # The read functions, alone and in a batch, answer the direct counts.
                assert counts_by_lead_unit(s, viewer, [unit.id], clock).get(
                    unit.id, Figures()) == own, (username, unit.id)
                batch = counts_with_descendants(s, viewer, [unit.id, *(c.id for c in children)],
                                                clock)
                assert batch[unit.id] == subtree, (username, unit.id)
                for child in children:
                    assert batch[child.id] == _direct_subtree(s, viewer, child, clock)
                # The unit page, its children's figures read off the unit's statement.
                page_own, page_subtree, page_children = _unit_page(
                    any_engine, viewer, unit.id, clock)
                assert (page_own, page_subtree) == (own, subtree), (username, unit.id)
                assert page_children == {
                    c.id: _direct_subtree(s, viewer, c, clock) for c in children}
                checked += subtree.total
    assert checked > 0


def test_the_unit_page_counts_the_subtree_once(any_engine: Engine) -> None:
    rng = random.Random(3)
    with Session(any_engine) as s:
        seed_small_org(s)
        insert(s, [random_fact(rng, n) for n in range(60)])
        viewer = Viewer(load_actor(s, "chutich"))
    clock = Clock.at(BASE + timedelta(days=30), CAL)
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(any_engine, "before_cursor_execute", seen)
    try:
        _unit_page(any_engine, viewer, "tinh", clock)
    finally:
        event.remove(any_engine, "before_cursor_execute", seen)
    counting = [q for q in statements if "FROM task" in q]
    # Its subtree once, grouped: its own tasks and its children's are read off it.
    assert len(counting) == 1, counting
