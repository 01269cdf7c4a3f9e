"""Checking an assignment without making it: the same `domain.task.validate_draft` the task
service runs before it starts a task, answered as the list of problems (empty when the
assignment would be accepted), so a form can check the six "rõ" as the assigner types."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from domain.errors import DomainError, FieldIssue
from domain.inputs import client_key_issue
from domain.task import TaskDraft, validate_draft
from giaoviec.reads import read
from giaoviec.reads.org import draft_facts, load_actor
from giaoviec.services.tasks import TaskService


def _check(service: TaskService, assigner_id: str, client_key: str | None, draft: TaskDraft,
           now: datetime) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    if client_key is not None and (issue := client_key_issue(client_key)) is not None:
        issues.append(issue)

    def run(session) -> None:  # noqa: ANN001
        actor = load_actor(session, assigner_id)
        validate_draft(draft, actor, draft_facts(session, draft), service.calendar, now)

    try:
        read(service.engine, run)
    except DomainError as err:
        if not err.fields:
            raise
        issues += err.fields
    return issues


async def check_assignment(service: TaskService, assigner_id: str, client_key: str | None,
                           draft: TaskDraft, now: datetime | None = None) -> list[FieldIssue]:
    """Every problem `assign` would refuse the draft for (VALIDATION fields, or the field
    naming a missing authority), without claiming the key or starting anything."""
    return await asyncio.to_thread(_check, service, assigner_id, client_key, draft,
                                   now or datetime.now(UTC))
