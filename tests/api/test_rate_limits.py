"""Rate limits over HTTP: failed token checks per client address, mutations per token; 429 with
Retry-After and RATE_LIMITED; X-Forwarded-For believed only from a trusted proxy."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from api.auth import issue_dev_token
from api.ratelimit import Limits
from tests.api.harness import Api, Clock, make_settings, running_api

pytestmark = pytest.mark.asyncio(loop_scope="module")
ME = {"query": "{ me { id } }"}
# Refused before any workflow runs (week 99 does not exist), yet a mutation all the same.
MUTATION = {"query": 'mutation { generateBriefing(period: "2026-W99") { period } }'}


@asynccontextmanager
async def limited(env: WorkflowEnvironment, db: Engine, **limits: object) -> AsyncIterator[
        tuple[Api, Clock]]:
    settings = make_settings(**{"rate_auth_failures_per_minute": 3,
                                "rate_mutations_per_minute": 4, **limits})
    async with running_api(env, db, settings, worker=False) as api:
        clock = Clock()
        state: Limits = api.app.state.limits
        state.auth_failures.clock = state.mutations.clock = clock
        yield api, clock


async def post(api: Api, body: dict[str, object], *, peer: str = "127.0.0.1",
               **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=api.app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        return await http.post("/graphql", json=body,
                               headers={k.replace("_", "-"): v for k, v in headers.items()})


def bearer(token: str) -> str:
    return f"Bearer {token}"


def assert_limited(response: httpx.Response, seconds: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["Retry-After"] == str(seconds)
    assert response.json() == {"errors": [{
        "message": f"Quá nhiều yêu cầu, đề nghị thử lại sau {seconds} giây.",
        "extensions": {"code": "RATE_LIMITED"}}]}


async def test_failed_tokens_are_limited_per_address(env: WorkflowEnvironment, db: Engine) -> None:
    async with limited(env, db) as (api, clock):
        good = bearer(api.token("chutich"))
        for _ in range(3):
            refused = await post(api, ME, authorization="Bearer forged.token.here")
            assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        # 3 a minute: one comes back every 20 s. Until then even a good token waits.
        assert_limited(await post(api, ME, authorization=good), 20)
        assert_limited(await post(api, ME, authorization="Bearer forged.token.here"), 20)
        files = await api.http.get("/briefings/1/html", headers={"Authorization": good})
        assert_limited(files, 20)
        other = await post(api, ME, peer="192.0.2.50", authorization=good)
        assert other.json()["data"]["me"]["id"] == "chutich"
        no_token = await post(api, ME)  # nothing to verify: not what the limit is about
        assert no_token.status_code == 200
        clock.now += 19
        assert_limited(await post(api, ME, authorization=good), 1)
        clock.now += 1
        assert (await post(api, ME, authorization=good)).json()["data"]["me"]["id"] == "chutich"


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(
    env: WorkflowEnvironment, db: Engine
) -> None:
    async with limited(env, db, trusted_proxies="10.0.0.0/8") as (api, _):
        forged = "Bearer forged.token.here"
        for n in range(3):  # one client behind the proxy, from the proxy's own address
            await post(api, ME, peer="10.0.0.5", authorization=forged,
                       x_forwarded_for=f"203.0.113.{n}, 198.51.100.7")
        assert_limited(await post(api, ME, peer="10.0.0.5", authorization=forged,
                                  x_forwarded_for="198.51.100.7"), 20)
        other = await post(api, ME, peer="10.0.0.5", authorization=forged,
                           x_forwarded_for="198.51.100.8")
        assert other.status_code == 200  # another client behind the same proxy
        for _ in range(3):  # a direct client cannot pick its address with the header
            await post(api, ME, peer="192.0.2.9", authorization=forged,
                       x_forwarded_for="198.51.100.99")
        assert_limited(await post(api, ME, peer="192.0.2.9", authorization=forged,
                                  x_forwarded_for="198.51.100.100"), 20)


async def test_mutations_are_limited_per_token(env: WorkflowEnvironment, db: Engine) -> None:
    async with limited(env, db) as (api, clock):
        office = bearer(api.token("vp.cv"))
        for _ in range(4):
            done = await post(api, MUTATION, authorization=office)
            assert done.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
        assert_limited(await post(api, MUTATION, authorization=office), 15)
        # Written so that a text search for "mutation" in the raw body misses it.
        hidden = json.loads(json.dumps(MUTATION).replace("mutation", "\\u006dutation"))
        assert_limited(await post(api, hidden, authorization=office), 15)
        assert (await post(api, ME, authorization=office)).json()["data"]["me"]["id"] == "vp.cv"
        both = {"query": "query Q { me { id } } " + MUTATION["query"].replace("mutation",
                                                                              "mutation M"),
                "operationName": "Q"}
        assert (await post(api, both, authorization=office)).status_code == 200
        chairman = await post(api, MUTATION, authorization=bearer(api.token("chutich")))
        assert chairman.status_code == 200
        clock.now += 15
        assert (await post(api, MUTATION, authorization=office)).status_code == 200


async def test_limits_can_be_turned_off(env: WorkflowEnvironment, db: Engine) -> None:
    async with limited(env, db, rate_auth_failures_per_minute=0,
                       rate_mutations_per_minute=0) as (api, _):
        for _ in range(30):
            assert (await post(api, MUTATION, authorization="Bearer x.y.z")).status_code == 200


async def post_multipart(api: Api, query: str, authorization: str) -> httpx.Response:
    operations = json.dumps({"query": query, "variables": {"file": None}})
    return await api.http.post(
        "/graphql", data={"operations": operations, "map": '{"0": ["variables.file"]}'},
        files={"0": ("p.yaml", b"items: []", "application/yaml")},
        headers={"Authorization": authorization})


async def test_multipart_mutations_are_counted_too(env: WorkflowEnvironment, db: Engine) -> None:
    upload = 'mutation($file: Upload!) { importPlan(file: $file, clientKey: "k") { id } }'
    async with limited(env, db) as (api, _):
        office = bearer(api.token("vp.cv"))
        for _ in range(4):
            done = await post_multipart(api, upload, office)
            assert done.status_code == 200, done.text
        assert_limited(await post_multipart(api, upload, office), 15)
        # The same budget whichever body form spends it.
        assert_limited(await post(api, MUTATION, authorization=office), 15)


async def test_the_bucket_is_the_official_not_the_header(env: WorkflowEnvironment, db: Engine
                                                         ) -> None:
    async with limited(env, db) as (api, _):
        token = api.token("vp.cv")
        spellings = [f"Bearer {token}", f"Bearer  {token}", f"Bearer {token}   ",
                     f"bearer {token}"]
        for header in spellings:
            assert (await post(api, MUTATION, authorization=header)).status_code == 200
        # Another token for the same official: still the same budget.
        fresh = issue_dev_token(api.settings, "vp.cv", now=datetime.now(UTC) - timedelta(hours=1))
        assert fresh != token
        assert_limited(await post(api, MUTATION, authorization=bearer(fresh)), 15)
        for header in spellings:
            assert_limited(await post(api, MUTATION, authorization=header), 15)


async def test_two_api_processes_share_one_budget(env: WorkflowEnvironment, db: Engine) -> None:
    from tests.unit.test_buckets import redis_url

    url = redis_url()
    settings = make_settings(rate_mutations_per_minute=4, redis_url=url)
    async with running_api(env, db, settings, worker=False) as first, \
            running_api(env, db, settings, worker=False) as second:
        # Buckets of this run only: they outlive a test in Redis (for a minute).
        prefix = f"giaoviec:rate:test-{uuid.uuid4().hex}:"
        for api in (first, second):
            api.app.state.limits.mutations.prefix = prefix
        office = bearer(first.token("vp.cv"))
        answers = [await post(api, MUTATION, authorization=office)
                   for api in (first, second, first, second, first)]
        assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
