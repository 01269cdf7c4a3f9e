"""An upgrade in the middle of a task's life: tasks started by the first TaskWorkflow (frozen in
legacy_task_workflow_v1) are picked up by a worker running today's code, which replays their
history, keeps their timers and carries them to the end."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.readmodel import ReadModelActivities
from domain.calendar import WorkingCalendar
from domain.lifecycle import Action, TaskState
from giaoviec.programs.temporal import DATA_CONVERTER
from giaoviec.programs.worker import RUNNER, WORKFLOWS, build_worker
from giaoviec.services.tasks import TaskService
from tests.replay.legacy_task_workflow_v1 import TaskWorkflow as LegacyTaskWorkflow
from tests.workflow.harness import draft, events, new_key, task_row, working_day_after
from workflows.contracts import (
    RECORD_TASK_EVENT,
    CalendarConfig,
    Output,
    RecordInput,
    workflow_id_for,
)
from workflows.task import LATER_CHANGE_STANDS_PATCH

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "upgrade"


def old_worker(env: WorkflowEnvironment, db: Engine, queue: str) -> Worker:
    """A worker running the frozen v1 task workflow, with no cache: the new one must rebuild
    everything from history."""
    return Worker(env.client, task_queue=queue, workflows=[LegacyTaskWorkflow],
                  activities=[ReadModelActivities(db).record_task_event],
                  workflow_runner=RUNNER, max_cached_workflows=0,
                  activity_executor=ThreadPoolExecutor(4))


async def test_tasks_started_on_the_old_code_finish_on_the_new(
    env: WorkflowEnvironment, db: Engine
) -> None:
    service = TaskService(env.client, db, QUEUE, WorkingCalendar(), CalendarConfig())
    start = await env.get_current_time()
    async with old_worker(env, db, QUEUE):
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


class HeldReminders:
    """The read-model write, with a reminder's write held until the test lets it go: what a
    loaded machine does to a reminder that fires just as the assignee acts."""

    def __init__(self, db: Engine) -> None:
        self.real = ReadModelActivities(db)
        self.release = threading.Event()
        self.held = 0

    @activity.defn(name=RECORD_TASK_EVENT.name)
    def record_task_event(self, inp: RecordInput) -> bool:
        if inp.event.action == "remind":
            self.held += 1
            assert self.release.wait(timeout=60), "the reminder was never let go"
        return self.real.record_task_event(inp)


async def settled(env: WorkflowEnvironment, task_id: str) -> None:
    """Until the workflow has taken every activity result it is owed (its last workflow task
    completed, no activity pending)."""
    handle = env.client.get_workflow_handle(workflow_id_for(task_id))
    for _ in range(600):
        history = await handle.fetch_history()
        kinds = [e.event_type for e in history.events]
        scheduled = kinds.count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        closed = sum(kinds.count(k) for k in (EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
                                               EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
                                               EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT))
        done = len(kinds) - kinds[::-1].index(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
        if scheduled == closed and EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED not in kinds[done:]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"workflow {task_id} never settled")


async def test_a_reminder_written_late_does_not_undo_a_later_change_on_an_old_task(
    env: WorkflowEnvironment, db: Engine
) -> None:
    """A task started on the old code runs its changes as it always did: each taken at once,
    and written by an ordinary activity. A reminder the ladder fired as the task was returned,
    written only after the assignee's new submission had been answered, used to put the task
    back as it was under the reminder (RETURNED): the submission acknowledged, then lost."""
    queue = "upgrade-late-reminder"
    service = TaskService(env.client, db, queue, WorkingCalendar(), CalendarConfig())
    start = await env.get_current_time()
    async with old_worker(env, db, queue):
        task = await service.assign(
            "chutich", new_key(), draft(deadline=working_day_after(start, 9)), now=start)
        await service.act("snv.cb1", task.id, Action.SUBMIT, output=Output("Báo cáo 1"))
    # Submitted, the task sends no reminder; by now some of its ladder's steps are due.
    await env.sleep(timedelta(days=9))
    held = HeldReminders(db)
    with ThreadPoolExecutor(4) as pool:
        async with Worker(env.client, task_queue=queue, workflows=WORKFLOWS,
                          activities=[held.record_task_event], workflow_runner=RUNNER,
                          activity_executor=pool):
            await service.act("chutich", task.id, Action.RETURN, note="Bổ sung")
            resubmitted = await service.act("snv.cb1", task.id, Action.SUBMIT,
                                            output=Output("Báo cáo 1b"))
            assert resubmitted.state is TaskState.SUBMITTED
            assert held.held == 1  # the ladder fired as the task was returned
            held.release.set()
            await settled(env, task.id)
            finished = await service.act("chutich", task.id, Action.APPROVE)
            assert finished.state is TaskState.COMPLETED
    trail = events(db, task.id)
    assert [e.action for e in trail][-4:] == ["return", "remind", "submit", "approve"]
    # The run took the new path (its marker is in the history), and replays as it ran.
    history = await env.client.get_workflow_handle(workflow_id_for(task.id)).fetch_history()
    markers = [p.data for e in history.events if e.HasField("marker_recorded_event_attributes")
               for d in e.marker_recorded_event_attributes.details.values()
               for p in d.payloads]
    assert any(LATER_CHANGE_STANDS_PATCH.encode() in m for m in markers), markers
    await Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER,
                   workflow_runner=RUNNER).replay_workflow(history)
    assert [e.seq for e in trail] == list(range(1, len(trail) + 1))
    assert task_row(db, task.id).state == TaskState.COMPLETED.value
