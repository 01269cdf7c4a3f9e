"""The digest Schedule on the real Temporal dev server (the time-skipping one has none):
installed idempotently, and a run mails one digest per person through a real SMTP server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
import sqlalchemy
from sqlmodel import Session, SQLModel, select
from temporalio.client import ScheduleActionStartWorkflow, ScheduleOverlapPolicy
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from domain.calendar import WorkingCalendar
from domain.periods import PeriodKind, period_containing, week_just_ended
from domain.recurrence import Frequency, Recurrence, RuleDraft
from domain.timezone import local_date
from giaoviec.programs.schedules import (
    DIGEST_SCHEDULE_ID,
    TALLY_SCHEDULE_ID,
    digest_schedule,
    ensure_rule_schedules,
    ensure_schedules,
)
from giaoviec.programs.temporal import DATA_CONVERTER
from giaoviec.programs.worker import build_worker
from giaoviec.reads.recurring import rule_events
from giaoviec.services.recurring import (
    RecurringService,
    ScheduleChange,
    TemporalScheduler,
    schedule_id,
)
from giaoviec.services.tasks import TaskService
from giaoviec.store.db import make_engine
from giaoviec.store.models import Briefing, RecurringRule, TallySnapshot, Task
from tests.conftest import SmtpServer, binary
from tests.org_fixture import seed_small_org
from tests.unit.test_mail import emailed, mail_engine, seed_standard, settings_for
from workflows.contracts import CalendarConfig

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER,
        dev_server_existing_path=binary("temporal"),
        dev_server_log_level="error",
    ) as env:
        yield env


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sqlalchemy.Engine]:
    engine = mail_engine(tmp_path)
    yield engine
    engine.dispose()


async def test_digest_schedule_is_idempotent_and_mails(
    local_env: WorkflowEnvironment, engine: sqlalchemy.Engine, smtp_server: SmtpServer
) -> None:
    settings = settings_for(smtp_server.port)
    settings.task_queue = "schedules-test"
    client = local_env.client
    await ensure_schedules(client, settings)
    await ensure_schedules(client, settings)  # a second start-up changes nothing
    ids = [s.id async for s in await client.list_schedules()]
    assert ids.count(DIGEST_SCHEDULE_ID) == 1
    handle = client.get_schedule_handle(DIGEST_SCHEDULE_ID)
    described = await handle.describe()
    assert described.schedule.spec == digest_schedule(settings).spec
    # An operator pauses it: the next start-up brings it in line but keeps the pause.
    await handle.pause(note="Tạm dừng để bảo trì máy chủ thư")
    await ensure_schedules(client, settings)
    state = (await handle.describe()).schedule.state
    assert state.paused and state.note == "Tạm dừng để bảo trì máy chủ thư"
    await handle.unpause()

    seed_standard(engine)
    async with build_worker(client, engine, settings.task_queue, settings=settings):
        await handle.trigger()
        for _ in range(150):
            if len(smtp_server.handler.received) >= 2:
                break
            await asyncio.sleep(0.2)
    recipients = sorted(to[0] for to, _ in smtp_server.handler.received)
    assert recipients == ["an@example.gov.vn", "binh@example.gov.vn"]
    mailed = emailed(engine)
    assert all(mailed["an"]) and all(mailed["binh"]) and not any(mailed["cuong"])


async def test_weekly_tally_schedule_runs_the_tally(
    local_env: WorkflowEnvironment, engine: sqlalchemy.Engine, tmp_path: Path
) -> None:
    settings = settings_for(None)
    settings.task_queue = "tally-schedule-test"
    settings.data_dir = tmp_path
    client = local_env.client
    await ensure_schedules(client, settings)
    handle = client.get_schedule_handle(TALLY_SCHEDULE_ID)
    described = (await handle.describe()).schedule
    spec = described.spec
    assert spec.time_zone_name == "Asia/Ho_Chi_Minh"
    # A missed week is caught up once (within six days), runs never pile up.
    assert described.policy.catchup_window == timedelta(days=6)
    assert described.policy.overlap == ScheduleOverlapPolicy.SKIP
    (cal,) = spec.calendars
    assert [r.start for r in cal.day_of_week] == [1]  # Monday
    assert ([r.start for r in cal.hour], [r.start for r in cal.minute]) == ([6], [30])
    week = week_just_ended(datetime.now(UTC)).key
    async with build_worker(client, engine, settings.task_queue, settings=settings):
        await handle.trigger()
        for _ in range(150):
            with Session(engine) as s:
                if s.exec(select(Briefing).where(Briefing.period == week)).first():
                    break
            await asyncio.sleep(0.2)
    with Session(engine) as s:
        briefing = s.exec(select(Briefing).where(Briefing.period == week)).one()
        assert s.exec(select(TallySnapshot).where(TallySnapshot.period == week)).all()
    assert (tmp_path / briefing.directory).is_dir()


async def test_periodic_reports_run_for_the_current_half_and_year(
    local_env: WorkflowEnvironment, engine: sqlalchemy.Engine, tmp_path: Path
) -> None:
    settings = settings_for(None)
    settings.task_queue = "periodic-schedule-test"
    settings.data_dir = tmp_path
    client = local_env.client
    await ensure_schedules(client, settings)
    now = datetime.now(UTC)
    expected = {"giaoviec-half-year-report": period_containing(now, PeriodKind.HALF).key,
                "giaoviec-annual-report": period_containing(now, PeriodKind.YEAR).key}
    async with build_worker(client, engine, settings.task_queue, settings=settings):
        for schedule_id, period in expected.items():
            handle = client.get_schedule_handle(schedule_id)
            (cal,) = (await handle.describe()).schedule.spec.calendars
            assert [r.start for r in cal.day_of_month] == [1]
            await handle.trigger()
            for _ in range(150):
                with Session(engine) as s:
                    if s.exec(select(Briefing).where(Briefing.period == period)).first():
                        break
                await asyncio.sleep(0.2)
            with Session(engine) as s:
                assert s.exec(select(Briefing).where(Briefing.period == period)).first()


def monthly_duty(title: str, day: int, units: tuple[str, ...], starts_on: date) -> RuleDraft:
    return RuleDraft(
        title=title, description="Tổng hợp kết quả thực hiện.", basis="KH 112",
        product_kind="báo cáo", product_description=title, product_measure="Gửi VP",
        unit_ids=units, recurrence=Recurrence(Frequency.MONTHLY, day=day), starts_on=starts_on)


@pytest.fixture
def org_engine(tmp_path: Path) -> Iterator[sqlalchemy.Engine]:
    """A read model holding the small organisation."""
    engine = make_engine(f"sqlite:///{tmp_path / 'org.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        seed_small_org(s)
    yield engine
    engine.dispose()


async def test_a_recurring_duty_runs_on_a_schedule_of_its_own(
    local_env: WorkflowEnvironment, org_engine: sqlalchemy.Engine
) -> None:
    engine = org_engine
    queue = "recurring-schedule-test"
    client = local_env.client
    calendar = WorkingCalendar()
    service = RecurringService(TaskService(client, engine, queue, calendar, CalendarConfig()),
                               TemporalScheduler(client, queue))
    today = local_date(datetime.now(UTC))
    due = today + timedelta(days=3)  # one occurrence open now: its day this month
    draft = monthly_duty("Báo cáo tháng", due.day, ("snv", "stc"), today - timedelta(days=30))

    def made(rule_id: str) -> list[str]:
        with Session(engine) as s:
            return list(s.exec(select(Task.lead_unit_id).where(Task.rule_id == rule_id)).all())

    async with build_worker(client, engine, queue, settings=settings_for(None)):
        rule_id = await service.create("chutich", "monthly-report", draft)
        for _ in range(150):  # installed and triggered at once: today's occurrence opens
            if len(made(rule_id)) == 2:
                break
            await asyncio.sleep(0.2)
        assert sorted(made(rule_id)) == ["snv", "stc"]
        assert await service.create("chutich", "monthly-report", draft) == rule_id
        handle = client.get_schedule_handle(schedule_id(rule_id))  # the same one, brought in line
        described = await handle.describe()
        (cal,) = described.schedule.spec.calendars
        assert ([r.start for r in cal.hour], [r.start for r in cal.minute]) == ([6], [0])
        assert described.schedule.spec.time_zone_name == "Asia/Ho_Chi_Minh"
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert action.workflow == "RecurringRunWorkflow"

        await service.pause("chutich", rule_id, "Chờ sắp xếp bộ máy")
        state = (await handle.describe()).schedule.state
        assert state.paused and state.note == "Chờ sắp xếp bộ máy"  # it sleeps
        await handle.trigger()  # and a run made by hand opens nothing for a paused duty
        await service.resume("chutich", rule_id)
        assert not (await handle.describe()).schedule.state.paused
        await handle.trigger()  # resumed, run again: nothing twice
        await asyncio.sleep(2)
        assert sorted(made(rule_id)) == ["snv", "stc"]
        await service.end("chutich", rule_id, "Thay bằng báo cáo quý")
        with pytest.raises(RPCError) as gone:  # (the list of Schedules catches up later)
            await handle.describe()
        assert gone.value.status == RPCStatusCode.NOT_FOUND
        await service.end("chutich", rule_id, "Thay bằng báo cáo quý")  # again: nothing more
    with Session(engine) as s:
        rule = s.get(RecurringRule, rule_id)
        assert rule is not None and rule.state == "ended"
        assert [e.action for e in rule_events(s, rule_id)] == [
            "create", "pause", "resume", "end"]


class _NoSchedule:
    """Records rules without touching Temporal, as a lost or stale cluster would leave them."""

    async def install(self, rule_id: str, title: str) -> None: ...
    async def remove(self, rule_id: str) -> None: ...
    async def set_paused(self, rule_id: str, paused: bool, note: str) -> None: ...


async def test_rule_schedules_are_made_again_and_leftovers_removed(
    local_env: WorkflowEnvironment, org_engine: sqlalchemy.Engine
) -> None:
    engine = org_engine
    queue = "recurring-reconcile-test"
    client = local_env.client
    service = RecurringService(
        TaskService(client, engine, queue, WorkingCalendar(), CalendarConfig()), _NoSchedule())
    today = local_date(datetime.now(UTC))

    def draft(title: str) -> RuleDraft:
        return monthly_duty(title, 28, ("snv",), today)

    lost = await service.create("chutich", "lost", draft("Báo cáo tháng"))  # no Schedule
    paused = await service.create("chutich", "paused", draft("Báo cáo tuần"))
    await service.pause("chutich", paused, "Chờ sắp xếp")
    ended = await service.create("chutich", "ended", draft("Báo cáo quý"))
    await service.end("chutich", ended, "Thay bằng báo cáo năm")
    temporal = TemporalScheduler(client, queue)
    await temporal.install(ended, "left behind", run_now=False)  # ended while it stayed
    listed: set[str] = set()
    for _ in range(100):  # the list of Schedules is eventually consistent
        listed = {s.id async for s in await client.list_schedules()}
        if schedule_id(ended) in listed:
            break
        await asyncio.sleep(0.1)
    assert schedule_id(ended) in listed

    assert sorted((r, c) for r, _, c in await ensure_rule_schedules(client, engine, queue)) == \
        sorted([(lost, ScheduleChange.MADE), (paused, ScheduleChange.MADE),
                (ended, ScheduleChange.REMOVED)])
    for rule_id in (lost, paused):
        described = await client.get_schedule_handle(schedule_id(rule_id)).describe()
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert action.task_queue == queue
        assert described.info.num_actions == 0  # not run at once: the next 06:00 opens them
        assert described.schedule.state.paused == (rule_id == paused)
    with pytest.raises(RPCError) as gone:
        await client.get_schedule_handle(schedule_id(ended)).describe()
    assert gone.value.status == RPCStatusCode.NOT_FOUND
    for rule_id in (lost, paused):
        await temporal.remove(rule_id)


async def test_schedules_left_out_of_line_by_temporal_away_are_set_as_the_rules_are(
    local_env: WorkflowEnvironment, org_engine: sqlalchemy.Engine
) -> None:
    """A resume, pause or end whose Schedule step failed (Temporal away) leaves the Schedule
    asleep for an active duty, awake for a paused one, or behind an ended one:
    `giaoviec schedules` sets each as the database says, once."""
    engine = org_engine
    queue = "recurring-sync-test"
    client = local_env.client
    service = RecurringService(
        TaskService(client, engine, queue, WorkingCalendar(), CalendarConfig()), _NoSchedule())
    temporal = TemporalScheduler(client, queue)
    today = local_date(datetime.now(UTC))
    rules = {name: await service.create("chutich", name, monthly_duty(title, 28, ("snv",), today))
             for name, title in (("asleep", "Báo cáo tháng"), ("awake", "Báo cáo tuần"),
                                 ("behind", "Báo cáo quý"), ("fine", "Báo cáo năm"))}
    await service.pause("chutich", rules["awake"], "Chờ sắp xếp")
    await service.end("chutich", rules["behind"], "Thay bằng báo cáo năm")
    await temporal.install(rules["asleep"], "Báo cáo tháng", run_now=False, paused=True)
    for name in ("awake", "behind", "fine"):
        await temporal.install(rules[name], name, run_now=False)

    changes = await ensure_rule_schedules(client, engine, queue)
    assert sorted((r, t, c) for r, t, c in changes) == sorted([
        (rules["asleep"], "Báo cáo tháng", ScheduleChange.RESUMED),
        (rules["awake"], "Báo cáo tuần", ScheduleChange.PAUSED),
        (rules["behind"], "Báo cáo quý", ScheduleChange.REMOVED)])
    for name, paused in (("asleep", False), ("awake", True), ("fine", False)):
        state = (await client.get_schedule_handle(schedule_id(rules[name])).describe()
                 ).schedule.state
        assert state.paused == paused, name
    with pytest.raises(RPCError) as gone:
        await client.get_schedule_handle(schedule_id(rules["behind"])).describe()
    assert gone.value.status == RPCStatusCode.NOT_FOUND
    assert await ensure_rule_schedules(client, engine, queue) == []  # in line: nothing to do
    for name in ("asleep", "awake", "fine"):
        await temporal.remove(rules[name])
