"""The FastAPI application: GraphQL at /graphql, health, the dashboard at /, and the dev-mode
GraphiQL page."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.engine import Engine
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api import graphiql
from api.context import AppServices, RequestContext
from api.dashboard.web import CookieAuth, dashboard_router
from api.dev_hosts import LoopbackHostOnly
from api.headers import SecurityHeaders
from api.http_errors import install_error_handlers
from api.json_limits import body_problem, multipart_operations, query_problem
from api.observe import RequestIds
from api.ratelimit import (
    OPERATIONS_SCOPE_KEY,
    CountingAuthenticator,
    Limits,
    RateLimits,
    RefusedAtTheDoor,
    replaying,
)
from api.schema import build_schema
from api.tally.files import files_router
from giaoviec.config import Settings
from giaoviec.observability import health, metrics
from giaoviec.reads import database_ok, read
from giaoviec.services.recurring import Scheduler, TemporalScheduler
from giaoviec.services.tasks import TaskService

MAX_BODY_BYTES = 256 * 1024


class RequestGuard:
    """Reads a request body once, refusing it before the app sees it when it is over the
    size limit (413) or, for JSON, is not UTF-8 JSON with an object at the top or nests too
    deep (400); GET's JSON parameters and a multipart body's `operations` and `map` are held
    to the same depth."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (problem := query_problem(scope["query_string"])):
            await _refuse(scope, receive, send, 400, problem)
            return
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            await _refuse(scope, receive, send, 413, "Yêu cầu quá lớn.")
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _refuse(scope, receive, send, 413, "Yêu cầu quá lớn.")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = headers.get(b"content-type", b"")
        if b"json" in content_type and (problem := body_problem(body)):
            await _refuse(scope, receive, send, 400, problem)
            return
        if content_type.startswith(b"multipart/form-data"):
            # importPlan's body: its JSON fields held to the same limits as a JSON body.
            operations, problem = await multipart_operations(scope, body)
            if problem:
                await _refuse(scope, receive, send, 400, problem)
                return
            scope[OPERATIONS_SCOPE_KEY] = operations
        await self.app(scope, replaying(body, receive), send)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    response = JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "VALIDATION"}}]},
        status_code=status,
    )
    await response(scope, receive, send)


class LocalGraphiQLRouter(GraphQLRouter):  # type: ignore[type-arg]
    """Strawberry's GraphiQL page loads its scripts from a CDN; ours come from this server."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql.page_html())


def create_app(settings: Settings, *, engine: Engine, service: TaskService,
               scheduler: Scheduler | None = None) -> FastAPI:
    """Everything the app needs is passed in: the CLI, tests and deploys build it their way.
    Recurring duties run on Temporal Schedules unless a test gives its own scheduler."""
    app = FastAPI(title="giaoviec", docs_url=None, redoc_url=None, openapi_url=None)
    limits = Limits.from_settings(settings)
    scheduler = scheduler or TemporalScheduler(service.client, service.task_queue)
    services = AppServices(settings, engine, service, CountingAuthenticator(settings, limits),
                           scheduler)
    app.state.services = services
    app.state.limits = limits
    install_error_handlers(app)

    # HTTPConnection: the same context for HTTP requests and the subscriptions' websocket.
    async def context(request: HTTPConnection) -> RequestContext:
        await service.fresh_calendar()  # another process may have changed it (once a minute)
        return RequestContext(services, request.headers.get("authorization"))

    schema = build_schema(production=not settings.is_dev)
    router = LocalGraphiQLRouter(
        schema,
        context_getter=context,
        graphql_ide="graphiql" if settings.is_dev else None,
        # GET may only read: the router refuses mutations over GET.
        allow_queries_via_get=True,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        # importPlan takes a file (GraphQL multipart request). Safe from cross-site forms: a
        # request is authorised by a bearer token; the dashboard's session cookie becomes one
        # only with the X-Giaoviec-Csrf header, which no cross-site form can send.
        multipart_uploads_enabled=True,
    )
    if settings.is_dev:
        app.include_router(graphiql.assets_router())
    app.include_router(router, prefix="/graphql")
    app.include_router(files_router(services))
    app.include_router(dashboard_router(services, schema))

    @app.get("/health")
    def health_check() -> dict[str, str]:
        read(engine, database_ok)
        return {"status": "ok"}

    @app.get("/health/live")
    def live() -> dict[str, str]:
        # The process answers: nothing outside it is asked (a database outage must not get
        # every API process restarted).
        return {"status": "ok"}

    @app.get("/health/ready")
    async def ready() -> JSONResponse:
        # Each dependency apart, so an operator sees which one is missing.
        checks = await health.readiness(engine, service.client)
        return JSONResponse(checks, status_code=200 if health.all_ok(checks) else 503)

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)

    # The last added runs first: the guard bounds the body before the limits look at it.
    app.add_middleware(RateLimits, limits=limits,  # type: ignore[arg-type]
                       authenticator=services.authenticator)
    app.add_middleware(RequestGuard, limit=MAX_BODY_BYTES)  # type: ignore[arg-type]
    # An official refused too often is answered before his body is even read.
    app.add_middleware(RefusedAtTheDoor, limits=limits,  # type: ignore[arg-type]
                       authenticator=services.authenticator)
    # The session cookie becomes a bearer token before the limits count it.
    app.add_middleware(CookieAuth)  # type: ignore[arg-type]
    if settings.is_dev:  # against DNS rebinding: see api.dev_hosts
        app.add_middleware(LoopbackHostOnly,  # type: ignore[arg-type]
                           proxies=limits.proxies, extra=settings.dev_allowed_hosts)
    app.add_middleware(SecurityHeaders, proxies=limits.proxies)  # type: ignore[arg-type]
    app.add_middleware(RequestIds)  # type: ignore[arg-type]
    return app
