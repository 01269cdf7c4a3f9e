"""One change at a time, decided by the task's workflow (issue 15, items 1 and 2).

Conflicting updates are fired at one task while the first one's read-model write is held
back, so the second reaches the workflow in the middle of the first: exactly one of each
pair wins, and the trail, the read model and the workflow's own view agree. A write that
fails leaves the task as it was, and a task never ends on a final write that failed. An old
owner's command checked before a reassignment and delivered after it is refused by the
workflow, which decides from the owner it holds.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.readmodel import ReadModelActivities
from domain.calendar import WorkingCalendar
from domain.errors import Code, DomainError
from domain.escalation import DEFAULT_POLICY, planned_steps
from domain.lifecycle import Action, TaskState
from giaoviec.services.tasks import TaskService
from tests.workflow.harness import draft, events, new_key, task_row, worker_with
from tests.workflow.harness import working_day_after as day_after
from workflows.contracts import (
    RECORD_RETRY_BOUNDED,
    RECORD_TASK_EVENT,
    CalendarConfig,
    Command,
    Output,
    RecordInput,
    TaskRecord,
    workflow_id_for,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "serial-updates"
REFUSED = {Code.CONFLICT, Code.FORBIDDEN, Code.ILLEGAL_TRANSITION}


class GatedReadModel:
    """The real read-model activity, whose write of a chosen action can be held back (so
    another update arrives meanwhile) or refused as bad data."""

    def __init__(self, db: Engine) -> None:
        self.real = ReadModelActivities(db)
        self.hold: str | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.refuse: str | None = None
        self.away: set[str] = set()  # the database is away for these actions' writes
        self.failures = 0

    @contextmanager
    def holding_back(self, action: Action) -> Iterator[None]:
        self.hold, self.holding, self.release = str(action), threading.Event(), threading.Event()
        try:
            yield
        finally:
            self.release.set()
            self.hold = None

    def activity(self) -> Callable[[RecordInput], bool]:
        @activity.defn(name=RECORD_TASK_EVENT.name)
        def record_task_event(inp: RecordInput) -> bool:
            if inp.event.action in self.away:
                self.failures += 1
                raise RuntimeError("the database is away")  # retryable, as a lost connection
            if inp.event.action == self.refuse:
                self.refuse = None
                raise ApplicationError("refused", type="BAD_DATA", non_retryable=True)
            if inp.event.action == self.hold and not self.holding.is_set():
                self.holding.set()
                self.release.wait(8)
            return self.real.record_task_event(inp)
        return record_task_event


async def race(gate: GatedReadModel, action: Action, first: Awaitable[TaskRecord],
               second: Callable[[], Awaitable[TaskRecord]]) -> list[TaskRecord | DomainError]:
    """`first`'s write held back until `second` has reached the workflow."""
    async def outcome(aw: Awaitable[TaskRecord]) -> TaskRecord | DomainError:
        try:
            return await aw
        except DomainError as err:
            return err

    with gate.holding_back(action):
        one = asyncio.ensure_future(outcome(first))
        assert await asyncio.to_thread(gate.holding.wait, 8), "the first write never started"
        two = asyncio.ensure_future(outcome(second()))
        await asyncio.sleep(1.5)  # the second update is delivered while the first is held
    return [await one, await two]


def one_wins(results: list[TaskRecord | DomainError]) -> TaskRecord:
    won = [r for r in results if isinstance(r, TaskRecord)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].code in REFUSED, lost[0]
    return won[0]


async def agree(service: TaskService, db: Engine, task_id: str) -> TaskRecord:
    """The trail, the read model and the workflow's view tell the same story."""
    view = await service.record(task_id)
    trail = events(db, task_id)
    assert [e.seq for e in trail] == list(range(1, view.seq + 1))
    row = task_row(db, task_id)
    assert (row.state, row.owner_id, row.version) == (view.state.value, view.owner_id, view.seq)
    assert trail[-1].to_state == view.state.value
    return view


@pytest.fixture
def gate(db: Engine) -> GatedReadModel:
    return GatedReadModel(db)


async def outcome_of(env: WorkflowEnvironment, task_id: str) -> TaskRecord:
    return await env.client.get_workflow_handle(workflow_id_for(task_id),
                                                result_type=TaskRecord).result()


