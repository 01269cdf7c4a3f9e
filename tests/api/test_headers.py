"""Security headers on each kind of answer: GraphQL JSON, the GraphiQL page and its files,
health, refusals (400, 404, 413, 429), masked faults (500); HSTS only over TLS."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from api import graphiql
from api.headers import PAGE_CSP, STRICT_CSP, inline_styles_csp
from tests.api.harness import Api, make_settings, running_api

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    settings = make_settings(trusted_proxies="10.0.0.0/8", rate_auth_failures_per_minute=1)
    async with running_api(env, db, settings, worker=False) as api:
        yield api


def assert_secured(response: httpx.Response, policy: str) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff", response
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Content-Security-Policy"] == policy
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    assert "Strict-Transport-Security" not in headers  # plain HTTP


async def test_every_kind_of_answer_carries_the_headers(api: Api) -> None:
    auth = {"Authorization": f"Bearer {api.token('chutich')}"}
    graphql = await api.http.post("/graphql", json={"query": "{ me { id } }"}, headers=auth)
    assert graphql.status_code == 200
    assert_secured(graphql, STRICT_CSP)
    assert STRICT_CSP.startswith("default-src 'none'; frame-ancestors 'none'")
    assert_secured(await api.http.get("/health"), STRICT_CSP)
    page = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert_secured(page, PAGE_CSP)
    for name in ("start.js", "page.css", *(graphiql.ASSETS if graphiql.installed() else ())):
        asset = await api.http.get(f"{graphiql.PREFIX}/{name}")
        assert asset.status_code == 200, name
        assert_secured(asset, STRICT_CSP)  # scripts and styles run under the page's policy
    assert_secured(await api.http.get("/khong-co"), STRICT_CSP)
    assert_secured(await api.http.get("/briefings/1/html"), STRICT_CSP)  # 401
    assert_secured(await api.http.post("/graphql", content=b"[", headers={
        "Content-Type": "application/json"}), STRICT_CSP)  # 400 from the request guard
    assert_secured(await api.http.post("/graphql", content=b"{" + b" " * 300_000 + b"}",
                                       headers={"Content-Type": "application/json"}), STRICT_CSP)
    forged = {"Authorization": "Bearer a.b.c"}
    await api.http.post("/graphql", json={"query": "{ me { id } }"}, headers=forged)
    limited = await api.http.post("/graphql", json={"query": "{ me { id } }"}, headers=forged)
    assert limited.status_code == 429
    assert_secured(limited, STRICT_CSP)


async def test_faults_are_masked_and_secured(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise RuntimeError("sqlite3: /opt/giaoviec/data/giaoviec.db is locked")

    monkeypatch.setattr(api.engine, "connect", broken)
    transport = httpx.ASGITransport(app=api.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        fault = await http.get("/health")
    assert fault.status_code == 500
    assert fault.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert "sqlite3" not in fault.text and "/opt" not in fault.text
    assert_secured(fault, STRICT_CSP)


async def test_hsts_only_over_tls(api: Api) -> None:
    async def get(base: str, peer: str, **headers: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=api.app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url=base) as http:
            return await http.get("/health", headers=headers)

    direct_tls = await get("https://giaoviec.test", "192.0.2.1")
    assert direct_tls.headers["Strict-Transport-Security"].startswith("max-age=")
    proxied = await get("http://10.0.0.9", "10.0.0.5", **{"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in proxied.headers
    spoofed = await get("http://giaoviec.test", "192.0.2.1", **{"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers
    assert "Strict-Transport-Security" not in (await get("http://x", "10.0.0.5")).headers


async def test_inline_styles_are_allowed_by_hash_only() -> None:
    policy = inline_styles_csp("<html><style>b { color: red }</style><p>x</p></html>")
    digest = base64.b64encode(hashlib.sha256(b"b { color: red }").digest()).decode()
    assert f"style-src 'sha256-{digest}';" in policy and "'unsafe-inline'" not in policy
    assert "script-src" not in policy and policy.startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in policy
    assert "style-src 'none'" in inline_styles_csp("<p>no styles</p>")
