"""The task service: what the API (and the programs) call to assign and act on tasks.

It looks up the organisation in the read model, asks `domain` whether the change may happen
and who the actor is to the task, and hands the change to the task's workflow, which has the
last word on the task's own state.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.authority import OrgFacts, is_stale, standing
from domain.calendar import WorkingCalendar
from domain.errors import (
    Code,
    DomainError,
    conflict,
    illegal_transition,
    not_found,
    unavailable,
)
from domain.inputs import check_client_key
from domain.lifecycle import Action
from domain.org import Actor, relations_to_task
from domain.record import new_record
from domain.substitution import acting_for, signed_as
from domain.subtasks import check_submit
from domain.task import TaskDraft, validate_draft, validate_reassignment
from domain.timezone import local_date
from giaoviec.observability import logs
from giaoviec.reads import read
from giaoviec.reads.org import draft_facts, load_actor, org_facts, task_parties
from giaoviec.reads.records import recorded
from giaoviec.reads.substitutes import standing_in_for
from giaoviec.reads.subtasks import open_subtasks
from giaoviec.reads.visibility import can_read
from giaoviec.services import cascade
from giaoviec.services.temporal_away import reaching_temporal
from giaoviec.store.db import session_scope
from giaoviec.store.models import Official, Task, TaskRequest
from workflows.contracts import (
    CalendarConfig,
    Command,
    Output,
    TaskRecord,
    TaskStart,
    from_failure,
    workflow_id_for,
)
from workflows.task import TaskWorkflow

UPDATE_TIMEOUT_SECONDS = 60
log = logging.getLogger(__name__)
# A command refused because the task changed under it is read again and sent afresh.
STALE_ATTEMPTS = 3


def new_task_id() -> str:
    """Random, so nobody outside can guess a task's id (idempotency rests on TaskRequest)."""
    return uuid.uuid4().hex


def request_hash(draft: TaskDraft, parent_id: str | None = None) -> str:
    """What tells a true retry from a reused key: the draft (and the task it is split from)."""
    fields = asdict(draft) if parent_id is None else {**asdict(draft), "parent_id": parent_id}
    canonical = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def refusal(err: BaseException) -> DomainError:
    """The domain refusal a failed update carries, or a plain "try again"."""
    return from_failure(err) or DomainError(
        Code.CONFLICT, "Không thực hiện được thao tác, đề nghị thử lại.")


CalendarSource = Callable[[], tuple[WorkingCalendar, CalendarConfig]]
CALENDAR_TTL_SECONDS = 60.0