def service_for(env: WorkflowEnvironment, db: Engine) -> TaskService:
    return TaskService(env.client, db, QUEUE, WorkingCalendar(), CalendarConfig())


def worker(env: WorkflowEnvironment, gate: GatedReadModel) -> Worker:
    return worker_with(env.client, gate.real.engine, QUEUE, gate.activity())


async def accepted(service: TaskService, env: WorkflowEnvironment) -> TaskRecord:
    now = await env.get_current_time()
    rec = await service.assign("chutich", new_key(), draft(deadline=day_after(now, 8)),
                               now=now)
    return await service.act("snv.cb1", rec.id, Action.ACCEPT)


async def submitted(service: TaskService, env: WorkflowEnvironment) -> TaskRecord:
    rec = await accepted(service, env)
    return await service.act("snv.cb1", rec.id, Action.SUBMIT, output=Output("Báo cáo số 7"))


@asynccontextmanager
async def on_a_task(env: WorkflowEnvironment, db: Engine, gate: GatedReadModel,
                    setup: Callable[..., Awaitable[TaskRecord]]
                    ) -> AsyncIterator[tuple[TaskService, TaskRecord]]:
    """A worker with the gated read model, and a task brought to where the test starts."""
    svc = service_for(env, db)
    async with worker(env, gate):
        yield svc, await setup(svc, env)


async def pending_extension(service: TaskService, env: WorkflowEnvironment) -> TaskRecord:
    rec = await accepted(service, env)
    return await service.act("snv.cb1", rec.id, Action.REQUEST_EXTENSION, note="Chờ số liệu",
                             new_deadline=rec.deadline + timedelta(days=7))


Step = tuple[str, Action, dict[str, Any]]
PAIRS: list[tuple[Callable[..., Awaitable[TaskRecord]], Step, Step, TaskState]] = [
    (submitted, ("chutich", Action.APPROVE, {}),
     ("chutich", Action.RETURN, {"note": "Bổ sung số liệu"}), TaskState.COMPLETED),
    (accepted, ("chutich", Action.REASSIGN, {"new_owner_id": "snv.cb2", "note": "Giao khác"}),
     ("snv.cb1", Action.SUBMIT, {"output": Output("Báo cáo số 8")}), TaskState.ASSIGNED),
    (pending_extension, ("chutich", Action.CANCEL, {"note": "Thôi"}),
     ("chutich", Action.DECIDE_EXTENSION, {"approve": True}), TaskState.CANCELLED),
]


@pytest.mark.parametrize(("setup", "first", "second", "ends"), PAIRS,
                         ids=["approve-return", "reassign-submit", "cancel-extension"])
async def test_conflicting_updates_one_wins(
    env: WorkflowEnvironment, db: Engine, gate: GatedReadModel,
    setup: Callable[..., Awaitable[TaskRecord]], first: Step, second: Step, ends: TaskState,
) -> None:
    async with on_a_task(env, db, gate, setup) as (svc, rec):
        won = one_wins(await race(
            gate, first[1], svc.act(first[0], rec.id, first[1], **first[2]),
            lambda: svc.act(second[0], rec.id, second[1], **second[2])))
        assert won.state is ends
        view = await agree(svc, db, rec.id)
        assert view.state is ends and str(second[1]) not in {e.action for e in events(db, rec.id)}
        if ends is TaskState.ASSIGNED:  # the new owner holds it, nobody submitted
            assert view.owner_id == "snv.cb2" and view.submitted_by is None
            await svc.act("chutich", rec.id, Action.CANCEL, note="Kết thúc thử nghiệm")
        elif ends is TaskState.CANCELLED:  # the decision never happened
            assert view.extension is not None and view.deadline == rec.deadline
        assert (await outcome_of(env, rec.id)).state in (ends, TaskState.CANCELLED)


