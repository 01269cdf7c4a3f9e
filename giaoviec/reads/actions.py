"""What the viewer may do on each task of a page (`domain.actions`), for a whole page at once:
a fixed handful of queries, whatever its size — the API's loader asks for every row together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from domain.actions import TaskStanding, available_actions
from domain.lifecycle import TERMINAL_STATES, Action, TaskState
from domain.org import TaskParties, heads_of, path_ids, relations_to_task
from domain.substitution import acting_for
from domain.timezone import local_date
from giaoviec.reads.org import Viewer, actors_of, members_of, officials_by_id
from giaoviec.reads.substitutes import standing_in_for
from giaoviec.store.models import Task, TaskEvent


def actions_on(session: Session, viewer: Viewer, tasks: Sequence[Task], now: datetime
               ) -> dict[str, list[Action]]:
    """Each task's available actions for the viewer: his own relations to it or, failing
    those, those of an official he stands in for today (as the service judges a command)."""
    if not tasks:
        return {}
    ids = [t.id for t in tasks]
    assigners = actors_of(session, officials_by_id(session, {t.assigner_id for t in tasks})
                          .values())
    heads = {unit: frozenset(heads_of([(o.id, o.role_list) for o in people]))
             for unit, people in members_of(session, list({t.lead_unit_id for t in tasks}))
             .items()}
    principals = standing_in_for(session, viewer.id, local_date(now))
    open_below = _open_subtask_counts(session, ids)
    reminded = _last_manual_reminders(session, ids, viewer.id)
    found: dict[str, list[Action]] = {}
    for t in tasks:
        parties = TaskParties(
            owner_id=t.owner_id, lead_unit_heads=heads.get(t.lead_unit_id, frozenset()),
            assigner=assigners.get(t.assigner_id),
            lead_unit_path=path_ids(t.lead_unit_path))
        relations, _ = acting_for(relations_to_task(viewer.actor, parties),
                                  [(p.id, relations_to_task(p, parties)) for p, _ in principals])
        standing = TaskStanding(
            state=TaskState(t.state), pending_extension=t.extension_requested_deadline is not None,
            submitted_by=t.submitted_by, self_assigned=t.owner_id == t.assigner_id,
            open_subtasks=open_below.get(t.id, 0), last_manual_reminder_at=reminded.get(t.id))
        found[t.id] = available_actions(viewer.id, relations, standing, now)
    return found


def _open_subtask_counts(session: Session, task_ids: Sequence[str]) -> dict[str, int]:
    rows = session.execute(
        select(Task.parent_id, func.count()).where(
            col(Task.parent_id).in_(task_ids),
            col(Task.state).not_in([s.value for s in TERMINAL_STATES]))
        .group_by(Task.parent_id)).all()
    return {r[0]: int(r[1]) for r in rows}


def _last_manual_reminders(session: Session, task_ids: Sequence[str], actor_id: str
                           ) -> dict[str, datetime]:
    """When the viewer last reminded each task by hand: the once-a-day pace is each person's
    own (`domain.commands`), so another's reminder leaves his REMIND on offer."""
    rows = session.execute(
        select(TaskEvent.task_id, func.max(TaskEvent.at)).where(
            col(TaskEvent.task_id).in_(task_ids), TaskEvent.action == Action.REMIND.value,
            TaskEvent.actor_id == actor_id)
        .group_by(TaskEvent.task_id)).all()
    return {r[0]: r[1] for r in rows}
