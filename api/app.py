"""The FastAPI application: GraphQL at /graphql, health, and the dev-mode GraphiQL page."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.fastapi import GraphQLRouter

from api.auth import Authenticator
from api.context import AppServices, RequestContext
from api.schema import build_schema
from giaoviec.config import Settings
from giaoviec.service import TaskService

MAX_BODY_BYTES = 256 * 1024


class BodyLimit:
    """Refuses request bodies over the limit (413) before anything reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _too_large(scope, receive, send)
            return
        seen = 0

        async def limited() -> dict:  # type: ignore[type-arg]
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(scope, receive, send)


class _TooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        {"errors": [{"message": "Yêu cầu quá lớn.", "extensions": {"code": "VALIDATION"}}]},
        status_code=413,
    )
    await response(scope, receive, send)


def create_app(settings: Settings, *, engine: Engine, service: TaskService) -> FastAPI:
    """Everything the app needs is passed in: the CLI, tests and deploys build it their way."""
    app = FastAPI(title="giaoviec", docs_url=None, redoc_url=None, openapi_url=None)
    services = AppServices(settings, engine, service, Authenticator(settings))
    app.state.services = services

    async def context(request: Request) -> RequestContext:
        return RequestContext(services, request.headers.get("authorization"))

    router = GraphQLRouter(
        build_schema(production=not settings.is_dev),
        context_getter=context,
        graphql_ide=None,
        # GET may only read: the router refuses mutations over GET.
        allow_queries_via_get=True,
    )
    app.include_router(router, prefix="/graphql")

    @app.get("/health")
    def health() -> dict[str, str]:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)  # type: ignore[arg-type]
    return app
