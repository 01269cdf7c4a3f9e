"""One official takes at most a bounded share of an API process (issue 16, "Done means"): his
operations are charged their cost to a budget per minute, he runs one expensive operation at a
time, and past a number of refusals his requests are refused at the door, before their body is
read. Authentication never blocks the event loop (a slow OIDC provider or Redis holds up only
the request that waits on it)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import parse
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from api.auth import issue_dev_token
from api.cost import BUSY, EXPENSIVE, MAX_COST, query_cost
from api.ratelimit import DOOR_HOLD_SECONDS, DOOR_MESSAGE, Limits
from api.schema import build_schema
from giaoviec.reads import read
from tests.api.harness import Api, Clock, make_settings, running_api
from tests.api.test_query_cost import ATTACK

pytestmark = pytest.mark.asyncio(loop_scope="module")
SCHEMA = build_schema()
HEAVY = ("{ tasks(first: 100) { edges { node { subtaskCounts { total } availableActions "
         "parent { id } owner { counts { total } } leadUnit { countsWithDescendants { total } "
         "} } } } }")
CHEAP = "{ tasks(first: 5) { totalCount } }"


def cost(query: str) -> int:
    return query_cost(SCHEMA, parse(query))


# Seconds a held part waits for the test before it gives up (a hang guard, never the check).
HANG_GUARD = 10.0


@asynccontextmanager
async def serving(env: WorkflowEnvironment, db: Engine, **settings: Any) -> AsyncIterator[
        tuple[Api, Clock]]:
    async with running_api(env, db, make_settings(**settings), worker=False) as api:
        clock = Clock()
        limits: Limits = api.app.state.limits
        for store in (limits.costs, limits.refusals, limits.expensive_reads):
            store.clock = clock  # type: ignore[union-attr]
        yield api, clock


def slow_reads(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Every read of the read model takes `seconds` longer (in its worker thread)."""

    def slow(engine: Engine, fn: Callable[[Session], Any]) -> Any:
        time.sleep(seconds)
        return read(engine, fn)

    monkeypatch.setattr("api.context.read", slow)
    monkeypatch.setattr("api.loaders.read", slow)


