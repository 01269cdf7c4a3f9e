"""A parent's change reaches its sub-tasks durably (issue 15, item 3): the parent's workflow
carries a cancellation or a shifted deadline down as an activity. A caller that goes away
half-way (the API process killed between the parent's update and its sub-tasks) no longer
leaves them unchanged; an activity that dies between two sub-tasks is retried and finishes
the rest, shifting none of them twice."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.cascade import CascadeActivities
from domain.calendar import WorkingCalendar
from domain.lifecycle import Action
from domain.timezone import local_date
from giaoviec.services.subtasks import SubtaskPart, SubtaskService
from giaoviec.services.tasks import TaskService
from tests.workflow.harness import draft, events, new_key, task_row, worker_with
from tests.workflow.harness import working_day_after as day_after
from tests.workflow.test_serial_updates import GatedReadModel
from workflows.contracts import CARRY_DOWN, CalendarConfig, CarryDown, Command, TaskRecord

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "carry-down"
CAL = WorkingCalendar()


class DiesAfterOne(CascadeActivities):
    """The carry-down activity whose first attempt dies after its first sub-task."""

    sent = 0

    async def _send(self, child_id: str, cmd: Command) -> TaskRecord | None:
        if activity.info().attempt == 1 and self.sent == 1:
            raise ApplicationError("worker lost")
        self.sent += 1
        return await super()._send(child_id, cmd)

    @activity.defn(name=CARRY_DOWN.name)
    async def carry_down(self, req: CarryDown) -> int:
        return await super().carry_down(req)


def part(lead: str, owner: str, due: date, title: str) -> SubtaskPart:
    return SubtaskPart(new_key(), replace(draft(title=title, lead=lead, owner=owner,
                                                deadline=due), basis=None))


async def family(env: WorkflowEnvironment, tasks: TaskService) -> tuple[TaskRecord, ...]:
    """R (Sở Nội vụ, snv.cb1) split into A and B, its extension asked for."""
    now = await env.get_current_time()
    r = await tasks.assign("chutich", new_key(), draft(deadline=day_after(now, 20)),
                           now=now)
    a, b = await SubtaskService(tasks).split("gd.snv", r.id, [
        part("snv-tccb", "tp.tccb", day_after(now, 15), "Biên chế khối sở"),
        part("snv", "snv.cb2", day_after(now, 18), "Tổng hợp số liệu"),
    ], now=now)
    new = CAL.deadline_for_date(CAL.add_working_days(local_date(r.deadline), 5))
    await tasks.act("snv.cb1", r.id, Action.REQUEST_EXTENSION, new_deadline=new,
                    note="Chờ số liệu của các xã")
    return r, a, b


def moved(db: Engine, rec: TaskRecord) -> int:
    return CAL.working_days_between(local_date(rec.deadline),
                                    local_date(task_row(db, rec.id).deadline))


async def eventually(check: object, seconds: float = 20) -> None:
    for _ in range(int(seconds * 10)):
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)


async def test_a_caller_killed_half_way_still_sees_the_subtasks_shifted(
    env: WorkflowEnvironment, db: Engine
) -> None:
    gate = GatedReadModel(db)
    tasks = TaskService(env.client, db, QUEUE, CAL, CalendarConfig())
    async with worker_with(env.client, db, QUEUE, gate.activity()):
        r, a, b = await family(env, tasks)
        with gate.holding_back(Action.SHIFT_DEADLINE):
            caller = asyncio.ensure_future(tasks.act(
                "chutich", r.id, Action.DECIDE_EXTENSION, approve=True, shift_subtasks=True))
            # The first sub-task's shift is being written: the API process dies now.
            assert await asyncio.to_thread(gate.holding.wait, 20)
            caller.cancel()
        await eventually(lambda: moved(db, a) == 5 and moved(db, b) == 5)
        assert (moved(db, a), moved(db, b)) == (5, 5)
        for child in (a, b):
            assert [e.action for e in events(db, child.id)].count("shift_deadline") == 1


async def test_a_carry_down_that_dies_between_subtasks_finishes_on_retry(
    env: WorkflowEnvironment, db: Engine
) -> None:
    tasks = TaskService(env.client, db, QUEUE, CAL, CalendarConfig())
    dying = DiesAfterOne(db, CAL, env.client)
    async with worker_with(env.client, db, QUEUE, dying.carry_down):
        r, a, b = await family(env, tasks)
        await tasks.act("chutich", r.id, Action.DECIDE_EXTENSION, approve=True,
                        shift_subtasks=True)
        assert dying.sent == 2  # the first, the death, then only the second on the retry
        assert (moved(db, a), moved(db, b)) == (5, 5)
        for child in (a, b):
            assert [e.action for e in events(db, child.id)].count("shift_deadline") == 1
        await tasks.act("chutich", r.id, Action.CANCEL, note="Gộp vào kế hoạch năm")
        assert {task_row(db, t.id).state for t in (r, a, b)} == {"cancelled"}
