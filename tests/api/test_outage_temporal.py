"""Temporal away (issue 17's fault tests): with a real Temporal dev server stopped mid-run,
assignTask and acceptTask answer UNAVAILABLE within a bound, never INTERNAL; neither says
"nothing changed" where the change may have reached Temporal. Once the server is started again
on the same database, the same assignTask (the same clientKey) makes exactly one task. A
recurring duty resumed while Temporal is away answers UNAVAILABLE; the same resume once it is
back is done — not refused, not recorded twice — and its Schedule wakes."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.service import RPCError

from api.app import create_app
from domain.calendar import WorkingCalendar
from giaoviec.programs.dev_temporal import stop_child
from giaoviec.programs.temporal import DATA_CONVERTER, connect
from giaoviec.programs.worker import build_worker
from giaoviec.services.recurring import schedule_id
from giaoviec.services.tasks import TaskService
from giaoviec.store.models import RecurringRule, Task, TaskRequest
from tests.api.harness import ASSIGN, QUEUE, Api, assign_input, make_settings, new_key
from tests.api.test_recurring_api import CREATE, PAUSE, RESUME
from tests.conftest import binary, free_port, fresh_engine
from tests.org_fixture import seed_small_org
from workflows.contracts import CalendarConfig

pytestmark = pytest.mark.asyncio(loop_scope="module")
ACCEPT = "mutation($id: ID!) { acceptTask(id: $id) { id state } }"
# The client tries a refused connection again for ≈9 s before it gives up; anything near the
# update's own 60 s would be a hung request.
BOUND_SECONDS = 30


@dataclass
class DevServer:
    """`temporal server start-dev` on a database file of its own, stopped and started again."""

    db: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        temporal = shutil.which("temporal") or binary("temporal")
        self.process = subprocess.Popen(
            [temporal, "server", "start-dev", "--db-filename", str(self.db), "--ip", "127.0.0.1",
             "--port", str(self.port), "--headless", "--log-level", "error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process is not None:
            stop_child(self.process)
        self.process = None

    async def client(self) -> Client:
        deadline = time.monotonic() + 60
        while True:
            try:
                return await Client.connect(f"127.0.0.1:{self.port}",
                                            data_converter=DATA_CONVERTER)
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)

    async def answering(self, client: Client) -> None:
        """Until the server started again answers the client it had before."""
        deadline = time.monotonic() + 60
        while True:
            try:
                if await client.service_client.check_health(timeout=timedelta(seconds=2)):
                    return
            except (RPCError, RuntimeError):  # RuntimeError: a lazy client not connected yet
                pass
            assert time.monotonic() < deadline, "Temporal did not come back"
            await asyncio.sleep(0.5)


@pytest.fixture(scope="module")
def read_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    for engine in fresh_engine("sqlite", tmp_path_factory.mktemp("temporal-away")):
        with Session(engine) as session:
            seed_small_org(session)
        yield engine


@pytest_asyncio.fixture(loop_scope="module")
async def stack(read_model: Engine, tmp_path: Path
                ) -> AsyncIterator[tuple[DevServer, Api]]:
    server = DevServer(tmp_path / "temporal.db", free_port())
    server.start()
    try:
        client = await server.client()
        settings = make_settings()
        service = TaskService(client, read_model, QUEUE, WorkingCalendar(), CalendarConfig())
        app = create_app(settings, engine=read_model, service=service)
        async with build_worker(client, read_model, QUEUE, settings=settings):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
                yield server, Api(app, http, settings, read_model, service)
    finally:
        server.stop()


async def timed(api: Api, user: str, query: str, **variables: object
                ) -> tuple[dict[str, object], float]:
    started = time.monotonic()
    body = await asyncio.wait_for(api.raw(query, variables, user=user), BOUND_SECONDS * 2)
    return body, time.monotonic() - started


def tasks_of(engine: Engine, client_key: str) -> list[Task]:
    with Session(engine) as session:
        claims = session.exec(select(TaskRequest).where(
            TaskRequest.client_key == client_key)).all()
        return [t for c in claims if (t := session.get(Task, c.task_id)) is not None]


async def test_temporal_stopped_mid_run_answers_unavailable_and_a_retry_makes_one_task(
    stack: tuple[DevServer, Api],
) -> None:
    server, api = stack
    before = (await api.ok("chutich", ASSIGN, input=assign_input()))["assignTask"]
    assert before["state"] == "ASSIGNED"

    server.stop()
    wanted = assign_input()
    (assigned, assign_took), (accepted, accept_took) = await asyncio.gather(
        timed(api, "chutich", ASSIGN, input=wanted),
        timed(api, "snv.cb1", ACCEPT, id=before["id"]))
    for body, took in ((assigned, assign_took), (accepted, accept_took)):
        errors = body.get("errors")
        assert isinstance(errors, list) and len(errors) == 1, body
        assert errors[0]["extensions"] == {"code": "UNAVAILABLE"}, body
        assert took < BOUND_SECONDS, took
        # It may have reached Temporal before the connection broke: never "not done".
        assert "chưa được thực hiện" not in errors[0]["message"], body
    assert "clientKey" in assigned["errors"][0]["message"]  # the same again is safe
    assert "có thể đã được thực hiện" in accepted["errors"][0]["message"]  # check first
    assert tasks_of(api.engine, wanted["clientKey"]) == []

    server.start()
    await server.answering(api.service.client)
    again = (await api.ok("chutich", ASSIGN, input=wanted))["assignTask"]
    twice = (await api.ok("chutich", ASSIGN, input=wanted))["assignTask"]
    assert again["id"] == twice["id"] and again["state"] == "ASSIGNED"
    assert [t.id for t in tasks_of(api.engine, wanted["clientKey"])] == [again["id"]]
    done = (await api.ok("snv.cb1", ACCEPT, id=before["id"]))["acceptTask"]
    assert done["state"] == "IN_PROGRESS"


async def test_a_resume_while_temporal_is_away_is_finished_by_the_same_resume(
    stack: tuple[DevServer, Api],
) -> None:
    server, api = stack
    rule = (await api.ok("chutich", CREATE, input={
        "clientKey": new_key(), "title": "Báo cáo tình hình tháng", "unitIds": ["snv"],
        "description": "Báo cáo tình hình thực hiện nhiệm vụ.", "basis": "Kế hoạch số 112",
        "product": {"kind": "báo cáo", "description": "Báo cáo tháng", "measure": "Gửi VP"},
        "recurrence": {"frequency": "MONTHLY", "day": 28},
        "startsOn": "2026-11-01"}))["createRecurringRule"]
    await api.ok("chutich", PAUSE, id=rule["id"], r="Chờ hướng dẫn")
    handle = api.service.client.get_schedule_handle(schedule_id(rule["id"]))
    assert (await handle.describe()).schedule.state.paused

    server.stop()
    body, took = await timed(api, "chutich", RESUME, id=rule["id"])
    errors = body.get("errors")
    assert isinstance(errors, list) and len(errors) == 1, body
    assert errors[0]["extensions"] == {"code": "UNAVAILABLE"} and took < BOUND_SECONDS, body
    assert "thực hiện lại đúng thao tác này" in errors[0]["message"], body  # the same again
    with Session(api.engine) as session:  # the database, which counts, has it already
        found = session.get(RecurringRule, rule["id"])
        assert found is not None and found.state == "active"

    server.start()
    await server.answering(api.service.client)
    resumed = (await api.ok("chutich", RESUME, id=rule["id"]))["resumeRecurringRule"]
    assert resumed["state"] == "active"
    assert [e["action"] for e in resumed["events"]] == ["create", "pause", "resume"]
    assert not (await handle.describe()).schedule.state.paused
    await handle.delete()


async def test_an_api_started_while_temporal_is_away_reads_and_refuses_changes_until_it_is_back(
    read_model: Engine, tmp_path: Path,
) -> None:
    """`giaoviec api` connects lazily (giaoviec.programs.cli): started with Temporal away, it
    is alive, not ready, answers reads from the read model and refuses changes as UNAVAILABLE
    — the same assignTask once Temporal is up makes one task."""
    server = DevServer(tmp_path / "temporal.db", free_port())  # not started yet
    settings = make_settings()
    client = await connect(settings, f"127.0.0.1:{server.port}", lazy=True)
    service = TaskService(client, read_model, QUEUE, WorkingCalendar(), CalendarConfig())
    app = create_app(settings, engine=read_model, service=service)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        api = Api(app, http, settings, read_model, service)
        assert (await http.get("/health/live")).status_code == 200
        ready = await http.get("/health/ready")
        assert ready.status_code == 503, ready.text
        assert ready.json()["database"] == "ok" and ready.json()["temporal"] != "ok"
        assert (await api.ok("chutich", "{ me { id } }"))["me"]["id"] == "chutich"
        wanted = assign_input()
        body, took = await timed(api, "chutich", ASSIGN, input=wanted)
        errors = body.get("errors")
        assert isinstance(errors, list) and errors[0]["extensions"] == {"code": "UNAVAILABLE"}
        assert "clientKey" in errors[0]["message"] and took < BOUND_SECONDS, (body, took)
        assert tasks_of(read_model, wanted["clientKey"]) == []

        server.start()
        try:
            async with build_worker(await server.client(), read_model, QUEUE,
                                    settings=settings):
                await server.answering(client)  # the API's own client reaches it now
                assert (await http.get("/health/ready")).status_code == 200
                done = (await api.ok("chutich", ASSIGN, input=wanted))["assignTask"]
                assert done["state"] == "ASSIGNED"
                assert [t.id for t in tasks_of(read_model, wanted["clientKey"])] == [done["id"]]
        finally:
            server.stop()
