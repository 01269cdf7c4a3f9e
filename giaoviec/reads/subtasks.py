"""The thread from a plan or directive down to the smallest sub-task: a task's ancestors, its
sub-tasks (open, or all below it) and their roll-up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import Session, col, select

from domain.lifecycle import TERMINAL_STATES
from domain.subtasks import MAX_DEPTH
from domain.tally import Figures
from giaoviec.reads.counts import Clock
from giaoviec.reads.org import Viewer
from giaoviec.reads.org_counts import counts_grouped
from giaoviec.reads.visibility import visible_tasks
from giaoviec.store.models import Task

_CLOSED = [s.value for s in TERMINAL_STATES]


def ancestors(session: Session, task: Task) -> list[Task]:
    """The tasks above this one, the one it was first split from first."""
    return ancestors_of(session, [task])[task.id]


def ancestors_of(session: Session, tasks: Sequence[Task]) -> dict[str, list[Task]]:
    """Each task's chain (as `ancestors`), for many tasks at once: one query per level."""
    chains: dict[str, list[Task]] = {t.id: [] for t in tasks}
    top = {t.id: t for t in tasks}  # each task's highest ancestor found so far
    known: dict[str, Task] = {}
    for _ in range(MAX_DEPTH + 1):
        wanted = {t.parent_id for t in top.values() if t.parent_id} - set(known)
        if wanted:
            known.update((p.id, p) for p in session.exec(
                select(Task).where(col(Task.id).in_(wanted))).all())
        climbing = {tid: known[t.parent_id] for tid, t in top.items()
                    if t.parent_id and t.parent_id in known}
        if not climbing:
            break
        for tid, parent in climbing.items():
            chains[tid].append(parent)
        top = climbing
    return {tid: list(reversed(chain)) for tid, chain in chains.items()}


def plan_id_of(task: Task, chain: Sequence[Task] = ()) -> str | None:
    """The plan a task serves: its own, or that of the task it was first split from."""
    return next((t.plan_id for t in [*chain, task] if t.plan_id), None)


def open_subtasks(session: Session, task_id: str) -> list[Task]:
    """A task's own sub-tasks that are neither completed nor cancelled."""
    return list(session.exec(select(Task).where(
        Task.parent_id == task_id, col(Task.state).not_in(_CLOSED))
        .order_by(col(Task.deadline), col(Task.id))).all())


def subtask_rollup(session: Session, viewer: Viewer, task_id: str, clock: Clock) -> Figures:
    """The kiểm đếm of everything split from a task, at any depth (what the viewer may read)."""
    return subtask_rollups(session, viewer, [task_id], clock)[task_id]


def subtask_rollups(session: Session, viewer: Viewer, task_ids: Sequence[str], clock: Clock
                    ) -> dict[str, Figures]:
    """`subtask_rollup` of many tasks at once: a query per level of the tree, and one count
    (by task, added up under each task it descends from — a page may hold a task and its
    parent both)."""
    roots_of: dict[str, set[str]] = defaultdict(set)  # descendant → the page's tasks above it
    level: dict[str, set[str]] = {t: {t} for t in task_ids}
    for _ in range(MAX_DEPTH + 1):
        rows = session.execute(select(Task.id, Task.parent_id)
                               .where(col(Task.parent_id).in_(list(level)))).all()
        below: dict[str, set[str]] = defaultdict(set)
        for child, parent in rows:
            below[child] |= level[parent]
        for child, roots in below.items():
            roots_of[child] |= roots
        level = below
        if not level:
            break
    found = {t: Figures() for t in task_ids}
    if roots_of:
        for tid, figures in counts_grouped(session, viewer, col(Task.id),
                                           [col(Task.id).in_(list(roots_of))], clock).items():
            for root in roots_of[tid]:
                found[root].add(figures)
    return found


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
