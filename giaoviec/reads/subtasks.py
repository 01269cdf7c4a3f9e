"""The thread from a plan or directive down to the smallest sub-task: a task's ancestors, its
sub-tasks (open, or all below it) and their roll-up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import Session, col, select

from domain.lifecycle import TERMINAL_STATES
from domain.subtasks import MAX_DEPTH
from domain.tally import Figures
from giaoviec.reads.counts import Clock, counts_grouped
from giaoviec.reads.org import Viewer
from giaoviec.reads.visibility import visible_tasks
from giaoviec.store.models import Plan, Task

_CLOSED = [s.value for s in TERMINAL_STATES]


def ancestors(session: Session, task: Task) -> list[Task]:
    """The tasks above this one, the one it was first split from first."""
    chain: list[Task] = []
    current = task
    while current.parent_id and len(chain) <= MAX_DEPTH:
        parent = session.get(Task, current.parent_id)
        if parent is None:
            break
        chain.append(parent)
        current = parent
    return list(reversed(chain))


def plan_of(session: Session, task: Task, chain: Sequence[Task] = ()) -> Plan | None:
    """The plan a task serves: its own, or that of the task it was first split from."""
    plan_id = next((t.plan_id for t in [*chain, task] if t.plan_id), None)
    return session.get(Plan, plan_id) if plan_id else None


def open_subtasks(session: Session, task_id: str) -> list[Task]:
    """A task's own sub-tasks that are neither completed nor cancelled."""
    return list(session.exec(select(Task).where(
        Task.parent_id == task_id, col(Task.state).not_in(_CLOSED))
        .order_by(col(Task.deadline), col(Task.id))).all())


def descendant_ids(session: Session, task_id: str) -> list[str]:
    """Every task split from this one, at any depth."""
    found: list[str] = []
    level = [task_id]
    for _ in range(MAX_DEPTH + 1):
        level = list(session.exec(select(Task.id).where(col(Task.parent_id).in_(level))).all())
        if not level:
            break
        found += level
    return found


def subtask_rollup(session: Session, viewer: Viewer, task_id: str, clock: Clock) -> Figures:
    """The kiểm đếm of everything split from a task, at any depth (what the viewer may read)."""
    ids = descendant_ids(session, task_id)
    if not ids:
        return Figures()
    return counts_grouped(session, viewer, None, [col(Task.id).in_(ids)], clock)[""]


def subtasks_of(session: Session, viewer: Viewer, task_ids: Sequence[str]
                ) -> dict[str, list[Task]]:
    """Each task's own sub-tasks that the viewer may read, by deadline."""
    rows = session.exec(select(Task).where(col(Task.parent_id).in_(list(task_ids)),
                                           visible_tasks(viewer))
                        .order_by(col(Task.deadline), col(Task.id))).all()
    grouped: dict[str, list[Task]] = defaultdict(list)
    for row in rows:
        grouped[row.parent_id or ""].append(row)
    return grouped
