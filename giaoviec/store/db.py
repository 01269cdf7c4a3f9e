"""Database engine and sessions for the read model (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants as UTC and always gives back aware UTC datetimes (SQLite has no zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


SQLITE_POOL = 24


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    """An engine on the read model. On PostgreSQL each process holds up to `pool_size` +
    `max_overflow` connections (GIAOVIEC_DB_POOL_SIZE, GIAOVIEC_DB_MAX_OVERFLOW): every API
    and worker process's sum must fit under the server's max_connections (docs/SCALING.md)."""
    if url.startswith("sqlite"):
        # A file has no connection to go stale (no pre-ping), and opening one costs its
        # pragmas: keep as many as the worker's activity threads and the API's threads use at
        # once, rather than open and close the overflow on every busy moment.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=SQLITE_POOL, max_overflow=SQLITE_POOL,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets the API read while the worker writes; foreign keys are off by default.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # psycopg prepares a statement on the server once it has run five times, and PostgreSQL
    # then may plan it once for any values: a subtree's `path LIKE $1 || '%'` and the partial
    # index of what awaits a decision serve only a plan made for the values (a generic plan
    # measured 294 ms against 21 ms at a million tasks, docs/benchmarks.md). Plan each time.
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size,
                         max_overflow=max_overflow, connect_args={"prepare_threshold": None})


@lru_cache
def engine_for(url: str, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    return make_engine(url, pool_size=pool_size, max_overflow=max_overflow)


def get_engine() -> Engine:
    from giaoviec.config import get_settings

    settings = get_settings()
    return engine_for(settings.resolved_database_url, settings.db_pool_size,
                      settings.db_max_overflow)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
