"""Dev mode answers only requests addressed to loopback names: a DNS-rebinding page
(`Host: evil.example`) cannot sign in or call the API (issue 16, item 7)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from api.dev_hosts import host_name
from tests.api.harness import Api, running_api

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    async with running_api(env, db, worker=False) as api:
        yield api


async def request(api: Api, method: str, path: str, host: str, **kw: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        return await http.request(method, path, headers={"Host": host}, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["evil.example:8101", "evil.example", "127.0.0.1.evil.example",
                                  "localhost.evil.example", "192.168.1.5:8101", ""])
async def test_a_foreign_host_is_refused(api: Api, host: str) -> None:
    sign_in = await request(api, "POST", "/dang-nhap", host, data={"username": "chutich"})
    assert sign_in.status_code == 421
    assert "set-cookie" not in sign_in.headers
    graphql = await request(api, "POST", "/graphql", host, json={"query": "{ me { id } }"},)
    assert graphql.status_code == 421
    assert graphql.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await request(api, "GET", "/health", host)).status_code == 421


@pytest.mark.parametrize("host", ["localhost", "localhost:8101", "127.0.0.1:8101", "[::1]:8101",
                                  "LOCALHOST"])
async def test_loopback_hosts_are_answered(api: Api, host: str) -> None:
    assert (await request(api, "GET", "/health", host)).status_code == 200


async def test_host_names() -> None:
    assert host_name("[::1]:8000") == "[::1]"
    assert host_name("LocalHost.:80") == "localhost"
