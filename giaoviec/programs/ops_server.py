"""The worker's own small HTTP server for operators (GIAOVIEC_METRICS_PORT): /metrics, and
/health/live and /health/ready as the API answers them. It answers no user and checks no token."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from temporalio.client import Client

from giaoviec.observability import health, metrics


def ops_app(engine: Engine, client: Client) -> Starlette:
    async def prometheus(_: Request) -> Response:
        return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)

    async def live(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def ready(_: Request) -> JSONResponse:
        checks = await health.readiness(engine, client)
        return JSONResponse(checks, status_code=200 if health.all_ok(checks) else 503)

    return Starlette(routes=[Route("/metrics", prometheus), Route("/health/live", live),
                             Route("/health/ready", ready)])

