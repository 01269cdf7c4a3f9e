"""The PostgreSQL pool is the operator's to size: every process's pool must fit under the
server's max_connections (docs/SCALING.md)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from giaoviec.config import Settings
from giaoviec.store.db import make_engine


def test_the_pool_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIAOVIEC_DB_POOL_SIZE", "4")
    monkeypatch.setenv("GIAOVIEC_DB_MAX_OVERFLOW", "2")
    settings = Settings()
    engine = make_engine("postgresql://postgres@127.0.0.1:5432/unused",
                         pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
    assert engine.pool.size() == 4  # type: ignore[attr-defined]
    assert engine.pool._max_overflow == 2  # type: ignore[attr-defined]
    engine.dispose()


def test_the_default_pool_is_ten_and_twenty_more() -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:5432/unused")
    assert engine.pool.size() == 10  # type: ignore[attr-defined]
    engine.dispose()


def test_a_pool_of_nothing_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIAOVIEC_DB_POOL_SIZE", "0")
    with pytest.raises(ValidationError):
        Settings()
