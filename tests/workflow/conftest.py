"""Per-module fixtures for workflow tests: a fresh time-skipping Temporal server (a long-lived
shared one has been seen to time out) and a SQLite read model holding the small org."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from giaoviec.temporal import DATA_CONVERTER
from tests.conftest import binary, fresh_engine
from tests.org_fixture import seed_small_org


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
