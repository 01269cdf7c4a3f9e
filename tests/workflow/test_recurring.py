"""Recurring duties on the time-skipping server (SQLite and PostgreSQL), which runs no
Schedules: the test plays the Schedule — every morning an occurrence opens, and every Monday
besides — starting the same RecurringRunWorkflow. A simulated year (12/2031 – 11/2032, through
Tết Nhâm Tý 09–14/02/2032) gives exactly the tasks written out below, each with its deadline
moved off days off; a pause skips the periods it covers; an end stops the rule; the roll-up
of each period shows who has not submitted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from domain.calendar import WorkingCalendar
from domain.errors import Code, DomainError
from domain.lifecycle import Action
from domain.recurrence import (
    OPENS_AT,
    SEED_REPORTS,
    Frequency,
    Recurrence,
    RuleDraft,
    from_json,
    occurrences,
)
from domain.timezone import at_local, local_date
from giaoviec.programs.worker import build_worker
from giaoviec.reads.counts import Clock
from giaoviec.reads.org import viewer_for
from giaoviec.reads.recurring import rule_events, rule_periods
from giaoviec.services.recurring import RecurringService
from giaoviec.services.tasks import TaskService
from giaoviec.store.models import (
    Official,
    RecurringRule,
    RecurringRuleEvent,
    Task,
    TaskRequest,
)
from workflows.contracts import CalendarConfig, Output, RecurringRun, workflow_id_for
from workflows.recurring import RecurringRunWorkflow
from workflows.task import TaskWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "test-recurring"
CAL = WorkingCalendar()
UNITS = ("snv", "stc")


@dataclass
class DrivenScheduler:
    """The test plays the Schedule: it records what a Temporal Schedule would be told."""

    installed: list[str] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)

    async def install(self, rule_id: str, title: str) -> None:
        self.installed.append(rule_id)

    async def remove(self, rule_id: str) -> None:
        self.calls.append(("remove", rule_id))

    async def set_paused(self, rule_id: str, paused: bool, note: str) -> None:
        self.calls.append(("pause" if paused else "unpause", rule_id))


async def wait_created(env: WorkflowEnvironment, db: Engine, rule_id: str) -> None:
    """The tasks a run started record their assignment on their own: wait until each has."""
    with Session(db) as s:
        claimed = s.exec(select(TaskRequest.task_id).where(
            col(TaskRequest.client_key).startswith(f"rule:{rule_id}:"))).all()
        closed = set(s.exec(select(Task.id).where(
            Task.rule_id == rule_id, col(Task.state).in_(["completed", "cancelled"]))).all())
    for task_id in claimed:
        if task_id not in closed:
            handle = env.client.get_workflow_handle(workflow_id_for(task_id))
            await handle.execute_update(TaskWorkflow.created)


@dataclass
class Harness:
    env: WorkflowEnvironment
    db: Engine
    tasks: TaskService
    rules: RecurringService
    scheduler: DrivenScheduler
    runs: int = 0

    async def run(self, rule_id: str) -> None:
        """What the rule's Schedule does each morning. Waited for by polling: waiting on a
        result would let the test server skip time meanwhile (to the next task's reminder)."""
        self.runs += 1
        handle = await self.env.client.start_workflow(
            RecurringRunWorkflow.run, RecurringRun(rule_id), id=f"run-{rule_id}-{self.runs}",
            task_queue=QUEUE)
        for _ in range(1000):
            if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
                break
            await asyncio.sleep(0.01)
        assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
        await wait_created(self.env, self.db, rule_id)

    async def sleep_until(self, moment: datetime) -> None:
        delta = moment - await self.env.get_current_time()
        if delta > timedelta(0):
            await self.env.sleep(delta)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Harness]:
    async with build_worker(env.client, db, QUEUE):
        tasks = TaskService(env.client, db, QUEUE, CAL, CalendarConfig())
        scheduler = DrivenScheduler()
        yield Harness(env, db, tasks, RecurringService(tasks, scheduler), scheduler)


