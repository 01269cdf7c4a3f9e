"""Telling every open task's workflow that the working calendar changed."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError

from domain.lifecycle import TERMINAL_STATES
from giaoviec.store.models import Task
from workflows.contracts import SIGNAL_OPEN_TASKS, CalendarConfig, workflow_id_for
from workflows.task import TaskWorkflow

PAGE = 500
IN_FLIGHT = 32


def _open_ids(engine: Engine, after: str) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(
            select(Task.id).where(col(Task.state).not_in([s.value for s in TERMINAL_STATES]),
                                  Task.id > after)
            .order_by(col(Task.id)).limit(PAGE)).all())


class CalendarActivities:
    def __init__(self, engine: Engine, client: Client | None) -> None:
        self.engine = engine
        self.client = client

    @activity.defn(name=SIGNAL_OPEN_TASKS.name)
    async def signal_open_tasks(self, config: CalendarConfig) -> int:
        """Page through the open tasks by id (resuming after a retry from the last page
        heartbeated) and signal each; a task closed meanwhile is skipped."""
        assert self.client is not None, "the worker builds this activity with its client"
        details = activity.info().heartbeat_details
        after, told = (str(details[0]), int(details[1])) if details else ("", 0)
        limit = asyncio.Semaphore(IN_FLIGHT)

        async def tell(task_id: str) -> int:
            async with limit:
                handle = self.client.get_workflow_handle(workflow_id_for(task_id))  # type: ignore[union-attr]
                try:
                    await handle.signal(TaskWorkflow.calendar_changed, config)
                except RPCError:  # closed since the page was read
                    return 0
                return 1

        while ids := await asyncio.to_thread(_open_ids, self.engine, after):
            told += sum(await asyncio.gather(*(tell(i) for i in ids)))
            after = ids[-1]
            activity.heartbeat(after, told)
        return told