async def test_operations_are_charged_their_cost_not_counted(
    env: WorkflowEnvironment, db: Engine
) -> None:
    heavy = cost(HEAVY)
    assert EXPENSIVE <= heavy <= MAX_COST and cost(CHEAP) < 20
    # Room for two heavy reads a minute; the expensive-read count (10) is not what stops him.
    async with serving(env, db, rate_cost_per_minute=2 * heavy + 50) as (api, clock):
        for _ in range(2):
            await api.ok("snv.cb1", HEAVY)
        refused = await api.error("snv.cb1", HEAVY)
        assert refused["extensions"]["code"] == "RATE_LIMITED"
        assert refused["message"].startswith("Quá nhiều yêu cầu, đề nghị thử lại sau")
        for _ in range(4):  # what is left (50) still pays for cheap reads, by their cost
            await api.ok("snv.cb1", CHEAP)
        # Keyed on the verified official: a fresh token of his gets no fresh budget.
        fresh = issue_dev_token(api.settings, "snv.cb1",
                                now=datetime.now(UTC) - timedelta(minutes=5))
        again = await api.raw(HEAVY, token=fresh)
        assert again["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        await api.ok("snv.cb2", HEAVY)  # another official has his own budget
        clock.now += 60  # refilled over the minute
        await api.ok("snv.cb1", HEAVY)


async def test_an_official_runs_one_expensive_operation_at_a_time(
    env: WorkflowEnvironment, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(env, db) as (api, _):
        slow_reads(monkeypatch, 0.05)
        first = asyncio.create_task(api.raw(HEAVY, user="snv.cb1"))
        await asyncio.sleep(0.02)  # the first one is running
        second, other = await asyncio.gather(api.raw(HEAVY, user="snv.cb1"),
                                             api.raw(HEAVY, user="snv.cb2"))
        [error] = second["errors"]
        assert (error["message"], error["extensions"]["code"]) == (BUSY, "RATE_LIMITED")
        assert "errors" not in other, other  # another official's goes on meanwhile
        assert "errors" not in await api.raw(CHEAP, user="snv.cb1")  # a cheap one too
        assert "errors" not in await first
        assert "errors" not in await api.raw(HEAVY, user="snv.cb1")  # once it is done


async def test_past_his_refusals_an_official_is_refused_at_the_door(
    env: WorkflowEnvironment, db: Engine
) -> None:
    async with serving(env, db, rate_refusals_per_minute=3) as (api, clock):
        signed = api.token("snv.cb1")
        for _ in range(3):
            refused = (await api.raw(ATTACK, token=signed))["errors"][0]
            assert refused["extensions"]["code"] == "QUERY_TOO_COSTLY"
        token = f"Bearer {signed}"
        door = await api.http.post("/graphql", json={"query": "{ me { id } }"},
                                   headers={"Authorization": token})
        assert door.status_code == 429, door.text
        assert door.headers["Retry-After"] == "20"
        assert door.json() == {"errors": [{"message": DOOR_MESSAGE.format(seconds=20),
                                           "extensions": {"code": "RATE_LIMITED"}}]}
        # Before the body is read: a body over the size limit is not even looked at (else 413).
        big = await api.http.post("/graphql", content=b"{" + b" " * 300_000 + b"}",
                                  headers={"Authorization": token,
                                           "Content-Type": "application/json"})
        assert big.status_code == 429, big.status_code
        # A fresh token of his is verified, and refused, before its query is parsed.
        fresh = issue_dev_token(api.settings, "snv.cb1",
                                now=datetime.now(UTC) - timedelta(minutes=5))
        again = await api.http.post("/graphql", json={"query": "{ me { id } }"},
                                    headers={"Authorization": f"Bearer {fresh}"})
        assert again.status_code == 429 and again.json() == door.json()
        await api.ok("snv.cb2", "{ me { id } }")  # another official is not concerned
        clock.now += 20  # one refusal's worth refilled
        assert (await api.ok("snv.cb1", "{ me { id } }"))["me"]["id"] == "snv.cb1"


async def test_the_door_holds_its_answer_a_moment_and_the_loop_goes_on(
    env: WorkflowEnvironment, db: Engine
) -> None:
    async with serving(env, db, rate_refusals_per_minute=1) as (api, _):
        signed = api.token("snv.cb1")
        await api.raw(ATTACK, token=signed)  # his one refusal of the minute
        await api.ok("gd.snv", "{ me { id } }")  # the app warmed up (its first request)
        started = time.perf_counter()
        door = asyncio.create_task(api.http.post(
            "/graphql", json={"query": "{ me { id } }"},
            headers={"Authorization": f"Bearer {signed}"}))
        await asyncio.sleep(0.05)  # the door has him
        assert (await api.http.get("/health/live")).status_code == 200
        assert not door.done()  # held without holding anything else up
        await door
        held = time.perf_counter() - started
        assert DOOR_HOLD_SECONDS <= held < DOOR_HOLD_SECONDS + HANG_GUARD, held


async def test_refused_mutations_count_as_refusals(env: WorkflowEnvironment, db: Engine) -> None:
    mutation = 'mutation { generateBriefing(period: "2026-W99") { period } }'
    async with serving(env, db, rate_refusals_per_minute=2,
                       rate_mutations_per_minute=1) as (api, _):
        token = {"Authorization": f"Bearer {api.token('vp.cv')}"}
        await api.http.post("/graphql", json={"query": mutation}, headers=token)
        for _ in range(2):
            over = await api.http.post("/graphql", json={"query": mutation}, headers=token)
            assert over.json()["errors"][0]["message"].startswith("Quá nhiều yêu cầu")
        door = await api.http.post("/graphql", json={"query": "{ me { id } }"}, headers=token)
        assert door.json()["errors"][0]["message"].startswith("Đồng chí đã gửi quá nhiều")


# Authentication off the event loop ---------------------------------------------------------


class Held:
    """A slow part (the OIDC provider's keys, a Redis that answers late) that, once armed,
    waits until the test lets it go: whether the event loop goes on meanwhile is seen, not
    timed. Run on the loop itself, it would stall it until HANG_GUARD, and say so."""

    def __init__(self) -> None:
        self.armed = False
        self.entered = threading.Event()
        self.let_go = threading.Event()
        self.threads: list[str] = []
        self.stalled = False

    def __call__(self) -> None:
        if not self.armed:
            return
        self.threads.append(threading.current_thread().name)
        self.entered.set()
        if not self.let_go.wait(timeout=HANG_GUARD):
            self.stalled = True


async def live_while(api: Api, slow: Callable[[], Any], held: Held) -> None:
    """/health/live answers while `slow()` (a request) is held in its slow part; the slow
    part ran off the event loop."""
    await api.ok("gd.snv", "{ me { id } }")  # the app warmed up (its first request)
    held.armed = True
    pending = asyncio.create_task(slow())
    while not held.entered.is_set():  # the slow request has reached its slow part
        await asyncio.sleep(0.01)
    live = await api.http.get("/health/live")
    held.let_go.set()
    assert live.status_code == 200
    await pending
    assert not held.stalled, "the slow part held the event loop"
    assert held.threads and threading.current_thread().name not in held.threads


async def test_a_slow_token_check_does_not_stall_the_api(
    env: WorkflowEnvironment, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(env, db) as (api, _):
        authenticator = api.app.state.services.authenticator
        real = authenticator.username
        calls: list[str] = []
        held = Held()

        def slow_provider(authorization: str | None) -> str:  # the OIDC provider's keys
            calls.append(threading.current_thread().name)
            held()
            return real(authorization)

        monkeypatch.setattr(authenticator, "username", slow_provider)
        token = api.token("snv.cb1")
        await live_while(api, lambda: api.raw("{ me { id } }", token=token), held)
        assert calls and all(name.startswith("auth") for name in calls), calls
        # Verified once: the same token is believed from memory (until it expires).
        checked = len(calls)
        assert (await api.raw("{ me { id } }", token=token))["data"]["me"]["id"] == "snv.cb1"
        assert len(calls) == checked


async def test_a_slow_redis_does_not_stall_the_api(
    env: WorkflowEnvironment, db: Engine
) -> None:
    held = Held()

    class SlowRedis:  # answers, but late (a real one gives up after 250 ms)
        blocking = True
        enabled = True

        def take(self, key: str, amount: int = 1) -> int | None:
            held()
            return None

        def retry_after(self, key: str) -> int | None:
            held()
            return None

        def spend(self, key: str) -> None:
            held()

    mutation = {"query": 'mutation { generateBriefing(period: "2026-W99") { period } }'}
    async with serving(env, db) as (api, _):
        limits: Limits = api.app.state.limits
        limits.mutations = limits.auth_failures = SlowRedis()  # type: ignore[assignment]
        headers = {"Authorization": f"Bearer {api.token('vp.cv')}"}
        await live_while(
            api, lambda: api.http.post("/graphql", json=mutation, headers=headers), held)


async def test_an_expired_token_is_not_believed_from_memory(
    env: WorkflowEnvironment, db: Engine
) -> None:
    async with serving(env, db) as (api, _):
        authenticator = api.app.state.services.authenticator
        # The token's `exp` is in whole seconds (the fraction dropped): 2 s ahead leaves it
        # valid for more than one, which the first check needs even on a busy machine.
        soon = datetime.now(UTC) - timedelta(hours=api.settings.token_ttl_hours) + timedelta(
            seconds=2)
        token = f"Bearer {issue_dev_token(api.settings, 'snv.cb1', now=soon)}"
        assert await authenticator.verify(token) == "snv.cb1"
        assert authenticator.known(token) == "snv.cb1"
        await asyncio.sleep(2.1)
        assert authenticator.known(token) is None
        with pytest.raises(Exception, match="hết hạn"):
            await authenticator.verify(token)