def rule(title: str, recurrence: Recurrence, starts_on: date, units: tuple[str, ...] = UNITS,
         **kw: object) -> RuleDraft:
    values: dict[str, object] = {
        "description": "Tổng hợp, báo cáo kết quả thực hiện Kế hoạch.",
        "basis": "Kế hoạch số 112/KH-UBND", "product_kind": "báo cáo",
        "product_description": "Báo cáo kết quả", "product_measure": "Gửi Văn phòng UBND tỉnh",
        "ends_on": None}
    values.update(kw)
    return RuleDraft(title=title, unit_ids=units, recurrence=recurrence, starts_on=starts_on,
                     **values)  # type: ignore[arg-type]


async def test_a_rule_is_checked_whole_before_anything_is_recorded(h: Harness) -> None:
    now = await h.env.get_current_time()
    bad = rule("Báo cáo tuần", Recurrence(Frequency.WEEKLY, weekday=9), local_date(now),
               units=("snv", "nowhere"), product_kind=None, product_description=None,
               ends_on=local_date(now) - timedelta(days=1))
    with pytest.raises(DomainError) as err:
        await h.rules.create("chutich", "r-bad", bad, now=now)
    found = {(f.field, f.code, f.row) for f in err.value.fields}
    assert found == {
        ("recurrence.weekday", "INVALID_WEEKDAY", None), ("endsOn", "INVALID_RANGE", None),
        ("unitIds[1]", "UNKNOWN_LEAD_UNIT", 2), ("unitIds[1]", "MISSING_OWNER", 2),
        ("product", "MISSING_PRODUCT", None)}
    with pytest.raises(DomainError) as err:  # an officer sets no duty for a department
        await h.rules.create("snv.cb1", "r-officer", rule(
            "Báo cáo", Recurrence(Frequency.MONTHLY, day=25), local_date(now)), now=now)
    assert err.value.code == Code.FORBIDDEN
    with Session(h.db) as s:
        assert s.exec(select(RecurringRule)).all() == []
    assert h.scheduler.installed == []


async def test_a_unit_that_cannot_take_its_task_is_recorded_and_skipped(h: Harness) -> None:
    now = await h.env.get_current_time()
    rule_id = await h.rules.create("chutich", "r-skip", rule(
        "Báo cáo nhanh", Recurrence(Frequency.MONTHLY, day=local_date(now).day, open_days=0),
        local_date(now)), now=now)
    again = await h.rules.create("chutich", "r-skip", rule(
        "Báo cáo nhanh", Recurrence(Frequency.MONTHLY, day=local_date(now).day, open_days=0),
        local_date(now)), now=now)
    assert again == rule_id and h.scheduler.installed == [rule_id, rule_id]
    with Session(h.db) as s:  # the head of Sở Tài chính leaves before the first run
        head = s.get(Official, "gd.stc")
        assert head is not None
        head.active = False
        s.add(head)
        s.commit()
    try:
        await h.sleep_until(at_local(local_date(now) + timedelta(days=1), OPENS_AT))
        await h.run(rule_id)
        await h.run(rule_id)
    finally:
        with Session(h.db) as s:
            head = s.get(Official, "gd.stc")
            assert head is not None
            head.active = True
            s.add(head)
            s.commit()
    with Session(h.db) as s:
        made = s.exec(select(Task.lead_unit_id).where(Task.rule_id == rule_id)).all()
        skips = s.exec(select(RecurringRuleEvent).where(RecurringRuleEvent.rule_id == rule_id,
                                                        RecurringRuleEvent.action == "skip")).all()
    assert made == ["snv"]
    assert len(skips) == 1 and skips[0].note is not None and "stc" in skips[0].note
    await h.rules.end("chutich", rule_id, "Thử xong", now=await h.env.get_current_time())
    with Session(h.db) as s:  # quiet: its reminders would ring through the years below
        (task_id,) = s.exec(select(Task.id).where(Task.rule_id == rule_id)).all()
    await h.tasks.act("chutich", task_id, Action.CANCEL, note="Thử xong")


# The simulated year --------------------------------------------------------------------------

