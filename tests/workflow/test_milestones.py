"""Milestones reminded like deadlines, on the time-skipping server (SQLite and PostgreSQL):
the owner hears the working day before and the morning each falls due; a paused task is not
reminded; nothing is sent for a milestone already past."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from domain.calendar import WorkingCalendar
from domain.escalation import DEFAULT_POLICY
from domain.lifecycle import Action
from domain.milestones import milestone_steps
from domain.task import Milestone
from domain.timezone import at_local
from giaoviec.programs.worker import build_worker
from giaoviec.services.tasks import TaskService
from tests.workflow.harness import (
    close_to,
    draft,
    events,
    new_key,
    notifications,
    working_day_after,
)
from workflows.contracts import CalendarConfig

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "test-milestones"
CAL = WorkingCalendar()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[TaskService]:
    async with build_worker(env.client, db, QUEUE):
        yield TaskService(env.client, db, QUEUE, CAL, CalendarConfig())


async def test_milestones_are_reminded_the_day_before_and_the_morning_they_fall_due(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await env.get_current_time()
    marks = (Milestone("Dự thảo báo cáo", working_day_after(start, 4)),
             Milestone("Xin ý kiến các sở", working_day_after(start, 7)))
    d = replace(draft(deadline=working_day_after(start, 15)), milestones=marks)
    rec = await service.assign("chutich", new_key(), d, now=start)
    planned = [step for step, _ in milestone_steps(marks, CAL)]
    await env.sleep(planned[-1].at + timedelta(hours=1) - await env.get_current_time())
    sent = [e for e in events(db, rec.id) if e.action == "remind"]
    data = [json.loads(e.data) for e in sent]
    assert [(x["step"], x["milestone"]) for x in data] == [
        ("milestone-before-1", "Dự thảo báo cáo"), ("milestone-due", "Dự thảo báo cáo"),
        ("milestone-before-1", "Xin ý kiến các sở"), ("milestone-due", "Xin ý kiến các sở"),
    ]
    for event, step in zip(sent, planned, strict=True):
        assert close_to(event.at, step.at), (event.at, step.at)
    assert planned[1].at == at_local(marks[0].due, DEFAULT_POLICY.morning)
    notes = [n for n in notifications(db, rec.id) if n.kind == "reminder"]
    assert {n.recipient_id for n in notes} == {"snv.cb1"} and len(notes) == 4
    assert notes[0].title == f"Mốc tiến độ: {rec.title}"
    assert "Mốc “Dự thảo báo cáo”" in notes[0].body


async def test_a_paused_task_hears_nothing_and_a_past_milestone_is_not_sent_late(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await env.get_current_time()
    marks = (Milestone("Dự thảo", working_day_after(start, 3)),
             Milestone("Hoàn thiện", working_day_after(start, 9)))
    d = replace(draft(deadline=working_day_after(start, 15)), milestones=marks)
    rec = await service.assign("chutich", new_key(), d, now=start)
    await service.act("chutich", rec.id, Action.PAUSE, note="Chờ chủ trương")
    await env.sleep(timedelta(days=7))  # the first milestone passes while paused
    assert [e for e in events(db, rec.id) if e.action == "remind"] == []
    await service.act("chutich", rec.id, Action.RESUME)
    planned = [step for step, _ in milestone_steps(marks, CAL)]
    await env.sleep(planned[-1].at + timedelta(hours=1) - await env.get_current_time())
    sent = [json.loads(e.data).get("milestone") for e in events(db, rec.id)
            if e.action == "remind"]
    assert sent == ["Hoàn thiện", "Hoàn thiện"]