@dataclass
class TaskService:
    client: Client
    engine: Engine
    task_queue: str
    calendar: WorkingCalendar
    calendar_config: CalendarConfig
    # Where the calendar stands now (the file's overrides and the stored ones). An admin may
    # change the stored ones through another API process: the API asks for a fresh calendar
    # with every request, which reads them again at most once a CALENDAR_TTL_SECONDS.
    calendar_source: CalendarSource | None = None
    _calendar_read_at: float = field(default_factory=time.monotonic, init=False, repr=False)

    async def fresh_calendar(self) -> WorkingCalendar:
        if (self.calendar_source is not None
                and time.monotonic() - self._calendar_read_at >= CALENDAR_TTL_SECONDS):
            self.calendar, self.calendar_config = await asyncio.to_thread(self.calendar_source)
            self._calendar_read_at = time.monotonic()
        return self.calendar

    # Assign -------------------------------------------------------------------------

    async def assign(
        self, assigner_id: str, client_key: str, draft: TaskDraft, *, now: datetime | None = None,
        parent_id: str | None = None,
    ) -> TaskRecord:
        """Start the task's workflow and wait until its assignment is in the read model, in one
        round trip (update-with-start). The same assigner and client key always give the same
        task: the first request claims the key; a retry finds the claim and its task."""
        now = now or datetime.now(UTC)
        key = check_client_key(client_key)
        digest = request_hash(draft, parent_id)
        task_id, record = await asyncio.to_thread(
            self._prepare_assign, assigner_id, key, digest, draft, now, parent_id)
        logs.for_task(task_id)
        with reaching_temporal(retry_safe=True):  # the claim makes the same request safe
            if record is None:  # a retry whose task is already recorded
                return await self.record(task_id)
            created = await self.start(record)
        if created.request_hash != digest:
            raise conflict("Mã yêu cầu (clientKey) đã được dùng cho một nhiệm vụ khác.")
        log.info("task assigned", extra={"actor": assigner_id, "state": created.state.value})
        return created

    async def start(self, record: TaskRecord) -> TaskRecord:
        """Start a task's workflow, or find the one already started with its id, and answer once
        its assignment is in the read model (update-with-start, in one round trip). With
        Temporal away: UNAVAILABLE, the same again safe (the workflow id is the task's)."""
        start = WithStartWorkflowOperation(
            TaskWorkflow.run, TaskStart(record=record, calendar=self.calendar_config),
            id=workflow_id_for(record.id), task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        with reaching_temporal(retry_safe=True):
            try:
                return await asyncio.wait_for(
                    self.client.execute_update_with_start_workflow(
                        TaskWorkflow.created, start_workflow_operation=start),
                    UPDATE_TIMEOUT_SECONDS,
                )
            except WorkflowAlreadyStartedError:
                # Its workflow has already closed: the read model has the final word.
                return await self.record(record.id)
            except WorkflowUpdateFailedError as err:
                raise refusal(err) from None

    def _prepare_assign(
        self, assigner_id: str, key: str, digest: str, draft: TaskDraft, now: datetime,
        parent_id: str | None = None,
    ) -> tuple[str, TaskRecord | None]:
        """Claim the key (or find the earlier claim) and build the task's first record."""
        with session_scope(self.engine) as session:
            actor = load_actor(session, assigner_id)
            claim = session.get(TaskRequest, (actor.id, key))
            if claim is None:
                deadline = validate_draft(draft, actor, draft_facts(session, draft),
                                          self.calendar, now)
                claim = self._claim(actor, key, digest, now)
            else:
                if claim.request_hash != digest:
                    raise conflict("Mã yêu cầu (clientKey) đã được dùng cho một nhiệm vụ khác.")
                if session.get(Task, claim.task_id) is not None:
                    return claim.task_id, None
                deadline = validate_draft(draft, actor, draft_facts(session, draft),
                                          self.calendar, now)
        return claim.task_id, new_record(claim.task_id, key, digest, draft, actor.id, deadline,
                                         now, parent_id=parent_id)

    def _claim(self, actor: Actor, key: str, digest: str, now: datetime) -> TaskRequest:
        """Insert the claim in its own transaction; a concurrent twin that won keeps its own."""
        try:
            with session_scope(self.engine) as session:
                claim = TaskRequest(assigner_id=actor.id, client_key=key, task_id=new_task_id(),
                                    request_hash=digest, created_at=now)
                session.add(claim)
            return claim
        except IntegrityError:
            with session_scope(self.engine) as session:
                found = session.get(TaskRequest, (actor.id, key))
                assert found is not None
                if found.request_hash != digest:
                    raise conflict(
                        "Mã yêu cầu (clientKey) đã được dùng cho một nhiệm vụ khác.") from None
                return found

    async def record(self, task_id: str) -> TaskRecord:
        """The workflow's own view of a task (running or closed); once its workflow is gone
        (past the retention of closed workflows), the read model's."""
        handle = self.client.get_workflow_handle(workflow_id_for(task_id))
        try:
            return await handle.query(TaskWorkflow.view)
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
        return await asyncio.to_thread(read, self.engine, lambda s: recorded(s, task_id))

    # Act ----------------------------------------------------------------------------

    async def act(
        self,
        actor_id: str,
        task_id: str,
        action: Action,
        *,
        note: str | None = None,
        percent: int | None = None,
        output: Output | None = None,
        new_deadline: datetime | None = None,
        approve: bool | None = None,
        new_owner_id: str | None = None,
        new_lead_unit_id: str | None = None,
        shift_subtasks: bool = False,
        client_key: str | None = None,
    ) -> TaskRecord:
        """Check the command against the read model (the fast answer) and send it with the
        organisation's facts; the workflow decides on its own state. Should the task change in
        between (the facts are stale), read again and ask afresh. `client_key` names the
        request (changeDeadline): the same again changes nothing."""
        key = check_client_key(client_key) if client_key is not None else None
        for attempt in range(STALE_ATTEMPTS):
            cmd = Command(
                action=action, actor_id=actor_id, relations=[], note=note, percent=percent,
                output=output, new_deadline=new_deadline, approve=approve,
                new_owner_id=new_owner_id, new_lead_unit_id=new_lead_unit_id, client_key=key,
            )
            try:
                await asyncio.to_thread(self.prepare, cmd, task_id)
            except OperationalError:  # the database is away: say so, nothing was changed
                raise unavailable() from None
            try:
                return await self.execute(task_id, cmd, shift_subtasks=shift_subtasks)
            except DomainError as err:
                if not is_stale(err) or attempt == STALE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def execute(self, task_id: str, cmd: Command, *, shift_subtasks: bool = False
                      ) -> TaskRecord:
        """Run a command whose relations are known. A cancellation cancels the open sub-tasks;
        an approved extension may shift them (domain.subtasks): the task's workflow does it
        itself, durably, before it answers. For a workflow started before it could
        (`carries_down` false) this process still does, as it always did: cancelling the
        sub-tasks first (so a retry finishes what a crash interrupted), shifting after.
        With Temporal away: UNAVAILABLE — the same again is safe for a command naming itself
        (client key); any other may have been done."""
        logs.for_task(task_id)
        with reaching_temporal(retry_safe=cmd.request is not None):
            return await self._execute(task_id, cmd, shift_subtasks)

    async def _execute(self, task_id: str, cmd: Command, shift_subtasks: bool) -> TaskRecord:
        cmd.shift_subtasks = cmd.shift_subtasks or shift_subtasks
        before = (await self.record(task_id)
                  if cmd.action is Action.CANCEL or cmd.shift_subtasks else None)
        legacy = before is not None and not before.carries_down
        if legacy and cmd.action is Action.CANCEL:
            await cascade.cancel_subtasks(self, task_id, cmd)
        handle = self.client.get_workflow_handle(workflow_id_for(task_id))
        try:
            after = await asyncio.wait_for(
                handle.execute_update(TaskWorkflow.act, cmd), UPDATE_TIMEOUT_SECONDS
            )
        except WorkflowUpdateFailedError as err:
            raise refusal(err) from None
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise illegal_transition("Nhiệm vụ đã kết thúc, không thể thay đổi.") from None
            raise
        if (legacy and before is not None and cmd.shift_subtasks
                and after.deadline > before.deadline):
            await cascade.shift_subtasks(self, task_id, cmd, before.deadline, after.deadline)
        log.info("task command done", extra={"action": cmd.action.value, "actor": cmd.actor_id,
                                             "state": after.state.value})
        return after

    def prepare(self, cmd: Command, task_id: str) -> None:
        """Who the actor is to this task as the read model has it (the fast answer), the
        checks that need the organisation, and the organisation's facts the workflow decides
        on (domain.authority), with the lead unit and assigner they were read against.
        Whoever may not read the task hears it does not exist. A substitute acts with the
        relations of the official he stands in for today, and the command says so
        (domain.substitution)."""
        with session_scope(self.engine) as session:
            actor = load_actor(session, cmd.actor_id)
            row = session.get(Task, task_id)
            principals = standing_in_for(session, actor.id, local_date(datetime.now(UTC)))
            if row is None or not can_read(session, actor, row, [p for p, _ in principals]):
                raise not_found("Không tìm thấy nhiệm vụ.")
            parties = task_parties(session, row)
            person = session.get(Official, actor.id)
            cmd.actor_name = person.full_name if person else None
            own = relations_to_task(actor, parties)
            theirs = [(p.id, relations_to_task(p, parties)) for p, _ in principals]
            relations, for_whom = acting_for(own, theirs)
            acting = actor
            if for_whom is not None:
                acting, official = next((p, o) for p, o in principals if p.id == for_whom)
                cmd.on_behalf_of = for_whom
                cmd.signed_as = signed_as(acting, official.title, official.full_name, actor)
            if cmd.action is Action.REASSIGN and cmd.new_owner_id:
                self._check_reassign(session, acting, row, cmd)
            if cmd.action is Action.SUBMIT:
                check_submit(len(open_subtasks(session, task_id)), relations, cmd.note)
            cmd.relations = sorted(relations)
            cmd.org = OrgFacts(row.lead_unit_id, row.assigner_id, standing(actor.id, own),
                               [standing(pid, rels) for pid, rels in theirs])

    @staticmethod
    def _check_reassign(session: Session, actor: Actor, row: Task, cmd: Command) -> None:
        lead = cmd.new_lead_unit_id or row.lead_unit_id
        owner = cmd.new_owner_id or ""
        validate_reassignment(actor, lead, owner, org_facts(session, lead, owner))
