"""Changes on a task that carry down to its sub-tasks (domain.subtasks), for task workflows
started before their workflow did it itself (`TaskRecord.carries_down`; now the
`carry_down` activity, activities/cascade.py): cancelling a task cancels its open sub-tasks,
deepest first, before the task itself — a crash half-way leaves the task open, and a retry of
the same cancellation finishes the rest; an approved extension shifts them by as many working
days, when the one who grants it asks for it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from domain.commands import validate
from domain.errors import Code, DomainError
from domain.lifecycle import Action
from domain.record import Command
from domain.subtasks import carried_relations, cascade_note, shifted_deadline
from giaoviec.reads import read
from giaoviec.reads.subtasks import open_subtasks

if TYPE_CHECKING:
    from giaoviec.services.tasks import TaskService


async def _open_children(service: TaskService, task_id: str) -> list[tuple[str, datetime]]:
    rows = await asyncio.to_thread(read, service.engine, lambda s: open_subtasks(s, task_id))
    return [(r.id, r.deadline) for r in rows]


async def _carry(service: TaskService, task_id: str, cmd: Command) -> None:
    """Run a carried-down command; a sub-task closed meanwhile needs nothing more."""
    try:
        await service.execute(task_id, cmd)
    except DomainError as err:
        if err.code != Code.ILLEGAL_TRANSITION:
            raise


async def cancel_subtasks(service: TaskService, task_id: str, cmd: Command) -> None:
    children = await _open_children(service, task_id)
    if not children:
        return
    parent = await service.record(task_id)
    validate(parent, cmd, datetime.now(UTC))  # the task itself may be cancelled, or nothing is
    for child_id, _ in children:
        await _carry(service, child_id, Command(
            Action.CANCEL, cmd.actor_id, carried_relations(set(cmd.relations)),
            note=cascade_note("Hủy", parent.title, cmd.note)))


async def shift_subtasks(service: TaskService, task_id: str, cmd: Command,
                         old: datetime, new: datetime) -> None:
    children = await _open_children(service, task_id)
    if not children:
        return
    parent = await service.record(task_id)
    for child_id, deadline in children:
        target = shifted_deadline(deadline, old, new, service.calendar)
        if target <= deadline:
            continue
        await _carry(service, child_id, Command(
            Action.SHIFT_DEADLINE, cmd.actor_id, carried_relations(set(cmd.relations)),
            note=cascade_note("Dời hạn", parent.title, None), new_deadline=target))
        await shift_subtasks(service, child_id, cmd, deadline, target)
