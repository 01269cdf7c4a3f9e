"""The activity behind RecurringRunWorkflow: which occurrences of a recurring duty are due to
open; the first record of each unit's task not yet started — claimed under a client key
derived from the rule, the period and the unit, so every rerun finds the same task — and the
start of its TaskWorkflow (an existing one is left as it is)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from domain.calendar import WorkingCalendar
from domain.errors import DomainError
from domain.record import new_record
from domain.recurrence import (
    Occurrence,
    RuleWindow,
    from_json,
    occurrence_key,
    task_title,
    to_open,
)
from domain.rule_state import paused_spans
from domain.task import DeadlineSpec, Product, TaskDraft, validate_draft
from giaoviec.config import Settings
from giaoviec.reads.calendar import current_calendar
from giaoviec.reads.org import load_actor, org_facts, unit_heads
from giaoviec.store.db import session_scope
from giaoviec.store.models import RecurringRule, RecurringRuleEvent, Task, TaskRequest
from workflows.contracts import (
    OPEN_OCCURRENCES,
    CalendarConfig,
    OccurrencesOpened,
    RecurringAsOf,
    TaskStart,
    workflow_id_for,
)
from workflows.task import TaskWorkflow


def rule_window(session: Session, rule: RecurringRule) -> RuleWindow:
    events = session.exec(select(RecurringRuleEvent.action, RecurringRuleEvent.at).where(
        RecurringRuleEvent.rule_id == rule.id,
        col(RecurringRuleEvent.action).in_(["pause", "resume"]))).all()
    return RuleWindow(rule.starts_on, rule.ends_on, rule.ended_at,
                      tuple(paused_spans((a, t) for a, t in events)), rule.created_at)


def _draft(rule: RecurringRule, occ: Occurrence, unit_id: str, owner_id: str) -> TaskDraft:
    return TaskDraft(
        title=task_title(rule.title, occ), description=rule.description, lead_unit_id=unit_id,
        owner_id=owner_id, basis=rule.basis, deadline=DeadlineSpec(on_date=occ.due),
        product=Product(rule.product_kind, rule.product_description, rule.product_measure),
    )


def _digest(draft: TaskDraft, rule_id: str, period: str) -> str:
    text = json.dumps([rule_id, period, draft.lead_unit_id, draft.owner_id, draft.title],
                      ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class RecurringActivities:
    def __init__(self, engine: Engine, settings: Settings,
                 calendar: WorkingCalendar | None = None, client: Client | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.client = client
        self.calendar = calendar  # None: the calendar as it stands at each run

    def _calendar(self, session: Session) -> tuple[WorkingCalendar, CalendarConfig]:
        if self.calendar is not None:
            return self.calendar, CalendarConfig(
                sorted(self.calendar.overrides.extra_days_off),
                sorted(self.calendar.overrides.extra_working_days))
        return current_calendar(self.settings, session)

    @activity.defn(name=OPEN_OCCURRENCES.name)
    async def open_occurrences(self, request: RecurringAsOf) -> OccurrencesOpened:
        if self.client is None:
            raise ApplicationError("open_occurrences needs a Temporal client", type="CONFIG",
                                   non_retryable=True)
        starts = await asyncio.to_thread(self.prepare, request)
        opened: list[str] = []
        for start in starts:
            try:
                await self.client.start_workflow(
                    TaskWorkflow.run, start, id=workflow_id_for(start.record.id),
                    task_queue=activity.info().task_queue,
                    id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
            except WorkflowAlreadyStartedError:
                continue  # started and already closed: nothing to do
            opened.append(start.record.id)
        return OccurrencesOpened(opened)

    def prepare(self, request: RecurringAsOf) -> list[TaskStart]:
        """The first records of the tasks still to start."""
        with session_scope(self.engine) as session:
            rule = session.get(RecurringRule, request.rule_id)
            if rule is None or rule.state != "active":
                return []
            calendar = self._calendar(session)
            occurrences = to_open(from_json(rule.recurrence), rule_window(session, rule),
                                  request.as_of, calendar[0])
            if not occurrences:
                return []
            started = set(session.exec(select(Task.period, Task.lead_unit_id).where(
                Task.rule_id == rule.id)).all())
            starts: list[TaskStart] = []
            for occ in occurrences:
                for unit_id in json.loads(rule.unit_ids):
                    if (occ.key, unit_id) not in started:
                        start = self._start(session, rule, occ, unit_id, request.as_of,
                                            calendar)
                        if start is not None:
                            starts.append(start)
            return starts

    def _start(self, session: Session, rule: RecurringRule, occ: Occurrence, unit_id: str,
               now: datetime, calendar: tuple[WorkingCalendar, CalendarConfig],
               ) -> TaskStart | None:
        """The unit's task of this occurrence: its head owns it, the rule's creator assigns it,
        checked on all six "rõ" as if assigned by hand. A unit it cannot go to (no head any
        more, the creator's authority gone) is recorded in the rule's trail, once."""
        heads = unit_heads(session, unit_id)
        draft = _draft(rule, occ, unit_id, heads[0] if heads else "")
        try:
            creator = load_actor(session, rule.creator_id)
            # Judged as of its opening: a run catching up after an outage still assigns it,
            # late, rather than lose it.
            deadline = validate_draft(draft, creator, org_facts(session, unit_id, draft.owner_id),
                                      calendar[0], min(now, occ.opens_at))
        except DomainError as err:
            self._skipped(session, rule, occ, unit_id, now, err)
            return None
        key = occurrence_key(rule.id, occ.key, unit_id)
        digest = _digest(draft, rule.id, occ.key)
        claim = session.get(TaskRequest, (rule.creator_id, key))
        if claim is None:
            claim = TaskRequest(assigner_id=rule.creator_id, client_key=key,
                                task_id=uuid.uuid4().hex, request_hash=digest, created_at=now)
            try:
                with session.begin_nested():
                    session.add(claim)
            except IntegrityError:  # claimed meanwhile by a concurrent run
                claim = session.get(TaskRequest, (rule.creator_id, key))
                assert claim is not None
        record = new_record(claim.task_id, key, claim.request_hash, draft, rule.creator_id,
                            deadline, now, rule_id=rule.id, period=occ.key)
        return TaskStart(record=record, calendar=calendar[1])

    @staticmethod
    def _skipped(session: Session, rule: RecurringRule, occ: Occurrence, unit_id: str,
                 now: datetime, err: DomainError) -> None:
        dedup = f"skip:{occ.key}:{unit_id}"
        if session.exec(select(RecurringRuleEvent.id).where(
                RecurringRuleEvent.rule_id == rule.id,
                RecurringRuleEvent.dedup_key == dedup)).first() is not None:
            return
        reasons = "; ".join(f.message for f in err.fields) or err.message
        session.add(RecurringRuleEvent(
            rule_id=rule.id, at=now, action="skip", dedup_key=dedup,
            note=f"Không giao được nhiệm vụ {occ.label} cho đơn vị {unit_id}: {reasons}"[:2000]))
