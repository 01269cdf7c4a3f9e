"""The event trail as a feed: new events by increasing id (the API's live updates follow it
across processes), and only those whose task the viewer may read."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from giaoviec.reads.org import Viewer
from giaoviec.reads.visibility import readable_tasks
from giaoviec.store.models import Task, TaskEvent


@dataclass(frozen=True)
class NewEvent:
    id: int
    task_id: str


# How long an id skipped by the feed is asked for again. On PostgreSQL ids come from a sequence
# when the row is inserted, not when it commits: under concurrent writers id 7 can become visible
# after id 8. A read-model write commits within seconds; an id still missing after this long
# belonged to a transaction that rolled back (sequences never reuse ids).
GAP_SECONDS = 30.0
GAP_LIMIT = 5000  # ids remembered at most; a larger jump is a sequence reset, not a race
# How far below the newest event a starting feed looks for ids still being written: more than
# the writers that can be in flight at once (the worker's activity threads).
START_LOOKBACK = 100


@dataclass
class EventCursor:
    """A position in the event trail that never passes an event committed late: every id
    skipped below the highest one seen is remembered and asked for again for GAP_SECONDS, so
    each event is returned exactly once, whatever order concurrent writers commit in."""

    last_id: int = 0
    gaps: dict[int, float] = field(default_factory=dict)  # skipped id → when first missed

    @classmethod
    def at_end(cls, session: Session, now: float | None = None) -> EventCursor:
        """From now on: past the newest event, the holes just below it still asked for (a
        transaction that took one of those ids may not have committed yet)."""
        now = time.monotonic() if now is None else now
        last = int(session.execute(select(func.max(TaskEvent.id))).scalar_one_or_none() or 0)
        floor = max(0, last - START_LOOKBACK)
        present = set(session.scalars(select(TaskEvent.id).where(col(TaskEvent.id) > floor)))
        return cls(last, {i: now for i in range(floor + 1, last) if i not in present})

    def read(self, session: Session, now: float | None = None,
             limit: int = 1000) -> list[NewEvent]:
        now = time.monotonic() if now is None else now
        self.gaps = {i: t for i, t in self.gaps.items() if now - t < GAP_SECONDS}
        wanted = col(TaskEvent.id) > self.last_id
        if self.gaps:
            wanted = or_(wanted, col(TaskEvent.id).in_(sorted(self.gaps)))
        rows = session.execute(select(TaskEvent.id, TaskEvent.task_id).where(wanted)
                               .order_by(col(TaskEvent.id)).limit(limit)).all()
        found = [NewEvent(int(r[0]), r[1]) for r in rows]
        seen = {e.id for e in found}
        top = max((e.id for e in found), default=self.last_id)
        for e in found:
            self.gaps.pop(e.id, None)
        # Ids are ordered, so every committed id between last_id and top was returned; the
        # others are still being written (or were rolled back).
        for missing in range(self.last_id + 1, top):
            if len(self.gaps) >= GAP_LIMIT:
                break
            if missing not in seen:
                self.gaps[missing] = now
        self.last_id = max(top, self.last_id)
        return found


def readable_events(
    session: Session, viewer: Viewer, events: Sequence[NewEvent], *,
    task_id: str | None = None, unit_path: str | None = None,
) -> list[tuple[TaskEvent, Task]]:
    """The events whose task the viewer may read (the same rule as `task(id)`), optionally
    only of one task or of tasks led inside one unit's subtree; oldest first."""
    wanted = [e for e in events if task_id is None or e.task_id == task_id]
    tasks = readable_tasks(session, viewer, [e.task_id for e in wanted])
    if unit_path is not None:
        tasks = {k: t for k, t in tasks.items() if t.lead_unit_path.startswith(unit_path)}
    ids = [e.id for e in wanted if e.task_id in tasks]
    if not ids:
        return []
    rows = session.scalars(select(TaskEvent).where(col(TaskEvent.id).in_(ids))
                           .order_by(col(TaskEvent.id))).all()
    return [(r, tasks[r.task_id]) for r in rows]
