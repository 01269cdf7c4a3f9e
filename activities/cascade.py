"""Carrying a parent's change down to its open sub-tasks, run by the parent's workflow as an
activity (durable: a worker that dies half-way is followed by a retry that finishes the rest).

Idempotent: a sub-task already cancelled refuses the cancellation again (skipped); a shift names
the parent's event that caused it, and a sub-task whose trail already has it is not shifted
twice. A sub-task's own workflow carries the change on to its own sub-tasks before it answers.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.calendar import WorkingCalendar
from domain.errors import Code
from domain.subtasks import carried_command
from giaoviec.reads.subtasks import open_subtasks
from giaoviec.store.models import TaskEvent
from workflows.contracts import (
    CARRY_DOWN,
    CarryDown,
    Command,
    TaskRecord,
    from_failure,
    workflow_id_for,
)
from workflows.task import TaskWorkflow

# Refusals that mean "nothing to do here" (closed meanwhile, a shift no longer later).
SKIPPED = frozenset({Code.ILLEGAL_TRANSITION, Code.VALIDATION, Code.FORBIDDEN})


def _open_children(engine: Engine, req: CarryDown) -> list[tuple[str, datetime, bool]]:
    """Each open sub-task, its deadline, and whether this cause already reached it."""
    with Session(engine) as session:
        children = open_subtasks(session, req.parent_id)
        done = {e.task_id for e in session.exec(select(TaskEvent).where(
            col(TaskEvent.task_id).in_([c.id for c in children]),
            col(TaskEvent.data).contains(req.cause))).all()
            if json.loads(e.data or "{}").get("cause") == req.cause}
        return [(c.id, c.deadline, c.id in done) for c in children]


class CascadeActivities:
    def __init__(self, engine: Engine, calendar: WorkingCalendar | None,
                 client: Client | None) -> None:
        self.engine = engine
        self.calendar = calendar or WorkingCalendar()
        self.client = client

    @activity.defn(name=CARRY_DOWN.name)
    async def carry_down(self, req: CarryDown) -> int:
        """Carry the change to every open sub-task; how many it changed."""
        changed = 0
        for child_id, deadline, done in await asyncio.to_thread(
                _open_children, self.engine, req):
            cmd = None if done else carried_command(req, deadline, self.calendar)
            if cmd is None:
                continue
            after = await self._send(child_id, cmd)
            activity.heartbeat(child_id)
            if after is None:
                continue
            changed += 1
            if not after.carries_down:  # a workflow from before: carry it on from here
                nxt = CarryDown(child_id, after.title, f"{child_id}#{after.seq}", req.action,
                                req.actor_id, req.relations, req.note, deadline, after.deadline)
                changed += await self.carry_down(nxt)
        return changed

    async def _send(self, child_id: str, cmd: Command) -> TaskRecord | None:
        assert self.client is not None, "the worker builds this activity with its client"
        handle = self.client.get_workflow_handle(workflow_id_for(child_id))
        try:
            return await handle.execute_update(TaskWorkflow.act, cmd)
        except WorkflowUpdateFailedError as err:
            refused = from_failure(err)
            if refused is not None and refused.code in SKIPPED:
                activity.logger.info("sub-task %s: %s not carried: %s", child_id,
                                     cmd.action, refused.message)
                return None
            raise ApplicationError(f"sub-task {child_id} not reached: {err}") from err
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:  # closed and gone
                return None
            raise

