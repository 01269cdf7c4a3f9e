"""Activities that keep the SQL read model in step with the task workflows.

Each call writes one event, the task row and its notifications in one transaction, and is
idempotent: a retried activity finds its event and notifications already there and writes
nothing twice; an older snapshot never overwrites a newer one (task.version).
"""

from __future__ import annotations

import json

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError, StatementError
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notices import compose
from domain.escalation import Recipient
from domain.org import intermediate_units
from domain.text import fold
from domain.timezone import local_date
from giaoviec.reads.org import actor_of, unit_heads
from giaoviec.reads.substitutes import substitutes_on
from giaoviec.store.db import session_scope
from giaoviec.store.models import (
    Notification,
    Official,
    Task,
    TaskCoordinator,
    TaskEvent,
    TaskMilestone,
    Unit,
    utcnow,
)
from workflows.contracts import BAD_DATA, RECORD_TASK_EVENT, Notice, RecordInput, TaskRecord


def _recipients(session: Session, notice: Notice, task: TaskRecord,
                lead_path: tuple[str, ...]) -> list[str]:
    if notice.recipient_id:
        return [notice.recipient_id]
    match notice.recipient:
        case Recipient.OWNER:
            return [task.owner_id]
        case Recipient.ASSIGNER:
            return [task.assigner_id]
        case Recipient.LEAD_UNIT_HEAD:
            return unit_heads(session, task.lead_unit_id)
        case Recipient.INTERMEDIATE_HEADS:
            assigner = session.get(Official, task.assigner_id)
            if assigner is None:
                return []
            between = intermediate_units(actor_of(session, assigner).unit_path, lead_path)
            return [head for unit_id in between for head in unit_heads(session, unit_id)]
    return []


def _apply_row(row: Task, t: TaskRecord, unit_path: str) -> None:
    row.title = t.title
    row.description = t.description
    row.basis = t.basis
    row.state = t.state.value
    row.lead_unit_id = t.lead_unit_id
    row.lead_unit_path = unit_path
    row.owner_id = t.owner_id
    row.assigner_id = t.assigner_id
    row.product_kind = t.product.kind
    row.product_description = t.product.description
    row.product_measure = t.product.measure
    row.progress = t.progress
    row.deadline = t.deadline
    row.original_deadline = t.original_deadline
    row.accepted_at = t.accepted_at
    row.submitted_at = t.submitted_at
    row.completed_at = t.completed_at
    row.paused_at = t.paused_at
    row.cancelled_at = t.cancelled_at
    row.output_description = t.output.description if t.output else None
    row.output_reference = t.output.reference if t.output else None
    row.output_url = t.output.url if t.output else None
    row.extension_requested_deadline = t.extension.new_deadline if t.extension else None
    row.extension_reason = t.extension.reason if t.extension else None
    row.submitted_by = t.submitted_by
    row.declined_at = t.declined_at
    row.returned_at = t.returned_at
    row.overdue_reminders = t.overdue_reminders
    row.flagged = t.flagged
    row.search_text = fold(" ".join(filter(None, [t.title, t.description, t.basis])))
    row.version = t.seq
    row.plan_id = t.plan_id
    row.parent_id = t.parent_id
    row.rule_id = t.rule_id
    row.period = t.period
    row.updated_at = utcnow()


