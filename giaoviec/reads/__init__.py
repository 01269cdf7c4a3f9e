"""The one read layer: every question the API asks of the read model is a function here,
taking a session. `read` runs one in a short session of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

T = TypeVar("T")

__all__ = ["Session", "database_ok", "read"]


def read(engine: Engine, fn: Callable[[Session], T]) -> T:
    with Session(engine) as session:
        return fn(session)


def database_ok(session: Session) -> bool:
    session.execute(text("SELECT 1"))
    return True
