"""Per-module fixtures for workflow tests: a fresh time-skipping Temporal server (a long-lived
shared one has been seen to time out) and a SQLite read model holding the small org."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from temporalio.testing import WorkflowEnvironment

from giaoviec.db import make_engine
from giaoviec.temporal import DATA_CONVERTER
from tests.conftest import binary
from tests.org_fixture import seed_small_org


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=DATA_CONVERTER,
        test_server_existing_path=binary("temporal-test-server"),
    ) as env:
        yield env


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path: Path = tmp_path_factory.mktemp("wf") / "readmodel.db"
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        seed_small_org(s)
    return engine