ANCHOR = at_local(date(2031, 11, 20), time(10, 0))  # Thursday; the rules are set that morning
UNTIL = at_local(date(2032, 11, 30), time(12, 0))
# (rule, period, deadline): every task the year gives, for each of the two units.
EXPECTED = {
    ("reports", "2031-12-05", date(2031, 12, 5)),
    ("reports", "2032-06-05", date(2032, 6, 7)),  # Saturday → Monday
    ("reports", "2032-12-05", date(2032, 12, 6)),  # Sunday → Monday (opens 05/11)
    ("monthly", "2031-12", date(2031, 12, 25)),
    ("monthly", "2032-01", date(2032, 1, 26)),  # Sunday → Monday
    ("monthly", "2032-02", date(2032, 2, 25)),
    # 2032-03 and 2032-04 open while the rule is paused (01/03 – 20/04): none.
    ("monthly", "2032-05", date(2032, 5, 25)),
    ("monthly", "2032-06", date(2032, 6, 25)),
    ("monthly", "2032-07", date(2032, 7, 26)),
    ("monthly", "2032-08", date(2032, 8, 25)),
    ("monthly", "2032-09", date(2032, 9, 27)),  # Saturday → Monday
    ("monthly", "2032-10", date(2032, 10, 25)),
    ("monthly", "2032-11", date(2032, 11, 25)),
    ("weekly", "2032-W05", date(2032, 1, 30)),
    ("weekly", "2032-W06", date(2032, 2, 6)),
    ("weekly", "2032-W07", date(2032, 2, 16)),  # Friday 13/02 is Tết (to 14/02): Monday 16/02
    ("weekly", "2032-W08", date(2032, 2, 20)),
    ("weekly", "2032-W09", date(2032, 2, 27)),
    # ended on 24/02, after W09 opened (Monday 23/02): no W10.
}


