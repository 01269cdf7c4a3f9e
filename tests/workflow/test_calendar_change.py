"""When the Government announces a swap, the admin sets the calendar's overrides and every
open task re-plans its reminders on the new calendar (a signal from a durable fan-out)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time, timedelta

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from domain.calendar import CalendarOverrides, WorkingCalendar
from domain.errors import Code, DomainError
from domain.lifecycle import Action
from domain.timezone import at_local
from giaoviec.config import Settings
from giaoviec.programs.worker import build_worker
from giaoviec.services.calendar import set_overrides
from giaoviec.services.tasks import TaskService
from giaoviec.store.models import Official
from tests.workflow.harness import draft, new_key, working_day_after
from workflows.contracts import CalendarConfig, workflow_id_for
from workflows.task import TaskWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "calendar"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(env: WorkflowEnvironment, db: Engine,
                  tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TaskService]:
    with Session(db) as s:
        s.add(Official(id="quantri", username="quantri", full_name="Quản Trị Viên",
                       unit_id="vp", roles="admin"))
        s.commit()
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("d"))  # type: ignore[call-arg]
    async with build_worker(env.client, db, QUEUE, settings=settings):
        yield TaskService(env.client, db, QUEUE, WorkingCalendar(), CalendarConfig())


async def test_a_new_day_off_moves_the_reminders_of_open_tasks(
    env: WorkflowEnvironment, service: TaskService,
) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    start = await env.get_current_time()
    deadline_day = working_day_after(start, 12)
    rec = await service.assign("chutich", new_key(), draft(deadline=deadline_day), now=start)
    handle = env.client.get_workflow_handle(workflow_id_for(rec.id))
    cal = WorkingCalendar()
    before = await handle.query(TaskWorkflow.next_reminder_at)
    assert before == at_local(cal.add_working_days(deadline_day, -3), time(8))
    # The day before the deadline is made a day off: "3 working days before" comes a day
    # earlier, and the task's own workflow hears of it.
    day_off = cal.add_working_days(deadline_day, -1)
    # Time stands still while the fan-out runs: a skip to the re-planned step would fire it.
    with env.auto_time_skipping_disabled():
        await set_overrides(service, settings, "quantri", [day_off], [], "Nghỉ bù", wait=True)
    after = await handle.query(TaskWorkflow.next_reminder_at)
    moved = WorkingCalendar(CalendarOverrides(frozenset({day_off})))
    assert after == at_local(moved.add_working_days(deadline_day, -3), time(8))
    assert after is not None and before is not None and after < before
    assert service.calendar.is_working_day(day_off) is False  # this process's calendar too
    await service.act("chutich", rec.id, Action.CANCEL,
                      note="Kết thúc thử nghiệm")


async def test_only_the_admin_sets_the_calendar_and_bad_days_are_refused(
    service: TaskService, db: Engine,
) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(DomainError) as err:
        await set_overrides(service, settings, "chutich", [date(2026, 12, 31)], [])
    assert err.value.code == Code.FORBIDDEN
    cases = [
        (([date(2027, 1, 2)], [date(2027, 1, 2)]), "DAY_BOTH_OFF_AND_WORKING"),
        (([date(9999, 1, 1)], []), "DATE_OUT_OF_RANGE"),
        (([date(2027, 1, 1) + timedelta(days=n) for n in range(400)], []), "TOO_MANY_DAYS"),
    ]
    for (off, working), code in cases:
        with pytest.raises(DomainError) as err:
            await set_overrides(service, settings, "quantri", off, working)
        assert err.value.code == Code.VALIDATION
        assert code in {f.code for f in err.value.fields}
