"""What operators see: /metrics counts GraphQL operations by name with latency and errors by
code, next to the Temporal SDK's own metrics; /health/live and /health/ready (the database and
Temporal named apart); JSON log lines carrying the request id and the task id."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.observe import operation_label
from domain.calendar import WorkingCalendar
from giaoviec.observability import health, logs
from giaoviec.observability.metrics import temporal_runtime
from giaoviec.services.tasks import TaskService
from giaoviec.store.db import make_engine
from tests.api.harness import ASSIGN, Api, assign_input, make_settings, running_api
from workflows.contracts import CalendarConfig

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    async with running_api(env, db) as api:
        yield api


async def samples(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = await api.http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


async def test_metrics_count_operations_by_name_and_errors_by_code(api: Api) -> None:
    count = ("giaoviec_graphql_request_seconds_count",
             (("operation", "Me"), ("type", "query")))
    refused = ("giaoviec_graphql_errors_total",
               (("code", "UNAUTHENTICATED"), ("operation", "Anon")))
    before = await samples(api)
    for _ in range(3):
        await api.ok("chutich", "query Me { me { fullName } }")
    await api.error(None, "query Anon { me { fullName } }")
    after = await samples(api)
    assert after[count] - before.get(count, 0) == 3
    assert after[refused] - before.get(refused, 0) == 1
    latency = ("giaoviec_graphql_request_seconds_sum", count[1])
    assert after[latency] > before.get(latency, 0)


async def test_metrics_include_the_temporal_sdk_runtime(env: WorkflowEnvironment) -> None:
    """A client made on our runtime reports its RPCs in the same page as ours."""
    from temporalio.client import Client

    from giaoviec.observability.metrics import exposition

    runtime = temporal_runtime()
    client = await Client.connect(env.client.service_client.config.target_host,
                                  runtime=runtime)
    await client.service_client.check_health()
    page = exposition().decode()
    assert "giaoviec_graphql_request_seconds" in page
    assert "temporal_request" in page  # the SDK's own RPC counters and latencies


async def test_operation_names_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("api.observe._names", set())
    assert operation_label(None) == "anonymous"
    assert operation_label("x" * 65) == "other"
    assert operation_label("a b") == "other"
    for i in range(300):
        operation_label(f"Invented{i}")
    assert operation_label("YetAnotherInvented") == "other"


async def test_request_ids_are_kept_or_made_and_echoed(api: Api) -> None:
    given = await api.http.get("/health/live", headers={"X-Request-Id": "proxy-abc.1"})
    assert given.headers["x-request-id"] == "proxy-abc.1"
    made = await api.http.get("/health/live", headers={"X-Request-Id": "bad id<script>"})
    made_id = made.headers["x-request-id"]
    assert made_id != "bad id<script>" and len(made_id) == 32


async def test_liveness_and_readiness(api: Api, env: WorkflowEnvironment) -> None:
    assert (await api.http.get("/health/live")).json() == {"status": "ok"}
    ready = await api.http.get("/health/ready")
    assert ready.status_code == 200 and ready.json() == {"database": "ok", "temporal": "ok"}

    # The database gone: not ready, saying which; still alive (no restart for an outage).
    broken = make_engine("sqlite:////khong-co-thu-muc/giaoviec.db")
    service = TaskService(env.client, broken, "q", WorkingCalendar(), CalendarConfig())
    app = create_app(make_settings(), engine=broken, service=service)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://localhost") as http:
        down = await http.get("/health/ready")
        assert down.status_code == 503
        assert down.json()["temporal"] == "ok" and down.json()["database"].startswith("lỗi")
        assert (await http.get("/health/live")).status_code == 200


async def test_readiness_names_temporal_apart(api: Api) -> None:
    async def unreachable(**_: Any) -> bool:
        raise ConnectionError("no frontend")

    client: Any = SimpleNamespace(service_client=SimpleNamespace(check_health=unreachable))
    checks = await health.readiness(api.engine, client)
    assert checks == {"database": "ok", "temporal": "lỗi: ConnectionError"}
    assert not health.all_ok(checks)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextIds())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


async def test_json_logs_carry_the_request_and_the_task(api: Api, json_lines: io.StringIO
                                                         ) -> None:
    answer = await api.http.post(
        "/graphql", json={"query": ASSIGN, "variables": {"input": assign_input()}},
        headers={"Authorization": f"Bearer {api.token('chutich')}", "X-Request-Id": "req-42"})
    task_id = answer.json()["data"]["assignTask"]["id"]
    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    assigned = [entry for entry in lines if entry["message"] == "task assigned"]
    assert assigned, lines
    assert assigned[0]["request_id"] == "req-42" and assigned[0]["task_id"] == task_id
    assert assigned[0]["actor"] == "chutich" and assigned[0]["level"] == "info"