async def test_a_simulated_year_through_tet_gives_exactly_the_right_tasks(h: Harness) -> None:
    assert all(CAL.is_working_day(d) for _, _, d in EXPECTED)  # the table has no typo
    await h.sleep_until(ANCHOR)
    ids = {
        "reports": await h.rules.create("chutich", "r-reports", rule(
            "Báo cáo kết quả thực hiện Kế hoạch", SEED_REPORTS, date(2031, 11, 1)), now=ANCHOR),
        "monthly": await h.rules.create("chutich", "r-monthly", rule(
            "Báo cáo tháng", Recurrence(Frequency.MONTHLY, day=25), date(2031, 12, 1)),
            now=ANCHOR),
        "weekly": await h.rules.create("chutich", "r-weekly", rule(
            "Báo cáo kiểm đếm tuần", Recurrence(Frequency.WEEKLY, weekday=5),
            date(2032, 1, 26)), now=ANCHOR),
    }
    by_id = {v: k for k, v in ids.items()}
    # The agenda: each rule is run at once when set (as a Schedule is triggered), every morning
    # one of its occurrences opens, and every Monday morning besides; the changes in between.
    agenda: list[tuple[datetime, str, str]] = [(ANCHOR, "run", i) for i in ids.values()]
    with Session(h.db) as s:
        for rule_id in ids.values():
            row = s.get(RecurringRule, rule_id)
            assert row is not None
            for occ in occurrences(from_json(row.recurrence), ANCHOR, UNTIL):
                agenda.append((occ.opens_at, "run", rule_id))
    monday = at_local(date(2031, 11, 24), OPENS_AT)
    while monday < UNTIL:
        agenda += [(monday, "run", i) for i in ids.values()]
        monday += timedelta(days=7)
    agenda += [
        (at_local(date(2032, 2, 24), time(9)), "end", ids["weekly"]),
        (at_local(date(2032, 3, 1), time(9)), "pause", ids["monthly"]),
        (at_local(date(2032, 4, 20), time(9)), "resume", ids["monthly"]),
    ]
    for when, what, rule_id in sorted(set(agenda)):
        await h.sleep_until(when)
        now = await h.env.get_current_time()
        if what == "run":
            await h.run(rule_id)
            await submit_for_one_unit(h, rule_id)
        elif what == "pause":
            await h.rules.pause("chutich", rule_id, "Chờ sắp xếp lại bộ máy", now=now)
        elif what == "resume":
            await h.rules.resume("chutich", rule_id, now=now)
        else:
            await h.rules.end("chutich", rule_id, "Hết đợt cao điểm sau Tết", now=now)

    with Session(h.db) as s:
        rows = s.exec(select(Task).where(col(Task.rule_id).in_(list(ids.values())))).all()
        got = [(by_id[t.rule_id or ""], t.period, t.lead_unit_id, local_date(t.deadline))
               for t in rows]
        assert sorted(got) == sorted((r, p, u, d) for r, p, d in EXPECTED for u in UNITS)
        for t in rows:  # each assigned the morning its occurrence opened, no later
            key = (by_id[t.rule_id or ""], t.period)
            first_run = ANCHOR if key == ("reports", "2031-12-05") else None
            opened = first_run or next(
                o.opens_at for o in occurrences(_recurrence(s, t.rule_id or ""), ANCHOR, UNTIL)
                if o.key == t.period)
            assert abs(t.created_at - opened) < timedelta(minutes=5), (key, t.created_at)
        assert all(t.title.startswith(("Báo cáo kết quả", "Báo cáo tháng", "Báo cáo kiểm đếm"))
                   for t in rows)
        w07 = next(t for t in rows if t.period == "2032-W07" and t.lead_unit_id == "snv")
        assert w07.title == "Báo cáo kiểm đếm tuần (tuần 7 năm 2032)"
        trail = {k: [e.action for e in rule_events(s, v)] for k, v in ids.items()}
        assert trail == {"reports": ["create"], "monthly": ["create", "pause", "resume"],
                         "weekly": ["create", "end"]}
        ended = s.get(RecurringRule, ids["weekly"])
        assert ended is not None and ended.state == "ended"
        # Each period's roll-up: Sở Nội vụ submitted, Sở Tài chính has not.
        viewer = viewer_for(s, "chutich")
        assert viewer is not None
        clock = Clock.at(await h.env.get_current_time(), CAL)
        for name, rule_id in ids.items():
            row = s.get(RecurringRule, rule_id)
            assert row is not None
            periods = rule_periods(s, viewer, row, clock, last=60)
            assert [p.key for p in periods] == sorted(
                (p for r, p, _ in EXPECTED if r == name), reverse=True)
            for p in periods:
                assert p.not_submitted == ["stc"], (name, p.key)
                assert p.counts.total == 2
                assert p.counts.completed_on_time == 1
    assert ("remove", ids["weekly"]) in h.scheduler.calls
    removed = {r for kind, r in h.scheduler.calls if kind == "remove"}
    assert ids["weekly"] in removed and not removed & {ids["monthly"], ids["reports"]}
    # The paused duty's Schedule slept while it was paused.
    assert [kind for kind, r in h.scheduler.calls if r == ids["monthly"]] == ["pause", "unpause"]


def _recurrence(s: Session, rule_id: str) -> Recurrence:
    row = s.get(RecurringRule, rule_id)
    assert row is not None
    return from_json(row.recurrence)


async def submit_for_one_unit(h: Harness, rule_id: str) -> None:
    """Sở Nội vụ delivers every period's product at once; Sở Tài chính never does (its tasks
    are paused, so that a year of their reminders does not slow the test down)."""
    with Session(h.db) as s:
        waiting = s.exec(select(Task.id, Task.lead_unit_id).where(
            Task.rule_id == rule_id, Task.state == "assigned")).all()
    for task_id, unit in waiting:
        if unit == "snv":
            await h.tasks.act("gd.snv", task_id, Action.SUBMIT, output=Output("Báo cáo"))
            await h.tasks.act("chutich", task_id, Action.APPROVE)
        else:
            await h.tasks.act("chutich", task_id, Action.PAUSE, note="Chờ đối chiếu số liệu")
