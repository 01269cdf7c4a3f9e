"""A task list's pages hold the same rows in the same order whichever way they are read: the
gathered page (a unit's subtree, what awaits the viewer's decision:
giaoviec.reads.tasks._gathered_page) or one walk in (deadline, id) order. Held against the
plain ordered query of the same conditions, page after page by cursor, on SQLite and
PostgreSQL, for many viewers and filters over tasks with many equal deadlines."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from domain.calendar import WorkingCalendar
from domain.lifecycle import TaskState
from giaoviec.reads.counts import Clock
from giaoviec.reads.org import Viewer, load_actor
from giaoviec.reads.tasks import TaskFilter, filter_conditions, list_tasks
from giaoviec.store.models import Task, TaskCoordinator
from tests.org_fixture import OFFICIALS, UNITS, seed_small_org, unit_path

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DAY = timedelta(days=1)
VIEWERS = ("chutich", "gd.snv", "tp.tccb", "ct.xa1", "snv.cb1")
_S = TaskState


def _seed_tasks(session: Session, count: int, seed: int) -> None:
    """Tasks in every unit and state, deadlines on a few days (many equal: the id decides),
    some flagged, some with an extension asked, some coordinated."""
    rng = random.Random(seed)
    units = [u[0] for u in UNITS]
    officials = [o[0] for o in OFFICIALS]
    for n in range(count):
        lead = rng.choice(units)
        state = rng.choice(list(_S))
        deadline = NOW + rng.randint(-6, 6) * DAY
        task_id = f"t{rng.randrange(10**6):06d}-{n}"  # ids in no order of creation
        session.add(Task(
            id=task_id, client_key=f"k{n}", title=f"Nhiệm vụ {n}",
            state=state.value, lead_unit_id=lead, lead_unit_path=unit_path(lead),
            owner_id=rng.choice(officials), assigner_id=rng.choice(officials),
            deadline=deadline, original_deadline=deadline, created_at=NOW - 30 * DAY,
            updated_at=NOW, submitted_at=NOW - DAY if state is _S.SUBMITTED else None,
            extension_requested_deadline=deadline + 5 * DAY if rng.random() < 0.2 else None,
            flagged=rng.random() < 0.2))
        session.flush()
        for unit in rng.sample([u for u in units if u != lead], rng.randint(0, 2)):
            session.add(TaskCoordinator(task_id=task_id, unit_id=unit, duty="Phối hợp"))
    session.commit()


def _filters() -> list[TaskFilter]:
    found = [TaskFilter(awaiting_my_decision=True),
             TaskFilter(unit_id="tinh", flagged=True, role="any"),
             TaskFilter(unit_id="snv", role="coordinating"),
             TaskFilter(unit_id="snv", include_descendants=False, states=[_S.IN_PROGRESS])]
    for unit in ("tinh", "snv", "snv-tccb", "xa1", "nowhere"):
        for states in ((), (_S.ASSIGNED, _S.IN_PROGRESS), (_S.SUBMITTED,)):
            found.append(TaskFilter(unit_id=unit, states=states))
            found.append(TaskFilter(unit_id=unit, states=states,
                                    deadline_from=NOW - 2 * DAY, deadline_to=NOW + 3 * DAY))
    return found


def test_every_page_is_the_ordered_query_s_slice(any_engine: Engine) -> None:
    clock = Clock.at(NOW, WorkingCalendar(), live=True)
    with Session(any_engine) as session:
        seed_small_org(session)
        _seed_tasks(session, count=240, seed=17)
        checked = long_lists = 0
        for username in VIEWERS:
            viewer = Viewer(load_actor(session, username))
            for f in _filters():
                expected = list(session.scalars(
                    select(Task.id).where(*filter_conditions(session, viewer, f, clock))
                    .order_by(col(Task.deadline), col(Task.id))).all())
                listed: list[str] = []
                after: str | None = None
                while True:
                    page = list_tasks(session, viewer, f, clock, first=7, after=after)
                    assert page.total == len(expected), (username, f)
                    listed += [t.id for t in page.tasks]
                    if not page.has_next:
                        break
                    after = page.cursors[-1]
                assert listed == expected, (username, f)
                checked += 1
                long_lists += len(expected) > 14
        # Varied enough: most lists run to several pages.
        assert checked == len(VIEWERS) * len(_filters()) and long_lists > checked // 3
