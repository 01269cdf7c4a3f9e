"""An upgrade in the middle of a task's life: tasks started by the first TaskWorkflow (frozen in
legacy_task_workflow_v1) are picked up by a worker running today's code, which replays their
history, keeps their timers and carries them to the end."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.readmodel import ReadModelActivities
from domain.calendar import WorkingCalendar
from domain.lifecycle import Action, TaskState
from giaoviec.programs.worker import RUNNER, build_worker
from giaoviec.services.tasks import TaskService
from tests.replay.legacy_task_workflow_v1 import TaskWorkflow as LegacyTaskWorkflow
from tests.workflow.harness import draft, events, new_key, task_row, working_day_after
from workflows.contracts import CalendarConfig, Output

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "upgrade"


async def test_tasks_started_on_the_old_code_finish_on_the_new(
    env: WorkflowEnvironment, db: Engine
) -> None:
    service = TaskService(env.client, db, QUEUE, WorkingCalendar(), CalendarConfig())
    start = await env.get_current_time()
    # The old worker: no cache, so the new one must rebuild everything from history.
    async with Worker(env.client, task_queue=QUEUE, workflows=[LegacyTaskWorkflow],
                      activities=[ReadModelActivities(db).record_task_event],
                      workflow_runner=RUNNER, max_cached_workflows=0,
                      activity_executor=ThreadPoolExecutor(4)):
        waiting = await service.assign(
            "chutich", new_key(), draft(deadline=working_day_after(start, 6)), now=start)
        await service.act("snv.cb1", waiting.id, Action.ACCEPT)
        submitted = await service.assign(
            "chutich", new_key(), draft(deadline=working_day_after(start, 9)), now=start)
        await service.act("snv.cb1", submitted.id, Action.SUBMIT, output=Output("Báo cáo 1"))
    await env.sleep(timedelta(hours=1))
    async with build_worker(env.client, db, QUEUE):
        # The old task's reminder ladder goes on: three reminders and the overdue warning.
        await env.sleep(waiting.deadline + timedelta(hours=2) - await env.get_current_time())
        reminders = [e for e in events(db, waiting.id) if e.action == "remind"]
        assert len(reminders) == 4
        await service.act("snv.cb1", waiting.id, Action.SUBMIT, output=Output("Báo cáo 2"))
        done = await service.act("chutich", waiting.id, Action.APPROVE)
        assert done.state is TaskState.COMPLETED
        # New rules apply to old tasks: nobody approves his own work.
        returned = await service.act("chutich", submitted.id, Action.RETURN, note="Bổ sung")
        assert returned.state is TaskState.RETURNED
        await service.act("snv.cb1", submitted.id, Action.SUBMIT, output=Output("Báo cáo 1b"))
        finished = await service.act("chutich", submitted.id, Action.APPROVE)
        assert finished.state is TaskState.COMPLETED and finished.submitted_by == "snv.cb1"
    for task_id in (waiting.id, submitted.id):
        trail = events(db, task_id)
        assert [e.seq for e in trail] == list(range(1, len(trail) + 1))  # nothing lost, no twin
        assert task_row(db, task_id).state == TaskState.COMPLETED.value