async def test_a_failed_final_write_never_ends_the_task(
    env: WorkflowEnvironment, db: Engine, gate: GatedReadModel,
) -> None:
    async with on_a_task(env, db, gate, submitted) as (svc, rec):
        gate.refuse = "approve"
        with pytest.raises(DomainError) as refused:
            await svc.act("chutich", rec.id, Action.APPROVE)
        assert refused.value.code == Code.VALIDATION
        handle = env.client.get_workflow_handle(workflow_id_for(rec.id),
                                                result_type=TaskRecord)
        await asyncio.sleep(0.5)
        assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
        view = await agree(svc, db, rec.id)
        assert view.state is TaskState.SUBMITTED and view.completed_at is None
        done = await svc.act("chutich", rec.id, Action.APPROVE)
        assert done.state is TaskState.COMPLETED
        assert (await handle.result()).state is TaskState.COMPLETED
        await agree(svc, db, rec.id)


async def test_the_old_owners_command_checked_before_a_reassignment_is_refused(
    env: WorkflowEnvironment, db: Engine, gate: GatedReadModel,
) -> None:
    """Deterministic: the old owner's command is checked (and its facts read), then the
    chairman reassigns, then the old owner's command reaches the workflow."""
    async with on_a_task(env, db, gate, accepted) as (svc, rec):
        cmd = Command(Action.SUBMIT, "snv.cb1", [], output=Output("Báo cáo số 9"))
        await asyncio.to_thread(svc.prepare, cmd, rec.id)  # the fast answer: he may
        await svc.act("chutich", rec.id, Action.REASSIGN, new_owner_id="snv.cb2",
                      note="Giao đồng chí khác")
        with pytest.raises(DomainError) as refused:
            await svc.execute(rec.id, cmd)
        assert refused.value.code == Code.FORBIDDEN
        # Sent afresh, the service's own check answers the same.
        with pytest.raises(DomainError) as again:
            await svc.act("snv.cb1", rec.id, Action.SUBMIT, output=Output("Báo cáo số 9"))
        assert again.value.code == Code.FORBIDDEN
        view = await agree(svc, db, rec.id)
        assert view.owner_id == "snv.cb2" and view.submitted_by is None
        await svc.act("chutich", rec.id, Action.CANCEL, note="Kết thúc thử nghiệm")


async def test_a_reminder_due_while_the_database_is_away_is_sent_once_it_is_back(
    env: WorkflowEnvironment, db: Engine, gate: GatedReadModel,
) -> None:
    """The bounded write gives up, but the ladder keeps the step and tries again later."""
    async with on_a_task(env, db, gate, accepted) as (svc, rec):
        first = next(iter(planned_steps(DEFAULT_POLICY, WorkingCalendar(), rec.deadline)))
        gate.away = {"remind"}
        await env.sleep(first.at + timedelta(seconds=30) - await env.get_current_time())
        for _ in range(300):  # every bounded attempt fails (in real time)
            if gate.failures >= RECORD_RETRY_BOUNDED.maximum_attempts:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        assert [e.action for e in events(db, rec.id)].count("remind") == 0
        gate.away = set()
        await env.sleep(timedelta(minutes=2))
        reminders = [e for e in events(db, rec.id) if e.action == "remind"]
        assert len(reminders) == 1 and first.days_label in reminders[0].data
        assert first.key in (await svc.record(rec.id)).sent_steps
        await agree(svc, db, rec.id)
        await svc.act("chutich", rec.id, Action.CANCEL, note="Kết thúc thử nghiệm")


async def test_reassign_and_submit_sent_at_once_never_record_the_old_owner_after(
    env: WorkflowEnvironment, db: Engine, gate: GatedReadModel,
) -> None:
    """The probe of the issue, through the service: pairs sent at the same moment. Whatever
    the order, no submission by the old owner is recorded after the reassignment."""
    svc = service_for(env, db)
    async with worker(env, gate):
        tasks = [await accepted(svc, env) for _ in range(10)]

        async def pair(rec: TaskRecord) -> None:
            await asyncio.gather(
                svc.act("chutich", rec.id, Action.REASSIGN, new_owner_id="snv.cb2",
                        note="Giao đồng chí khác"),
                svc.act("snv.cb1", rec.id, Action.SUBMIT, output=Output("Báo cáo")),
                return_exceptions=True)

        await asyncio.gather(*(pair(rec) for rec in tasks))
        for rec in tasks:
            trail = [(e.action, e.actor_id) for e in events(db, rec.id)]
            if ("reassign", "chutich") in trail:
                after = trail[trail.index(("reassign", "chutich")):]
                assert ("submit", "snv.cb1") not in after, trail
            await agree(svc, db, rec.id)
