"""Splitting a task into sub-tasks: every part checked first (its six "rõ", inside the lead
unit, due no later than the task), then each assigned as a task of its own, linked to its
parent, under its own client key — a retry after a crash assigns only what is missing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlmodel import Session

from domain.calendar import WorkingCalendar
from domain.errors import DomainError, FieldIssue, not_found, validation_error
from domain.inputs import check_client_key
from domain.lifecycle import TaskState
from domain.org import Actor, path_ids, relations_to_task
from domain.record import TaskRecord
from domain.subtasks import Parent, Part, check_parts, check_splitter, subtask_basis
from domain.task import TaskDraft, validate_draft
from giaoviec.reads.org import draft_facts, load_actor, task_parties
from giaoviec.reads.subtasks import ancestors
from giaoviec.reads.visibility import can_read
from giaoviec.services.tasks import TaskService
from giaoviec.store.db import session_scope
from giaoviec.store.models import Task


@dataclass(frozen=True)
class SubtaskPart:
    client_key: str
    draft: TaskDraft


@dataclass
class SubtaskService:
    tasks: TaskService

    async def split(self, actor_id: str, parent_id: str, parts: list[SubtaskPart], *,
                    now: datetime | None = None) -> list[TaskRecord]:
        now = now or datetime.now(UTC)
        keys = [check_client_key(p.client_key) for p in parts]
        if len(set(keys)) < len(keys):
            raise validation_error([FieldIssue("parts", "DUPLICATE_CLIENT_KEY",
                                               "Mỗi nhiệm vụ con cần một mã yêu cầu riêng.")],
                                   "Nhiệm vụ con")
        drafts = await asyncio.to_thread(self._check, actor_id, parent_id, parts, now)
        return [await self.tasks.assign(actor_id, key, draft, now=now, parent_id=parent_id)
                for key, draft in zip(keys, drafts, strict=True)]

    def _check(self, actor_id: str, parent_id: str, parts: list[SubtaskPart],
               now: datetime) -> list[TaskDraft]:
        """The parts as they will be assigned (a part with no basis rests on its parent's), once
        the splitter, the task and every part pass."""
        with session_scope(self.tasks.engine) as session:
            actor = load_actor(session, actor_id)
            row = session.get(Task, parent_id)
            if row is None or not can_read(session, actor, row):
                raise not_found("Không tìm thấy nhiệm vụ.")
            parent = Parent(row.id, row.title, TaskState(row.state),
                            path_ids(row.lead_unit_path), row.deadline,
                            len(ancestors(session, row)))
            check_splitter(actor, parent, relations_to_task(actor, task_parties(session, row)))
            drafts = [replace(p.draft, basis=subtask_basis(p.draft.basis, row.basis))
                      for p in parts]
            check_parts(parent, [_part(session, actor, d, self.tasks.calendar, now)
                                 for d in drafts])
        return drafts


def _part(session: Session, actor: Actor, draft: TaskDraft, calendar: WorkingCalendar,
          now: datetime) -> Part:
    facts = draft_facts(session, draft)
    try:
        return Part(facts.lead_unit_path, validate_draft(draft, actor, facts, calendar, now))
    except DomainError as err:
        return Part(facts.lead_unit_path, None, err.fields)
