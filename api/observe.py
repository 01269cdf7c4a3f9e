"""What the API reports about itself: each request gets an id (the proxy's X-Request-Id, or a
new one) that every log line written for it carries and the answer echoes; every GraphQL
operation is timed by name and type, and every error it answers is counted by its code."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from giaoviec.observability import logs
from giaoviec.observability.metrics import GRAPHQL_ERRORS, GRAPHQL_SECONDS, HTTP_RESPONSES

_SAFE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# Operation names are chosen by clients: past this many distinct ones, the rest count as
# "other", so a client inventing names cannot grow the metrics without bound.
MAX_OPERATION_NAMES = 200
_names: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if not _NAME.fullmatch(name):
        return "other"
    if name not in _names and len(_names) >= MAX_OPERATION_NAMES:
        return "other"
    _names.add(name)
    return name


class OperationMetrics(SchemaExtension):
    """Listed first among the extensions, so it sees the errors as clients get them (after
    PublicErrors gave each its public code)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        name = operation_label(context.operation_name)
        try:
            kind = context.operation_type.value
        except Exception:  # the document did not parse: no operation to speak of
            kind = "invalid"
        GRAPHQL_SECONDS.labels(name, kind).observe(time.perf_counter() - started)
        result = context.result
        for error in (result.errors or []) if result is not None else []:
            code = str((error.extensions or {}).get("code") or "GRAPHQL_VALIDATION")
            GRAPHQL_ERRORS.labels(name, code).inc()


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
        logs.request_id.set(request_id)
        logs.task_id.set(None)

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("X-Request-Id", request_id)
                HTTP_RESPONSES.labels(scope["method"], f"{message['status'] // 100}xx").inc()
            await send(message)

        await self.app(scope, receive, tagged)
