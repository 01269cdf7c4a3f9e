"""The completed tasks' rollup the database keeps by triggers (`completedcount`) stays equal
to counting the rows, through inserts, completions, reopenings, deadline and unit moves,
bulk updates and deletes, on SQLite and PostgreSQL; and the figures read with it (a unit's
own, its subtree's) equal the figures counted row by row, for every unit and viewer."""

from __future__ import annotations

import asyncio
import random
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.loaders import Loaders
from domain.lifecycle import TaskState
from domain.tally import Figures, TaskFact
from giaoviec.reads.counts import FOUR_WAY, Clock, own_figures, total_figures
from giaoviec.reads.org import Viewer, load_actor
from giaoviec.reads.org_counts import counts_by_lead_unit, counts_with_descendants
from giaoviec.reads.visibility import visible_tasks
from giaoviec.store import completed_counts
from giaoviec.store.models import CompletedCount, Task, Unit
from tests.org_fixture import seed_small_org, unit_path
from tests.tally.test_counts import CAL, OWNERS, insert, random_fact

S = TaskState
VIEWERS = ("chutich", "gd.snv", "tp.tccb", "xa1.cb", "vp.cv", "stc.cb")


def _rollup(s: Session) -> dict[str, tuple[int, int]]:
    return {r.lead_unit_path: (r.on_time, r.late) for r in s.exec(select(CompletedCount))
            if r.on_time or r.late}


def _direct(s: Session, clock: Clock) -> dict[str, tuple[int, int]]:
    """The completed tasks by lead unit path, counted by the rule (`own_figures`)."""
    found = own_figures(s, [], clock, by=col(Task.lead_unit_path), only=FOUR_WAY)
    return {path: (f.completed_on_time, f.completed_late) for path, f in found.items()
            if f.completed_on_time or f.completed_late}


def _shifted(fact: TaskFact, by: timedelta) -> TaskFact:
    return replace(fact, **{f.name: getattr(fact, f.name) + by for f in fields(fact)
                            if isinstance(getattr(fact, f.name), datetime)})


def _unit_page(engine: Engine, viewer: Viewer, unit_id: str, kids: list[str],
               clock: Clock) -> list[Figures]:
    async def page() -> list[Figures]:
        loaders = Loaders(engine, lambda: viewer, clock)
        await loaders.children_of(unit_id)
        return list(await asyncio.gather(
            *(loaders.counts_with_descendants.load(u) for u in [unit_id, *kids])))
    return asyncio.run(page())


def _now() -> Clock:
    return Clock.at(datetime.now(UTC), CAL, live=True)


def _churn(s: Session, rng: random.Random, round_: int) -> None:
    """One round of the writes the system makes: tasks completed (on time or late), a
    completed task's product returned (reopened), deadlines moved, a unit's tasks moved to
    another unit in bulk (the org importer), tasks deleted, new ones inserted."""
    tasks = list(s.exec(select(Task)))
    now = datetime.now(UTC)
    for task in rng.sample(tasks, min(25, len(tasks))):
        match rng.randrange(5):
            case 0:
                task.state = S.COMPLETED.value
                task.submitted_at = task.deadline + timedelta(days=rng.choice([-2, 3]))
                task.completed_at = task.submitted_at + timedelta(hours=5)
            case 1:
                task.state = S.RETURNED.value
                task.returned_at = now
                task.completed_at = None
            case 2:
                task.deadline = task.deadline + timedelta(days=rng.choice([-20, 20]))
            case 3:
                task.submitted_at = None  # late or on time by the completion alone
            case 4:
                unit = rng.choice(list(OWNERS))
                task.lead_unit_id, task.lead_unit_path = unit, unit_path(unit)
                task.owner_id = OWNERS[unit]
        s.add(task)
    s.commit()
    src, dst = rng.sample(list(OWNERS), 2)
    s.execute(update(Task).where(col(Task.lead_unit_id) == src)
              .values(lead_unit_id=dst, lead_unit_path=unit_path(dst), owner_id=OWNERS[dst]))
    gone = [t.id for t in rng.sample(tasks, 5)]
    s.execute(delete(Task).where(col(Task.id).in_(gone)))
    s.commit()
    insert(s, [random_fact(rng, 1000 * (round_ + 1) + n) for n in range(20)])


