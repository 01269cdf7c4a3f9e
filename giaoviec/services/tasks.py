"""The task service: what the API (and the CLI) call to assign and act on tasks.

It looks up the organisation in the read model, checks the six "rõ" and the authority
rules, and then hands the change to the task's workflow, which has the last word.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.calendar import WorkingCalendar
from domain.errors import (
    Code,
    DomainError,
    FieldIssue,
    conflict,
    forbidden,
    illegal_transition,
    not_found,
    validation_error,
)
from domain.lifecycle import Action, Relation, TaskState, check_transition
from domain.org import Actor, can_assign, parse_roles, relations_to_task
from domain.task import OrgFacts, TaskDraft, validate_draft
from giaoviec.store.db import session_scope
from giaoviec.store.models import Official, Task, Unit
from workflows.contracts import (
    CalendarConfig,
    Command,
    Output,
    TaskRecord,
    TaskStart,
    workflow_id_for,
)
from workflows.task import TaskWorkflow

_TASK_NAMESPACE = uuid.UUID("6f1f3c52-6a53-4c1e-9a55-0c7b8e0f6a11")
UPDATE_TIMEOUT_SECONDS = 60


def task_id_for(assigner_id: str, client_key: str) -> str:
    """The same assigner and client key always name the same task: retries never duplicate."""
    return uuid.uuid5(_TASK_NAMESPACE, f"{assigner_id}\n{client_key}").hex


def request_hash(draft: TaskDraft) -> str:
    canonical = json.dumps(asdict(draft), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def unit_path(unit: Unit) -> tuple[str, ...]:
    return tuple(p for p in unit.path.split("/") if p)


def actor_of(session: Session, official: Official) -> Actor:
    unit = session.get(Unit, official.unit_id)
    path = unit_path(unit) if unit else (official.unit_id,)
    return Actor(official.id, path, parse_roles(official.roles))


def load_actor(session: Session, official_id: str) -> Actor:
    official = session.get(Official, official_id)
    if official is None or not official.active:
        raise not_found("Không tìm thấy cán bộ.")
    return actor_of(session, official)


def org_facts(session: Session, draft: TaskDraft) -> OrgFacts:
    lead = session.get(Unit, draft.lead_unit_id) if draft.lead_unit_id else None
    owner = session.get(Official, draft.owner_id) if draft.owner_id else None
    ids = [c.unit_id for c in draft.coordinators]
    known = set(session.exec(select(Unit.id).where(col(Unit.id).in_(ids))).all()) if ids else set()
    return OrgFacts(
        lead_unit_path=unit_path(lead) if lead else None,
        owner_unit_id=owner.unit_id if owner and owner.active else None,
        known_unit_ids=frozenset(known),
    )


def error_from_update(err: BaseException) -> DomainError:
    """Turn a refused Temporal update back into the domain error the workflow raised."""
    cause = getattr(err, "cause", None)
    if isinstance(cause, ApplicationError) and cause.type:
        fields: list[FieldIssue] = []
        if cause.details and isinstance(cause.details[0], list):
            fields = [FieldIssue(d["field"], d["code"], d["message"]) for d in cause.details[0]]
        return DomainError(cause.type, cause.message, fields)
    return DomainError(Code.CONFLICT, "Không thực hiện được thao tác, đề nghị thử lại.")


@dataclass
class TaskService:
    client: Client
    engine: Engine
    task_queue: str
    calendar: WorkingCalendar
    calendar_config: CalendarConfig

    # Assign -------------------------------------------------------------------------

    async def assign(
        self, assigner_id: str, client_key: str, draft: TaskDraft, *, now: datetime | None = None
    ) -> TaskRecord:
        now = now or datetime.now(UTC)
        if not client_key.strip():
            raise validation_error([FieldIssue(
                "clientKey", "MISSING_CLIENT_KEY", "Thiếu mã yêu cầu (clientKey).")])
        task_id = task_id_for(assigner_id, client_key)
        digest = request_hash(draft)
        existing, deadline, actor = await asyncio.to_thread(
            self._prepare_assign, assigner_id, task_id, digest, draft, now
        )
        if existing is not None:
            return await self._existing(existing, digest)
        assert deadline is not None
        record = TaskRecord(
            id=task_id, client_key=client_key, request_hash=digest,
            title=draft.title.strip(), description=(draft.description or "").strip(),
            basis=(draft.basis or "").strip(), lead_unit_id=draft.lead_unit_id,
            owner_id=draft.owner_id, assigner_id=actor.id, product=draft.product,  # type: ignore[arg-type]
            deadline=deadline, original_deadline=deadline, created_at=now,
            coordinators=list(draft.coordinators), milestones=list(draft.milestones),
        )
        try:
            handle = await self.client.start_workflow(
                TaskWorkflow.run,
                TaskStart(record=record, calendar=self.calendar_config),
                id=workflow_id_for(task_id),
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            # Its workflow has already closed: the read model has the final word.
            row = await asyncio.to_thread(self._task_row, task_id)
            if row is None:
                raise conflict("Mã yêu cầu (clientKey) này đã được dùng.") from None
            return await self._existing(row, digest)
        created = await asyncio.wait_for(
            handle.execute_update(TaskWorkflow.created), UPDATE_TIMEOUT_SECONDS
        )
        if created.request_hash != digest:
            raise conflict("Mã yêu cầu (clientKey) đã được dùng cho một nhiệm vụ khác.")
        return created

    def _prepare_assign(
        self, assigner_id: str, task_id: str, digest: str, draft: TaskDraft, now: datetime
    ) -> tuple[Task | None, datetime | None, Actor]:
        with session_scope(self.engine) as session:
            actor = load_actor(session, assigner_id)
            existing = session.get(Task, task_id)
            if existing is not None:
                return existing, None, actor
            deadline = validate_draft(draft, actor, org_facts(session, draft), self.calendar, now)
            return None, deadline, actor

    async def _existing(self, row: Task, digest: str) -> TaskRecord:
        if row.request_hash and row.request_hash != digest:
            raise conflict("Mã yêu cầu (clientKey) đã được dùng cho một nhiệm vụ khác.")
        return await self.record(row.id)

    def _task_row(self, task_id: str) -> Task | None:
        with session_scope(self.engine) as session:
            return session.get(Task, task_id)

    async def record(self, task_id: str) -> TaskRecord:
        """The workflow's own view of a task (running or closed)."""
        handle = self.client.get_workflow_handle(workflow_id_for(task_id))
        return await handle.query(TaskWorkflow.view)

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
    ) -> TaskRecord:
        cmd = Command(
            action=action, actor_id=actor_id, relations=[], note=note, percent=percent,
            output=output, new_deadline=new_deadline, approve=approve,
            new_owner_id=new_owner_id, new_lead_unit_id=new_lead_unit_id,
        )
        cmd.relations = await asyncio.to_thread(self._check_act, cmd, task_id)
        handle = self.client.get_workflow_handle(workflow_id_for(task_id))
        try:
            return await asyncio.wait_for(
                handle.execute_update(TaskWorkflow.act, cmd), UPDATE_TIMEOUT_SECONDS
            )
        except WorkflowUpdateFailedError as err:
            raise error_from_update(err) from None
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise illegal_transition("Nhiệm vụ đã kết thúc, không thể thay đổi.") from None
            raise

    def _check_act(self, cmd: Command, task_id: str) -> list[Relation]:
        """Who the actor is to this task, and the checks that need the organisation."""
        with session_scope(self.engine) as session:
            row = session.get(Task, task_id)
            if row is None:
                raise not_found("Không tìm thấy nhiệm vụ.")
            actor = load_actor(session, cmd.actor_id)
            assigner = session.get(Official, row.assigner_id)
            relations = relations_to_task(
                actor, owner_id=row.owner_id, lead_unit_id=row.lead_unit_id,
                assigner=actor_of(session, assigner) if assigner else None,
            )
            # Fail fast on the read model; the workflow re-checks against its own state.
            check_transition(
                cmd.action, TaskState(row.state), relations,
                resume_to=TaskState.IN_PROGRESS,
                has_pending_extension=row.extension_requested_deadline is not None,
            )
            if cmd.action is Action.REASSIGN:
                self._check_reassign(session, actor, row, cmd)
            if cmd.action is Action.REQUEST_EXTENSION and cmd.new_deadline is not None and (
                cmd.new_deadline <= datetime.now(UTC)
            ):
                raise validation_error([FieldIssue(
                    "newDeadline", "DEADLINE_IN_PAST", "Thời hạn đề nghị đã qua.", "rõ thời gian")])
            return sorted(relations)

    @staticmethod
    def _check_reassign(session: Session, actor: Actor, row: Task, cmd: Command) -> None:
        unit_id = cmd.new_lead_unit_id or row.lead_unit_id
        unit = session.get(Unit, unit_id)
        owner = session.get(Official, cmd.new_owner_id) if cmd.new_owner_id else None
        issues: list[FieldIssue] = []
        if unit is None:
            issues.append(FieldIssue("leadUnitId", "UNKNOWN_LEAD_UNIT",
                                     "Không tìm thấy đơn vị chủ trì.", "rõ người"))
        if owner is None or not owner.active:
            issues.append(FieldIssue("ownerId", "UNKNOWN_OWNER",
                                     "Không tìm thấy người chịu trách nhiệm chính.", "rõ người"))
        elif owner.unit_id != unit_id:
            issues.append(FieldIssue("ownerId", "OWNER_NOT_IN_LEAD_UNIT",
                                     "Người chịu trách nhiệm chính phải thuộc đơn vị chủ trì.",
                                     "rõ người"))
        if issues:
            raise validation_error(issues)
        assert unit is not None
        if not can_assign(actor, unit_path(unit)):
            raise forbidden("Người giao lại không có thẩm quyền đối với đơn vị chủ trì mới.")
