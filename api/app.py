"""The FastAPI application: GraphQL at /graphql, health, and (later) dashboard pages."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from giaoviec.config import Settings
from giaoviec.service import TaskService


def create_app(settings: Settings, *, engine: Engine, service: TaskService) -> FastAPI:
    """Everything the app needs is passed in: the CLI, tests and deploys build it their way."""
    app = FastAPI(title="giaoviec", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.engine = engine
    app.state.service = service

    @app.get("/health")
    def health() -> dict[str, str]:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app
