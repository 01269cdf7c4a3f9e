"""A read while the database is away answers UNAVAILABLE (try again shortly), never INTERNAL,
and the same read answers once it is back (issue 15: outages). Staged on PostgreSQL through
the proxy the workflow outage tests use."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from giaoviec.store.db import make_engine
from tests.api.harness import Api, running_api
from tests.db_proxy import Proxy

pytestmark = pytest.mark.asyncio(loop_scope="module")
READ = "{ me { id } units { id } }"


@pytest_asyncio.fixture(loop_scope="module")
async def proxied_api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[tuple[Proxy, Api]]:
    if db.dialect.name != "postgresql":
        pytest.skip("the outage is staged on PostgreSQL (a SQLite file cannot go away)")
    proxy = Proxy(db.url.host or "127.0.0.1", db.url.port or 5432)
    await proxy.start()
    engine = make_engine(db.url.set(host="127.0.0.1", port=proxy.port)
                         .render_as_string(hide_password=False))
    async with running_api(env, engine, worker=False) as api:
        yield proxy, api
    engine.dispose()
    if proxy.server is not None:
        await proxy.stop()


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
