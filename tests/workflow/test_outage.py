"""A database outage does not hang the engine (issue 15, item 9): the worker reaches PostgreSQL
through a small TCP proxy that the test stops mid-run. An update meanwhile is refused within a
bounded time as UNAVAILABLE with nothing changed (the workflow's view and the read model as
before), and once the proxy is back the same request goes through without anyone stepping in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from domain.calendar import WorkingCalendar
from domain.errors import Code, DomainError
from domain.lifecycle import Action, TaskState
from giaoviec.programs.worker import build_worker
from giaoviec.services.tasks import TaskService
from tests.db_proxy import Proxy, behind_proxy
from tests.workflow.harness import draft, events, new_key, task_row, working_day_after
from workflows.contracts import CalendarConfig

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "outage"


@pytest_asyncio.fixture(loop_scope="module")
async def proxied(db: Engine) -> AsyncIterator[tuple[Proxy, Engine]]:
    async with behind_proxy(db) as found:
        yield found


async def test_an_update_during_an_outage_is_refused_in_time_and_the_task_recovers(
    env: WorkflowEnvironment, db: Engine, proxied: tuple[Proxy, Engine],
) -> None:
    proxy, through_proxy = proxied
    # The service reads directly; the worker writes the read model through the proxy.
    service = TaskService(env.client, db, QUEUE, WorkingCalendar(), CalendarConfig())
    async with build_worker(env.client, through_proxy, QUEUE):
        now = await env.get_current_time()
        rec = await service.assign("chutich", new_key(),
                                   draft(deadline=working_day_after(now, 8)), now=now)
        await service.act("snv.cb1", rec.id, Action.ACCEPT)
        before = task_row(db, rec.id)

        await proxy.stop()
        started = time.monotonic()
        with pytest.raises(DomainError) as refused:
            await asyncio.wait_for(
                service.act("snv.cb1", rec.id, Action.REPORT_PROGRESS, percent=30), 40)
        waited = time.monotonic() - started
        assert refused.value.code == Code.UNAVAILABLE
        assert waited < 20  # a refused connection: ≈7 s of backoff, not the update's 60 s
        view = await service.record(rec.id)
        assert view.progress == 0 and view.seq == before.version  # nothing changed
        assert task_row(db, rec.id).version == before.version

        await proxy.start()  # the database is back: the same request goes through
        after = await service.act("snv.cb1", rec.id, Action.REPORT_PROGRESS, percent=30)
        assert after.progress == 30 and task_row(db, rec.id).progress == 30
        assert [e.seq for e in events(db, rec.id)] == list(range(1, after.seq + 1))
        done = await service.act("chutich", rec.id, Action.CANCEL, note="Kết thúc thử nghiệm")
        assert done.state is TaskState.CANCELLED


async def test_an_assignment_during_an_outage_is_refused_and_its_retry_goes_through(
    env: WorkflowEnvironment, db: Engine, proxied: tuple[Proxy, Engine],
) -> None:
    proxy, through_proxy = proxied
    service = TaskService(env.client, db, QUEUE, WorkingCalendar(), CalendarConfig())
    key = new_key()
    async with build_worker(env.client, through_proxy, QUEUE):
        now = await env.get_current_time()
        the_draft = draft(deadline=working_day_after(now, 8))
        await proxy.stop()
        with pytest.raises(DomainError) as refused:
            await asyncio.wait_for(service.assign("chutich", key, the_draft, now=now), 40)
        assert refused.value.code == Code.UNAVAILABLE
        await proxy.start()
        started = time.monotonic()
        rec = await service.assign("chutich", key, the_draft, now=now)  # the same request
        assert time.monotonic() - started < 20  # tried again at once, not a minute later
        assert task_row(db, rec.id).state == TaskState.ASSIGNED.value
        assert [e.action for e in events(db, rec.id)] == ["assign"]
        await service.act("chutich", rec.id, Action.CANCEL, note="Kết thúc thử nghiệm")