@pytest.mark.parametrize("seed", [3, 8])
def test_the_rollup_equals_the_rows_through_every_kind_of_write(any_engine: Engine,
                                                               seed: int) -> None:
    rng = random.Random(seed)
    with Session(any_engine) as s:
        seed_small_org(s)
        insert(s, [random_fact(rng, n) for n in range(200)])
        assert _rollup(s) == _direct(s, _now()) != {}
        for round_ in range(4):
            _churn(s, rng, round_)
            assert _rollup(s) == _direct(s, _now()), f"round {round_}"
        # Counted again from scratch (as the migration does), the same numbers.
        kept = _rollup(s)
        with any_engine.begin() as conn:
            completed_counts.rebuild(conn)
        assert _rollup(s) == kept


@pytest.mark.parametrize("seed", [5])
def test_figures_with_the_rollup_equal_the_rows_counted(any_engine: Engine, seed: int) -> None:
    """A live clock inside a viewer's jurisdiction reads the rollup; the same figures counted
    row by row (with the visibility test, as outside it) must agree, for every unit: alone
    (the home's figures), in a batch, and on the unit page with its children."""
    rng = random.Random(seed)
    with Session(any_engine) as s:
        seed_small_org(s)
        # Around now, so a live clock sees overdue, due-soon and in-time tasks alike.
        shift = datetime.now(UTC) - datetime(2026, 4, 1, tzinfo=UTC)
        insert(s, [_shifted(random_fact(rng, n), shift) for n in range(240)])
        units = list(s.exec(select(Unit)))
    clock = _now()
    checked = 0
    for username in VIEWERS:
        with Session(any_engine) as s:
            viewer = Viewer(load_actor(s, username))
            batch = counts_with_descendants(s, viewer, [u.id for u in units], clock)
            led = counts_by_lead_unit(s, viewer, [u.id for u in units], clock)
            for unit in units:
                conds = [col(Task.lead_unit_path).startswith(unit.path, autoescape=True),
                         visible_tasks(viewer)]
                direct = total_figures(s, conds, clock, only=FOUR_WAY)
                alone = counts_with_descendants(s, viewer, [unit.id], clock)[unit.id]
                assert alone == direct, (username, unit.id)
                assert batch[unit.id] == direct, (username, unit.id)
                own = own_figures(s, [col(Task.lead_unit_id) == unit.id, visible_tasks(viewer)],
                                  clock, only=FOUR_WAY).get(unit.id, Figures())
                assert led.get(unit.id, Figures()) == own, (username, unit.id)
                checked += direct.total > 0
            # The unit page: the subtree and its children's off one grouped read.
            for unit in units:
                kids = [u.id for u in units if u.parent_id == unit.id]
                if kids:
                    expected = counts_with_descendants(s, viewer, [unit.id, *kids], clock)
                    assert _unit_page(any_engine, viewer, unit.id, kids, clock) == [
                        expected[u] for u in [unit.id, *kids]]
    assert checked > 10


def test_a_live_count_inside_the_jurisdiction_reads_the_rollup(engine: Engine) -> None:
    """The test above would pass if nothing read the rollup: a deliberately wrong rollup row
    shows the chairman's figures come from it, and a past instant's do not."""
    rng = random.Random(2)
    with Session(engine) as s:
        seed_small_org(s)
        insert(s, [random_fact(rng, n) for n in range(60)])
        chairman = Viewer(load_actor(s, "chutich"))
        root = s.exec(select(Unit).where(col(Unit.parent_id).is_(None))).one()
        live, past = _now(), Clock.at(datetime.now(UTC), CAL)
        before = counts_with_descendants(s, chairman, [root.id], live)[root.id]
        assert before == counts_with_descendants(s, chairman, [root.id], past)[root.id]
        s.execute(update(CompletedCount).values(on_time=CompletedCount.on_time + 1000))
        s.commit()
        after = counts_with_descendants(s, chairman, [root.id], live)[root.id]
        assert after.completed_on_time - before.completed_on_time == 1000 * len(_rollup(s))
        assert counts_with_descendants(s, chairman, [root.id], past)[root.id] == before


def test_a_bulk_load_counts_every_completed_task_once_at_the_end(any_engine: Engine) -> None:
    rng = random.Random(6)
    with Session(any_engine) as s:
        seed_small_org(s)
        insert(s, [random_fact(rng, n) for n in range(50)])
        with completed_counts.bulk_load(any_engine):
            insert(s, [random_fact(rng, n) for n in range(50, 150)])
        assert _rollup(s) == _direct(s, _now()) != {}
        _churn(s, rng, 0)  # and the triggers are back
        assert _rollup(s) == _direct(s, _now())
