"""Sub-tasks on the time-skipping server, on SQLite and PostgreSQL: a three-level tree whose
roll-ups add up, the rules of splitting, submitting with open sub-tasks, and changes carried
down (cancellation, an extension's shift)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.testing import WorkflowEnvironment

from domain.calendar import WorkingCalendar
from domain.errors import Code, DomainError
from domain.lifecycle import Action, TaskState
from domain.tally import Figures
from domain.task import DeadlineSpec, Product
from domain.timezone import local_date
from giaoviec.programs.worker import build_worker
from giaoviec.reads.counts import Clock
from giaoviec.reads.org import viewer_for
from giaoviec.reads.subtasks import ancestors, subtask_rollup
from giaoviec.services.subtasks import SubtaskPart, SubtaskService
from giaoviec.services.tasks import TaskService
from giaoviec.store.models import Task
from tests.workflow.harness import draft, events, new_key, task_row, working_day_after
from workflows.contracts import CalendarConfig, Output, TaskRecord

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "test-subtasks"
CAL = WorkingCalendar()


@dataclass
class Services:
    tasks: TaskService
    subtasks: SubtaskService


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def svc(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Services]:
    async with build_worker(env.client, db, QUEUE):
        tasks = TaskService(env.client, db, QUEUE, CAL, CalendarConfig())
        yield Services(tasks, SubtaskService(tasks))


def part(lead: str, owner: str, due: date, title: str = "Rà soát biên chế") -> SubtaskPart:
    d = replace(draft(title=title, lead=lead, owner=owner, deadline=due), basis=None)
    return SubtaskPart(new_key(), d)


def rollup(db: Engine, task_id: str, now: datetime, user: str = "chutich") -> Figures:
    with Session(db) as s:
        viewer = viewer_for(s, user)
        assert viewer is not None
        return subtask_rollup(s, viewer, task_id, Clock.at(now, CAL))


async def tree(env: WorkflowEnvironment, svc: Services) -> dict[str, TaskRecord]:
    """R (Sở Nội vụ) → A (Phòng TCCB), B (Sở Nội vụ, an officer) ; A → A1, A2 ; A1 → A1a."""
    now = await env.get_current_time()
    r = await svc.tasks.assign("chutich", new_key(), draft(deadline=working_day_after(now, 20),
                                                           owner="snv.cb1"), now=now)
    a, b = await svc.subtasks.split("gd.snv", r.id, [
        part("snv-tccb", "tp.tccb", working_day_after(now, 15)),
        part("snv", "snv.cb2", working_day_after(now, 18), "Tổng hợp số liệu"),
    ], now=now)
    a1, a2 = await svc.subtasks.split("tp.tccb", a.id, [
        part("snv-tccb", "tccb.cb", working_day_after(now, 10), "Biên chế khối sở"),
        part("snv-tccb", "tccb.cb", working_day_after(now, 12), "Biên chế khối xã"),
    ], now=now)
    (a1a,) = await svc.subtasks.split("tp.tccb", a1.id, [
        part("snv-tccb", "tccb.cb", working_day_after(now, 8), "Số liệu Sở Y tế"),
    ], now=now)
    return {"R": r, "A": a, "B": b, "A1": a1, "A2": a2, "A1a": a1a}


async def test_a_three_level_tree_rolls_up_and_adds_up(
    env: WorkflowEnvironment, svc: Services, db: Engine
) -> None:
    t = await tree(env, svc)
    assert t["A1a"].parent_id == t["A1"].id and t["A"].parent_id == t["R"].id
    assert t["B"].basis == "Kế hoạch số 208/KH-UBND"  # the parent's, none given
    assert task_row(db, t["A1a"].id).parent_id == t["A1"].id
    await svc.tasks.act("tccb.cb", t["A1a"].id, Action.SUBMIT, output=Output("Số liệu"))
    await svc.tasks.act("tp.tccb", t["A1a"].id, Action.APPROVE)
    now = await env.get_current_time()
    figures = {name: rollup(db, rec.id, now) for name, rec in t.items()}
    assert [figures[n].total for n in ("R", "A", "B", "A1", "A2", "A1a")] == [5, 3, 0, 1, 0, 0]
    children = {"R": ["A", "B"], "A": ["A1", "A2"], "A1": ["A1a"]}
    for name, kids in children.items():
        expected = Figures()
        for kid in kids:
            own = Figures(total=1)
            own.completed_on_time = int(kid == "A1a")
            own.open_in_time = 1 - own.completed_on_time
            expected.add(own)
            expected.add(replace(figures[kid], due_soon=0))
        got = replace(figures[name], due_soon=0)
        assert got == expected, name
        assert got.total == got.completed_on_time + got.completed_late + got.open_in_time \
            + got.open_overdue
    assert figures["R"].completed_on_time == figures["A1"].completed_on_time == 1
    with Session(db) as s:
        row = s.get(Task, t["A1a"].id)
        assert row is not None
        assert [x.id for x in ancestors(s, row)] == [t["R"].id, t["A"].id, t["A1"].id]
    # The office of the department reads no more than its own jurisdiction allows.
    assert rollup(db, t["R"].id, now, user="gd.stc").total == 0


async def test_splitting_is_for_the_lead_units_head_inside_his_unit_and_its_deadline(
    env: WorkflowEnvironment, svc: Services, db: Engine
) -> None:
    now = await env.get_current_time()
    r = await svc.tasks.assign("chutich", new_key(), draft(deadline=working_day_after(now, 10)),
                               now=now)
    ok = part("snv-tccb", "tp.tccb", working_day_after(now, 5))
    with pytest.raises(DomainError) as err:
        await svc.subtasks.split("snv.cb1", r.id, [ok], now=now)  # the owner, an officer
    assert err.value.code == Code.FORBIDDEN
    bad_product = replace(ok.draft, product=None)
    with pytest.raises(DomainError) as err:
        await svc.subtasks.split("gd.snv", r.id, [
            ok,
            part("stc", "stc.cb", working_day_after(now, 5)),  # another department
            part("snv", "snv.cb2", working_day_after(now, 11)),  # after the parent's deadline
            SubtaskPart(new_key(), bad_product),
        ], now=now)
    assert err.value.code == Code.VALIDATION
    found = {(f.row, f.field, f.code) for f in err.value.fields}
    assert (2, "parts[1].leadUnitId", "SUBTASK_OUTSIDE_LEAD_UNIT") in found
    assert (3, "parts[2].deadline", "SUBTASK_AFTER_PARENT") in found
    assert (4, "parts[3].product", "MISSING_PRODUCT") in found
    assert {row for row, _, _ in found} == {2, 3, 4}
    with Session(db) as s:
        assert s.exec(select(Task).where(Task.parent_id == r.id)).all() == []
    # A retry with the same keys gives the same sub-tasks, never a second set.
    first = await svc.subtasks.split("gd.snv", r.id, [ok], now=now)
    again = await svc.subtasks.split("gd.snv", r.id, [ok], now=now)
    assert [x.id for x in again] == [x.id for x in first]
    # A sub-task may not be split below the depth limit, nor once submitted.
    await svc.tasks.act("tp.tccb", first[0].id, Action.SUBMIT, output=Output("Báo cáo"))
    with pytest.raises(DomainError) as err:
        await svc.subtasks.split("tp.tccb", first[0].id,
                                 [part("snv-tccb", "tccb.cb", working_day_after(now, 3))],
                                 now=now)
    assert err.value.code == Code.ILLEGAL_TRANSITION


async def test_a_task_with_open_subtasks_is_submitted_by_its_head_with_a_reason(
    env: WorkflowEnvironment, svc: Services, db: Engine
) -> None:
    t = await tree(env, svc)
    r = t["R"].id
    with pytest.raises(DomainError) as err:
        await svc.tasks.act("snv.cb1", r, Action.SUBMIT, output=Output("Báo cáo tổng hợp"))
    assert err.value.code == Code.FORBIDDEN and "2 nhiệm vụ con" in err.value.message
    with pytest.raises(DomainError) as err:
        await svc.tasks.act("gd.snv", r, Action.SUBMIT, output=Output("Báo cáo tổng hợp"))
    assert [(f.field, f.code) for f in err.value.fields] == [("note", "OPEN_SUBTASKS")]
    assert task_row(db, r).state == TaskState.ASSIGNED.value  # refused: nothing changed
    done = await svc.tasks.act("gd.snv", r, Action.SUBMIT, output=Output("Báo cáo tổng hợp"),
                               note="Phần còn lại nộp bổ sung sau")
    assert done.state is TaskState.SUBMITTED
    assert events(db, r)[-1].note == "Phần còn lại nộp bổ sung sau"
    # Once every sub-task is closed, the owner submits as always.
    leaf = await svc.tasks.assign("chutich", new_key(), draft(deadline=working_day_after(
        await env.get_current_time(), 10)), now=await env.get_current_time())
    (only,) = await svc.subtasks.split("gd.snv", leaf.id, [
        part("snv", "snv.cb2", working_day_after(await env.get_current_time(), 5))])
    await svc.tasks.act("chutich", only.id, Action.CANCEL, note="Không cần nữa")
    assert (await svc.tasks.act("snv.cb1", leaf.id, Action.SUBMIT, output=Output("BC"))
            ).state is TaskState.SUBMITTED


async def test_cancelling_a_task_cancels_its_open_subtasks_with_the_reason(
    env: WorkflowEnvironment, svc: Services, db: Engine
) -> None:
    t = await tree(env, svc)
    await svc.tasks.act("tccb.cb", t["A2"].id, Action.SUBMIT, output=Output("Báo cáo"))
    await svc.tasks.act("tp.tccb", t["A2"].id, Action.APPROVE)
    with pytest.raises(DomainError):  # not his to cancel: nothing below is touched either
        await svc.tasks.act("snv.cb1", t["R"].id, Action.CANCEL, note="Thử")
    assert task_row(db, t["A1a"].id).state == TaskState.ASSIGNED.value
    await svc.tasks.act("chutich", t["R"].id, Action.CANCEL, note="Gộp vào kế hoạch năm")
    states = {name: task_row(db, rec.id).state for name, rec in t.items()}
    assert states == {"R": "cancelled", "A": "cancelled", "B": "cancelled", "A1": "cancelled",
                      "A2": "completed", "A1a": "cancelled"}
    last = events(db, t["A1a"].id)[-1]
    assert last.action == "cancel" and last.actor_id == "chutich"
    assert last.note is not None and "Gộp vào kế hoạch năm" in last.note
    assert "theo nhiệm vụ cấp trên" in last.note


async def test_an_approved_extension_can_shift_the_subtasks(
    env: WorkflowEnvironment, svc: Services, db: Engine
) -> None:
    t = await tree(env, svc)
    before = {name: task_row(db, rec.id).deadline for name, rec in t.items()}
    new_deadline = CAL.deadline_for_date(CAL.add_working_days(local_date(t["R"].deadline), 5))
    await svc.tasks.act("snv.cb1", t["R"].id, Action.REQUEST_EXTENSION,
                        new_deadline=new_deadline, note="Chờ số liệu của các xã")
    await svc.tasks.act("chutich", t["R"].id, Action.DECIDE_EXTENSION, approve=True,
                        shift_subtasks=True)
    after = {name: task_row(db, rec.id).deadline for name, rec in t.items()}
    assert after["R"] == new_deadline
    for name in ("A", "B", "A1", "A2", "A1a"):
        moved = CAL.working_days_between(local_date(before[name]), local_date(after[name]))
        assert moved == 5, name
        assert after[name] <= after["R"]
    assert events(db, t["A1a"].id)[-1].action == "shift_deadline"
    # Without asking, an extension leaves the sub-tasks where they are.
    t2 = await tree(env, svc)
    later = t2["R"].deadline + timedelta(days=7)
    await svc.tasks.act("snv.cb1", t2["R"].id, Action.REQUEST_EXTENSION, new_deadline=later,
                        note="Chờ")
    await svc.tasks.act("chutich", t2["R"].id, Action.DECIDE_EXTENSION, approve=True)
    with Session(db) as s:
        kids = s.exec(select(Task.deadline).where(col(Task.id).in_([t2["A"].id, t2["B"].id])))
        assert sorted(kids.all()) == sorted([t2["A"].deadline, t2["B"].deadline])


async def test_subtask_deadlines_never_pass_the_parent(
    env: WorkflowEnvironment, svc: Services
) -> None:
    now = await env.get_current_time()
    r = await svc.tasks.assign("chutich", new_key(), draft(at=now + timedelta(days=3)), now=now)
    p = SubtaskPart(new_key(), replace(draft(lead="snv", owner="snv.cb2"), product=Product(
        "báo cáo", "Báo cáo", "Trình"), deadline=DeadlineSpec(at=now + timedelta(days=4))))
    with pytest.raises(DomainError) as err:
        await svc.subtasks.split("gd.snv", r.id, [p], now=now)
    assert [f.code for f in err.value.fields] == ["SUBTASK_AFTER_PARENT"]