def record(session: Session, inp: RecordInput) -> bool:
    """Write one event; return False when it was already written (a retry)."""
    t, ev = inp.task, inp.event
    row = session.get(Task, t.id)
    # A task's events reference its row (foreign key): with no row yet there is none to find.
    if row is not None and session.exec(
        select(TaskEvent.id).where(TaskEvent.task_id == t.id, TaskEvent.seq == ev.seq)
    ).first() is not None:
        return False
    unit = session.get(Unit, t.lead_unit_id)
    unit_path = unit.path if unit else f"/{t.lead_unit_id}/"
    if row is None:
        row = Task(
            id=t.id, client_key=t.client_key, request_hash=t.request_hash, title=t.title,
            state=t.state.value,
            lead_unit_id=t.lead_unit_id, lead_unit_path=unit_path, owner_id=t.owner_id,
            assigner_id=t.assigner_id, deadline=t.deadline, original_deadline=t.original_deadline,
            created_at=t.created_at, updated_at=utcnow(),
        )
        _apply_row(row, t, unit_path)
        session.add(row)
        if t.coordinators or t.milestones:
            session.flush()  # the row before the rows that reference it
        session.add_all(TaskCoordinator(task_id=t.id, unit_id=c.unit_id, duty=c.duty)
                        for c in t.coordinators)
        session.add_all(TaskMilestone(task_id=t.id, position=i, title=m.title, due=m.due)
                        for i, m in enumerate(t.milestones))
    elif row.version < ev.seq:
        _apply_row(row, t, unit_path)
    session.add(TaskEvent(
        task_id=t.id, seq=ev.seq, at=ev.at, actor_id=ev.actor_id, action=ev.action,
        from_state=ev.from_state.value if ev.from_state else None, to_state=ev.to_state.value,
        note=ev.note, data=json.dumps(ev.data, ensure_ascii=False),
    ))
    _notify(session, inp, unit.name if unit else t.lead_unit_id,
            unit.path_ids if unit else (t.lead_unit_id,))
    return True


def _notify(session: Session, inp: RecordInput, unit_name: str,
            lead_path: tuple[str, ...]) -> None:
    t, ev = inp.task, inp.event
    actor_name = None
    if ev.actor_id:
        actor = session.get(Official, ev.actor_id)
        actor_name = actor.full_name if actor else None
    seen: set[str] = set()
    for notice in inp.notices:
        title, body = compose(notice.kind, t, ev, actor_name, unit_name)
        recipients = _recipients(session, notice, t, lead_path)
        # Whoever stands in for a recipient that day hears it too, saying for whom.
        standing_in = substitutes_on(session, recipients, local_date(ev.at))
        for rid in recipients:
            for who, stands_in in ((rid, False), (standing_in.get(rid), True)):
                # The actor needs no notice of his own act; nobody hears the same event twice.
                if who is None or who in seen or who == ev.actor_id:
                    continue
                seen.add(who)
                prefix = _for_whom(session, rid) if stands_in else ""
                session.add(Notification(
                    recipient_id=who, task_id=t.id, kind=notice.kind,
                    title=(prefix + title)[:500], body=body, dedup_key=f"{t.id}:{ev.seq}",
                    created_at=ev.at,
                ))


def _for_whom(session: Session, official_id: str) -> str:
    official = session.get(Official, official_id)
    return f"[Thay đồng chí {official.full_name if official else official_id}] "


def is_bad_data(err: BaseException) -> bool:
    """Data the database refuses as such (a value out of range, a broken reference): retrying
    the same input would fail for ever. A lost connection is not: that is retried."""
    if isinstance(err, (DataError, IntegrityError, ValueError, OverflowError)):
        return True
    # Converting a value before it reaches the driver (a datetime to UTC, say).
    return isinstance(err, StatementError) and isinstance(err.orig, (ValueError, OverflowError))


class ReadModelActivities:
    """Activities bound to one database engine (sync: they run on the worker's thread pool)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name=RECORD_TASK_EVENT.name)
    def record_task_event(self, inp: RecordInput) -> bool:
        try:
            with session_scope(self.engine) as session:
                return record(session, inp)
        except Exception as err:
            if not is_bad_data(err):
                raise
            # Alert whoever runs the system, and refuse once: the workflow undoes the change.
            activity.logger.error("task %s event %s refused by the read model: %r",
                                  inp.task.id, inp.event.seq, err)
            raise ApplicationError(
                f"read model refused task {inp.task.id} event {inp.event.seq}: "
                f"{type(err).__name__}", type=BAD_DATA, non_retryable=True,
            ) from err
