"""TaskWorkflow on the time-skipping test server: timers, escalation, extensions, pauses."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from domain.calendar import WorkingCalendar
from domain.errors import Code, DomainError
from domain.escalation import DEFAULT_POLICY, planned_steps
from domain.lifecycle import Action, TaskState
from domain.record import new_record
from domain.timeliness import Timeliness, timeliness
from domain.timezone import at_local, local_date
from giaoviec.programs.worker import build_worker
from giaoviec.services.tasks import TaskService, new_task_id, request_hash
from giaoviec.store.models import Task
from tests.workflow.harness import (
    close_to,
    draft,
    events,
    new_key,
    notifications,
    task_row,
    working_day_after,
)
from workflows.contracts import CalendarConfig, Output, workflow_id_for

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "test-tasks"
CAL = WorkingCalendar()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[TaskService]:
    async with build_worker(env.client, db, QUEUE):
        yield TaskService(env.client, db, QUEUE, CAL, CalendarConfig())


async def now(env: WorkflowEnvironment) -> datetime:
    return await env.get_current_time()


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    delta = moment - await env.get_current_time()
    if delta > timedelta(0):
        await env.sleep(delta)


def reminder_events(db: Engine, task_id: str) -> list:
    return [e for e in events(db, task_id) if e.action == "remind"]


async def test_reminders_fire_at_the_planned_instants(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await now(env)
    deadline_day = working_day_after(start, 8)
    rec = await service.assign("chutich", new_key(), draft(deadline=deadline_day), now=start)
    assert rec.deadline == CAL.deadline_for_date(deadline_day)
    planned = list(itertools.islice(planned_steps(DEFAULT_POLICY, CAL, rec.deadline), 3))
    await sleep_until(env, rec.deadline - timedelta(hours=1))
    fired = reminder_events(db, rec.id)
    assert [e.data for e in fired] and len(fired) == 3
    for event, step in zip(fired, planned, strict=True):
        assert close_to(event.at, step.at), (event.at, step.at)
    owner_notes = [n for n in notifications(db, rec.id) if n.kind == "reminder"]
    assert {n.recipient_id for n in owner_notes} == {"snv.cb1"}
    assert len(owner_notes) == 3
    assert "Nhắc việc" in owner_notes[0].title


async def test_overdue_escalation_reaches_unit_head_and_assigner_then_flags(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await now(env)
    rec = await service.assign("chutich", new_key(), draft(deadline=working_day_after(start, 2)),
                               now=start)
    steps = list(itertools.islice(planned_steps(DEFAULT_POLICY, CAL, rec.deadline), 7))
    await sleep_until(env, steps[-1].at + timedelta(hours=1))  # after weekly-1
    notes = notifications(db, rec.id)
    by_kind: dict[str, set[str]] = {}
    for n in notes:
        by_kind.setdefault(n.kind, set()).add(n.recipient_id)
    assert by_kind["overdue"] == {"snv.cb1"}
    assert by_kind["escalation"] >= {"snv.cb1", "gd.snv", "chutich"}
    row = task_row(db, rec.id)
    assert row.overdue_reminders == 4
    assert row.flagged is True
    assert timeliness(state=TaskState(row.state), deadline=row.deadline,
                      accepted_submitted_at=None, now=await now(env),
                      calendar=CAL) is Timeliness.OVERDUE


async def test_approved_extension_replans_the_ladder(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await now(env)
    rec = await service.assign("chutich", new_key(), draft(deadline=working_day_after(start, 6)),
                               now=start)
    new_deadline = CAL.deadline_for_date(working_day_after(start, 20))
    await service.act("snv.cb1", rec.id, Action.REQUEST_EXTENSION, new_deadline=new_deadline,
                      note="Chờ số liệu của các xã")
    decided = await service.act("chutich", rec.id, Action.DECIDE_EXTENSION, approve=True)
    assert decided.deadline == new_deadline and decided.extension is None
    # Past the old deadline: nothing was sent for it, nor overdue.
    await sleep_until(env, rec.deadline + timedelta(days=2))
    assert reminder_events(db, rec.id) == []
    await sleep_until(env, new_deadline - timedelta(hours=1))
    fired = reminder_events(db, rec.id)
    planned = list(itertools.islice(planned_steps(DEFAULT_POLICY, CAL, new_deadline), 3))
    assert len(fired) == 3
    for event, step in zip(fired, planned, strict=True):
        assert close_to(event.at, step.at)
    assert task_row(db, rec.id).deadline == new_deadline


async def test_a_deadline_the_assigner_changes_replans_the_ladder(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    """changeDeadline, decided by the task's workflow: an overdue, flagged task given a new
    deadline starts afresh (the ladder from the new deadline, the count and the flag cleared);
    the owner is told; the trail keeps the old deadline; the lead may not do it."""
    start = await now(env)
    rec = await service.assign("chutich", new_key(), draft(deadline=working_day_after(start, 2)),
                               now=start)
    steps = list(itertools.islice(planned_steps(DEFAULT_POLICY, CAL, rec.deadline), 7))
    await sleep_until(env, steps[-1].at + timedelta(hours=1))
    assert task_row(db, rec.id).flagged is True
    with pytest.raises(DomainError) as refused:
        await service.act("snv.cb1", rec.id, Action.CHANGE_DEADLINE,
                          new_deadline=rec.deadline + timedelta(days=30), note="Tự gia hạn")
    assert refused.value.code == Code.FORBIDDEN
    new_deadline = CAL.deadline_for_date(working_day_after(await now(env), 10))
    changed = await service.act("chutich", rec.id, Action.CHANGE_DEADLINE,
                                new_deadline=new_deadline, note="Điều chỉnh theo kế hoạch mới")
    assert changed.deadline == new_deadline and changed.state is TaskState.ASSIGNED
    row = task_row(db, rec.id)
    assert (row.deadline, row.overdue_reminders, row.flagged) == (new_deadline, 0, False)
    trail = events(db, rec.id)[-1]
    assert trail.action == "change_deadline" and trail.note == "Điều chỉnh theo kế hoạch mới"
    assert json.loads(trail.data)["previous_deadline"] == rec.deadline.isoformat()
    told = [n for n in notifications(db, rec.id) if n.title.startswith("Đổi hạn xử lý")]
    assert [n.recipient_id for n in told] == ["snv.cb1"]
    sent_before = len(reminder_events(db, rec.id))
    await sleep_until(env, new_deadline - timedelta(hours=1))
    fired = reminder_events(db, rec.id)[sent_before:]
    planned = list(itertools.islice(planned_steps(DEFAULT_POLICY, CAL, new_deadline), 3))
    assert len(fired) == 3
    for event, step in zip(fired, planned, strict=True):
        assert close_to(event.at, step.at)
    assert task_row(db, rec.id).overdue_reminders == 0


async def test_denied_extension_keeps_the_deadline(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await now(env)
    rec = await service.assign("chutich", new_key(), draft(deadline=working_day_after(start, 6)),
                               now=start)
    await service.act("snv.cb1", rec.id, Action.REQUEST_EXTENSION,
                      new_deadline=rec.deadline + timedelta(days=10), note="Thiếu nhân lực")
    row = task_row(db, rec.id)
    assert row.extension_requested_deadline is not None
    out = await service.act("chutich", rec.id, Action.DECIDE_EXTENSION, approve=False,
                            note="Không đồng ý")
    assert out.deadline == rec.deadline and out.extension is None
    assert task_row(db, rec.id).extension_requested_deadline is None


async def test_paused_task_stays_silent_and_resume_gives_time_back(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await now(env)
    rec = await service.assign("chutich", new_key(), draft(deadline=working_day_after(start, 8)),
                               now=start)
    await service.act("chutich", rec.id, Action.PAUSE, note="Chờ chủ trương của Tỉnh ủy")
    await sleep_until(env, rec.deadline + timedelta(days=10))
    assert reminder_events(db, rec.id) == []
    assert task_row(db, rec.id).state == TaskState.PAUSED
    resumed = await service.act("chutich", rec.id, Action.RESUME)
    assert resumed.state is TaskState.ASSIGNED
    assert resumed.deadline > rec.deadline + timedelta(days=10)
    await sleep_until(env, resumed.deadline - timedelta(hours=1))
    evs = reminder_events(db, rec.id)
    assert len(evs) == 3, (resumed.deadline, resumed.replanned_at, [(e.at, e.data) for e in evs])


async def test_returned_task_completed_after_deadline_counts_as_late(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await now(env)
    rec = await service.assign("chutich", new_key(), draft(deadline=working_day_after(start, 5)),
                               now=start)
    await service.act("snv.cb1", rec.id, Action.ACCEPT)
    await service.act("snv.cb1", rec.id, Action.REPORT_PROGRESS, percent=60, note="Đã có số liệu")
    await service.act("snv.cb1", rec.id, Action.SUBMIT,
                      output=Output("Báo cáo số 12/BC-SNV", reference="12/BC-SNV"))
    await service.act("chutich", rec.id, Action.RETURN, note="Thiếu số liệu cấp xã")
    await sleep_until(env, rec.deadline + timedelta(days=3))
    await service.act("snv.cb1", rec.id, Action.SUBMIT, output=Output("Báo cáo bổ sung"))
    done = await service.act("chutich", rec.id, Action.APPROVE, note="Đạt yêu cầu")
    assert done.state is TaskState.COMPLETED
    row = task_row(db, rec.id)
    assert row.state == "completed" and row.completed_at is not None
    assert timeliness(state=TaskState.COMPLETED, deadline=row.deadline,
                      accepted_submitted_at=row.submitted_at, now=await now(env),
                      calendar=CAL) is Timeliness.COMPLETED_LATE
    trail = [(e.action, e.from_state, e.to_state) for e in events(db, rec.id)
             if e.action != "remind"]
    assert trail == [
        ("assign", None, "assigned"),
        ("accept", "assigned", "in_progress"),
        ("report_progress", "in_progress", "in_progress"),
        ("submit", "in_progress", "submitted"),
        ("return", "submitted", "returned"),
        ("submit", "returned", "submitted"),
        ("approve", "submitted", "completed"),
    ]
    # The workflow is closed: a further change is refused with a clear code.
    with pytest.raises(DomainError) as err:
        await service.act("chutich", rec.id, Action.CANCEL, note="Thử hủy")
    assert err.value.code == Code.ILLEGAL_TRANSITION


async def test_completed_on_time(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await now(env)
    rec = await service.assign("chutich", new_key(), draft(deadline=working_day_after(start, 5)),
                               now=start)
    await service.act("snv.cb1", rec.id, Action.SUBMIT, output=Output("Báo cáo"))
    await sleep_until(env, rec.deadline + timedelta(days=2))  # approval after the deadline
    await service.act("chutich", rec.id, Action.APPROVE)
    row = task_row(db, rec.id)
    assert timeliness(state=TaskState.COMPLETED, deadline=row.deadline,
                      accepted_submitted_at=row.submitted_at, now=await now(env),
                      calendar=CAL) is Timeliness.COMPLETED_ON_TIME


async def test_refusals_change_nothing(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await now(env)
    rec = await service.assign("chutich", new_key(), draft(deadline=working_day_after(start, 5)),
                               now=start)
    cases = [
        ("stc.cb", Action.ACCEPT, {}, Code.NOT_FOUND),  # an outsider: no such task to him
        ("snv.cb2", Action.ACCEPT, {}, Code.FORBIDDEN),  # a colleague who may only read
        ("snv.cb1", Action.APPROVE, {}, Code.FORBIDDEN),  # owner approving himself
        ("chutich", Action.APPROVE, {}, Code.ILLEGAL_TRANSITION),  # nothing submitted
        ("snv.cb1", Action.DECLINE, {"note": " "}, Code.VALIDATION),  # no reason
        ("snv.cb1", Action.REPORT_PROGRESS, {"percent": 140}, Code.VALIDATION),
        ("chutich", Action.DECIDE_EXTENSION, {"approve": True}, Code.ILLEGAL_TRANSITION),
        ("snv.cb1", Action.REQUEST_EXTENSION,
         {"new_deadline": rec.deadline - timedelta(days=1), "note": "x"}, Code.VALIDATION),
    ]
    before = len(events(db, rec.id))
    for actor, action, kwargs, code in cases:
        with pytest.raises(DomainError) as err:
            await service.act(actor, rec.id, action, **kwargs)
        assert err.value.code == code, (actor, action, err.value)
    assert len(events(db, rec.id)) == before
    assert task_row(db, rec.id).state == "assigned"


async def test_decline_goes_back_to_the_assigner_who_reassigns(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await now(env)
    rec = await service.assign("chutich", new_key(), draft(deadline=working_day_after(start, 5)),
                               now=start)
    await service.act("snv.cb1", rec.id, Action.DECLINE, note="Không thuộc chức năng của Sở")
    assert any(n.recipient_id == "chutich" for n in notifications(db, rec.id))
    with pytest.raises(DomainError) as err:
        await service.act("chutich", rec.id, Action.REASSIGN, new_owner_id="snv.cb2",
                          new_lead_unit_id="stc", note="Giao Sở Tài chính")
    assert err.value.code == Code.VALIDATION  # the owner is not in the new lead unit
    out = await service.act("chutich", rec.id, Action.REASSIGN, new_owner_id="stc.cb",
                            new_lead_unit_id="stc", note="Giao Sở Tài chính chủ trì")
    assert out.state is TaskState.ASSIGNED and out.owner_id == "stc.cb"
    row = task_row(db, rec.id)
    assert (row.lead_unit_id, row.lead_unit_path, row.owner_id) == ("stc", "/tinh/stc/", "stc.cb")
    assert any(n.recipient_id == "stc.cb" and n.kind == "assigned"
               for n in notifications(db, rec.id))


async def test_same_client_key_never_makes_two_tasks(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await now(env)
    key = new_key()
    d = draft(deadline=working_day_after(start, 5))
    first = await service.assign("chutich", key, d, now=start)
    again = await service.assign("chutich", key, d, now=start)
    assert again.id == first.id
    with Session(db) as s:
        assert len(s.exec(select(Task).where(Task.client_key == key)).all()) == 1
    assert [e.action for e in events(db, first.id)] == ["assign"]
    with pytest.raises(DomainError) as err:
        await service.assign("chutich", key, draft(deadline=working_day_after(start, 6)),
                             now=start)
    assert err.value.code == Code.CONFLICT
    # After the task is closed, a retry still answers with the same task.
    await service.act("chutich", first.id, Action.CANCEL, note="Không còn cần thiết")
    closed = await service.assign("chutich", key, d, now=start)
    assert closed.id == first.id and closed.state is TaskState.CANCELLED


async def test_validation_names_every_missing_ro(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    start = await now(env)
    bad = draft(deadline=None, owner="stc.cb")
    bad = type(bad)(**{**bad.__dict__, "basis": "", "product": None, "description": ""})
    with pytest.raises(DomainError) as err:
        await service.assign("chutich", new_key(), bad, now=start)
    codes = {f.code for f in err.value.fields}
    assert codes == {"MISSING_DESCRIPTION", "OWNER_NOT_IN_LEAD_UNIT", "MISSING_BASIS",
                     "MISSING_DEADLINE", "MISSING_PRODUCT"}
    with pytest.raises(DomainError) as err:
        await service.assign("snv.cb1", new_key(), draft(deadline=working_day_after(start, 3)),
                             now=start)
    assert {f.code for f in err.value.fields} == {"NO_AUTHORITY"}


async def test_the_read_model_is_written_by_a_local_activity(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    """Assigning takes one workflow task: the write runs inside it (a local activity, recorded
    as a marker), not through the activity queue; the row is there when assign returns."""
    start = await now(env)
    rec = await service.assign("chutich", new_key(),
                               draft(deadline=working_day_after(start, 8)), now=start)
    assert task_row(db, rec.id).state == TaskState.ASSIGNED.value
    history = await env.client.get_workflow_handle(workflow_id_for(rec.id)).fetch_history()
    kinds = [e.event_type for e in history.events]
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in kinds
    assert kinds.count(EventType.EVENT_TYPE_MARKER_RECORDED) >= 2  # the patch and the write
    assert kinds.count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) == 1
    await service.act("chutich", rec.id, Action.CANCEL, note="Kết thúc thử nghiệm")


async def test_a_task_assigned_already_overdue_gets_one_notice_then_the_ladder(
    env: WorkflowEnvironment, service: TaskService, db: Engine
) -> None:
    """A signed plan keyed in after one of its terms: the task starts overdue. One overdue
    notice at once (not a burst of every step it missed, nor silence until a weekly step that
    would flag it for giao ban), then the ladder counted from its assignment."""
    start = await now(env)
    deadline = CAL.deadline_for_date(CAL.add_working_days(local_date(start), -12))
    d = draft(deadline=local_date(deadline))
    rec = new_record(new_task_id(), new_key(), request_hash(d), d, "chutich", deadline, start)
    created = await service.start(rec)
    assert created.deadline == deadline
    await env.sleep(timedelta(seconds=5))
    first = reminder_events(db, rec.id)
    assert [json.loads(e.data)["step"] for e in first] == ["overdue"], first
    row = task_row(db, rec.id)
    assert row.overdue_reminders == 1 and row.flagged is False
    assert [n.kind for n in notifications(db, rec.id)] == ["assigned", "overdue"]
    # The lead unit's head one working day after the assignment, as the ladder has it.
    head_at = at_local(CAL.add_working_days(local_date(start), 1), DEFAULT_POLICY.morning)
    await sleep_until(env, head_at + timedelta(hours=1))
    fired = reminder_events(db, rec.id)
    assert len(fired) == 2 and close_to(fired[1].at, head_at)
    assert task_row(db, rec.id).overdue_reminders == 2
