"""A database outage does not hang the engine (issue 15, item 9): the worker reaches PostgreSQL
through a small TCP proxy that the test stops mid-run. An update meanwhile is refused within a
bounded time as UNAVAILABLE with nothing changed (the workflow's view and the read model as
before), and once the proxy is back the same request goes through without anyone stepping in.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from giaoviec.store.db import make_engine
from tests.workflow.harness import draft, events, new_key, task_row, working_day_after
from workflows.contracts import CalendarConfig

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUEUE = "outage"


class Proxy:
    """Forwards a local port to the database; `stop` refuses new connections and cuts the
    open ones, as a database going away would; `start` brings it back on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.open: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port,
                                                 reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in list(self.open):
            w.close()
        await self.server.wait_closed()
        self.server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.open |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.open -= {writer, up_writer}


@pytest_asyncio.fixture(loop_scope="module")
async def proxied(db: Engine) -> AsyncIterator[tuple[Proxy, Engine]]:
    if db.dialect.name != "postgresql":
        pytest.skip("the outage is staged on PostgreSQL (a SQLite file cannot go away)")
    proxy = Proxy(db.url.host or "127.0.0.1", db.url.port or 5432)
    await proxy.start()
    engine = make_engine(db.url.set(host="127.0.0.1", port=proxy.port)
                         .render_as_string(hide_password=False))
    yield proxy, engine
    engine.dispose()
    if proxy.server is not None:
        await proxy.stop()


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
