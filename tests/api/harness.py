"""API test helpers: the real app over ASGI with a worker on a time-skipping Temporal server."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import issue_dev_token
from domain.calendar import WorkingCalendar
from giaoviec.config import Settings
from giaoviec.programs.worker import build_worker
from giaoviec.services.tasks import TaskService
from workflows.contracts import CalendarConfig

QUEUE = "api-tests"
_keys = itertools.count(1)


def make_settings(**overrides: Any) -> Settings:
    # No rate limits unless a test sets them: test modules send many mutations with one token.
    values: dict[str, Any] = {"mode": "dev", "jwt_secret": "test-secret-0123456789abcdef0123",
                              "rate_auth_failures_per_minute": 0, "rate_mutations_per_minute": 0,
                              "rate_cost_per_minute": 0, "rate_refusals_per_minute": 0}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def new_key() -> str:
    return f"api-{next(_keys)}"


_counting: ContextVar[list[str] | None] = ContextVar("_counting", default=None)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on `engine` on behalf of what this block awaits (the request's
    threads carry its context: asyncio.to_thread), and none of anyone else's (the worker's)."""
    issued: list[str] = []

    def count(conn: object, cursor: object, statement: str, *rest: object) -> None:
        seen = _counting.get()
        if seen is not None:
            seen.append(statement)

    token = _counting.set(issued)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield issued
    finally:
        event.remove(engine, "before_cursor_execute", count)
        _counting.reset(token)


@dataclass
class Api:
    app: FastAPI
    http: httpx.AsyncClient
    settings: Settings
    engine: Engine
    service: TaskService

    def token(self, username: str) -> str:
        return issue_dev_token(self.settings, username)

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, *, user: str | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        headers = {}
        if token is not None or user is not None:
            headers["Authorization"] = f"Bearer {token or self.token(user)}"  # type: ignore[arg-type]
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def ok(self, user: str, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.raw(query, variables, user=user)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def error(self, user: str | None, query: str, **variables: Any) -> dict[str, Any]:
        """The single error of a refused request, and proof nothing came back with it."""
        body = await self.raw(query, variables, user=user)
        assert body.get("errors"), body
        assert len(body["errors"]) == 1, body["errors"]
        return body["errors"][0]


@asynccontextmanager
async def running_api(
    env: WorkflowEnvironment, engine: Engine, settings: Settings | None = None, *,
    worker: bool = True,
) -> AsyncIterator[Api]:
    """The app over ASGI; with a worker unless another one already serves the queue."""
    settings = settings or make_settings()
    service = TaskService(env.client, engine, QUEUE, WorkingCalendar(), CalendarConfig())
    app = create_app(settings, engine=engine, service=service)
    async with AsyncExitStack() as stack:
        if worker:
            await stack.enter_async_context(
                build_worker(env.client, engine, QUEUE, settings=settings))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
            yield Api(app, http, settings, engine, service)


TASK_FIELDS = """
  id title description state timeliness deadline progress basis createdAt submittedAt completedAt
  leadUnit { id name } owner { id fullName } assignedBy { id }
  coordinators { unit { id } duty } product { kind description measure }
  pendingExtension { newDeadline reason } output { description reference }
"""

ASSIGN = f"""
mutation($input: AssignTaskInput!) {{ assignTask(input: $input) {{ {TASK_FIELDS} }} }}
"""


def assign_input(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "clientKey": new_key(),
        "title": "Xây dựng báo cáo kiểm đếm nhiệm vụ",
        "description": "Tổng hợp, báo cáo kết quả thực hiện nhiệm vụ được giao.",
        "leadUnitId": "snv",
        "ownerId": "snv.cb1",
        "coordinators": [{"unitId": "stc", "duty": "Cung cấp số liệu tài chính"}],
        "basis": "Kế hoạch số 208/KH-UBND",
        "workingDays": 10,
        "product": {"kind": "báo cáo", "description": "Báo cáo kết quả", "measure": "Trình UBND"},
    }
    values.update(overrides)
    return values


class Clock:
    """A rate-limit store's clock the test moves by hand (`clock.now += 60`)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
