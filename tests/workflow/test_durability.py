"""Nothing is lost: a worker that dies resumes its tasks, long tasks continue-as-new with their
state and pending updates, and a retried read-model activity writes nothing twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.readmodel import ReadModelActivities
from domain.calendar import WorkingCalendar
from domain.errors import Code, DomainError
from domain.lifecycle import Action, TaskState
from giaoviec.programs.worker import build_worker
from giaoviec.services.tasks import TaskService, new_task_id, request_hash
from tests.workflow.harness import (
    draft,
    events,
    new_key,
    task_row,
    worker_with,
    working_day_after,
)
from workflows.contracts import (
    RECORD_TASK_EVENT,
    CalendarConfig,
    Output,
    RecordInput,
    TaskRecord,
    TaskStart,
    workflow_id_for,
)
from workflows.task import TaskWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "durability"
CAL = WorkingCalendar()


def service_for(env: WorkflowEnvironment, db: Engine) -> TaskService:
    return TaskService(env.client, db, QUEUE, CAL, CalendarConfig())


def reminder_keys(db: Engine, task_id: str) -> list[str]:
    return [e.data for e in events(db, task_id) if e.action == "remind"]


async def test_a_crashed_worker_resumes_without_losing_or_repeating_anything(
    env: WorkflowEnvironment, db: Engine
) -> None:
    service = service_for(env, db)
    start = await env.get_current_time()
    # No cache (so no sticky queue): the next worker must rebuild everything from history,
    # as after a crash. The time-skipping server cannot wait out a dead worker's sticky queue.
    async with build_worker(env.client, db, QUEUE, max_cached_workflows=0):
        rec = await service.assign(
            "chutich", new_key(), draft(deadline=working_day_after(start, 6)), now=start
        )
        await service.act("snv.cb1", rec.id, Action.ACCEPT)
    # The worker is gone (its cache with it) while the task waits on its timer; the
    # time-skipping server cannot move time past a task nobody polls, so an hour passes.
    await env.sleep(timedelta(hours=1))
    assert reminder_keys(db, rec.id) == []
    async with build_worker(env.client, db, QUEUE):
        # A fresh worker rebuilds the workflow from its history and carries on.
        await env.sleep(rec.deadline + timedelta(hours=2) - await env.get_current_time())
        view = await service.record(rec.id)
    sent = reminder_keys(db, rec.id)
    # Three reminders before the deadline and the overdue notice: each once, in order.
    assert len(sent) == 4 and len(set(sent)) == 4
    assert [e.seq for e in events(db, rec.id)] == list(range(1, view.seq + 1))
    assert task_row(db, rec.id).state == TaskState.IN_PROGRESS
    assert view.overdue_reminders == 1


async def test_continue_as_new_keeps_state_and_pending_updates(
    env: WorkflowEnvironment, db: Engine
) -> None:
    service = service_for(env, db)
    start = await env.get_current_time()
    d = draft(deadline=working_day_after(start, 20))
    key = new_key()
    deadline = CAL.deadline_for_date(d.deadline.on_date)  # type: ignore[union-attr]
    task_id = new_task_id()
    record = TaskRecord(
        id=task_id, client_key=key, request_hash=request_hash(d), title=d.title,
        description=d.description or "", basis=d.basis or "", lead_unit_id="snv",
        owner_id="snv.cb1", assigner_id="chutich", product=d.product,  # type: ignore[arg-type]
        deadline=deadline, original_deadline=deadline, created_at=start,
    )
    async with build_worker(env.client, db, QUEUE):
        handle = await env.client.start_workflow(
            TaskWorkflow.run,
            TaskStart(record=record, continue_as_new_after=1),
            id=workflow_id_for(task_id), task_queue=QUEUE,
        )
        first_run = handle.result_run_id
        await handle.execute_update(TaskWorkflow.created)
        # Several updates at once, racing the hand-over to the next run.
        percents = [10, 20, 30, 40, 50]
        await asyncio.gather(*[
            service.act("snv.cb1", task_id, Action.REPORT_PROGRESS, percent=p) for p in percents
        ])
        await service.act("snv.cb1", task_id, Action.SUBMIT, output=Output("Báo cáo số 12/BC"))
        done = await service.act("chutich", task_id, Action.APPROVE)
        result = await handle.result()  # follows the chain of runs to the last
    desc = await env.client.get_workflow_handle(workflow_id_for(task_id)).describe()
    assert desc.run_id != first_run  # it really continued as new
    assert done.state is TaskState.COMPLETED and result.state is TaskState.COMPLETED
    trail = events(db, task_id)
    assert [e.seq for e in trail] == list(range(1, len(trail) + 1))
    progress = [e for e in trail if e.action == "report_progress"]
    assert len(progress) == len(percents)
    assert result.output is not None and result.output.description == "Báo cáo số 12/BC"
    assert task_row(db, task_id).state == TaskState.COMPLETED


async def test_a_write_the_read_model_refuses_undoes_the_change_and_the_task_goes_on(
    env: WorkflowEnvironment, db: Engine
) -> None:
    """Data the database refuses as such is refused once (non-retryable, from inside the
    local activity): the update is refused as VALIDATION, the workflow's state is as before,
    and the next action works."""
    real = ReadModelActivities(db)

    @activity.defn(name=RECORD_TASK_EVENT.name)
    def record_task_event(inp: RecordInput) -> bool:
        if inp.event.action == "report_progress" and inp.task.progress == 42:
            raise ApplicationError("refused", type="BAD_DATA", non_retryable=True)
        return real.record_task_event(inp)

    service = service_for(env, db)
    start = await env.get_current_time()
    async with worker_with(env.client, db, QUEUE, record_task_event):
        rec = await service.assign("chutich", new_key(),
                                   draft(deadline=working_day_after(start, 6)), now=start)
        await service.act("snv.cb1", rec.id, Action.ACCEPT)
        with pytest.raises(DomainError) as refused:
            await service.act("snv.cb1", rec.id, Action.REPORT_PROGRESS, percent=42)
        assert refused.value.code == Code.VALIDATION
        assert (await service.record(rec.id)).progress == 0  # undone in the workflow
        after = await service.act("snv.cb1", rec.id, Action.REPORT_PROGRESS, percent=40)
        assert after.progress == 40 and task_row(db, rec.id).progress == 40
        await service.act("chutich", rec.id, Action.CANCEL, note="Kết thúc thử nghiệm")
