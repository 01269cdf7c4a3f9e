"""A read while the database is away answers UNAVAILABLE (try again shortly), never INTERNAL,
and the same read answers once it is back (issue 15: outages). Staged on PostgreSQL through
the proxy the workflow outage tests use."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from tests.api.harness import Api, running_api
from tests.db_proxy import Proxy, behind_proxy

pytestmark = pytest.mark.asyncio(loop_scope="module")
READ = "{ me { id } units { id } }"


@pytest_asyncio.fixture(loop_scope="module")
async def proxied_api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[tuple[Proxy, Api]]:
    async with behind_proxy(db) as (proxy, engine), running_api(env, engine, worker=False) as api:
        yield proxy, api


async def test_a_read_while_the_database_is_away_is_unavailable_then_answers(
    proxied_api: tuple[Proxy, Api],
) -> None:
    proxy, api = proxied_api
    before = await api.raw(READ, user="chutich")
    assert "errors" not in before, before
    await proxy.stop()
    during = await api.raw(READ, user="chutich")
    codes = {e["extensions"]["code"] for e in during["errors"]}
    assert codes == {"UNAVAILABLE"}, during
    assert all("thử lại" in e["message"] for e in during["errors"])
    await proxy.start()
    after = await api.raw(READ, user="chutich")
    assert "errors" not in after, after
    assert after["data"] == before["data"]
