"""Query cost (issue 16 item 3): priced before execution, refused over the limit, the
dashboard's own queries well within it; expensive reads counted per official; each request
holds at most its share of the database threads."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from graphql import parse
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from api.auth import issue_dev_token
from api.cost import EXPENSIVE, MAX_COST, QUERY_TOO_COSTLY, UNBOUNDED_LIST, query_cost
from api.db_share import DB_THREADS_PER_OFFICIAL
from api.schema import build_schema
from bench.dashboard_flat import dashboard_queries
from giaoviec.reads import read
from tests.api.harness import Api, make_settings, running_api, statements

SCHEMA = build_schema()
# The issue's query: 30 aliases, within the depth, alias and token limits.
ATTACK = "{" + " ".join(
    f"a{i}: tasks(first: 100) {{ edges {{ node {{ plan {{ counts {{ total }} byUnit {{ "
    f"counts {{ total }} unit {{ countsWithDescendants {{ total }} }} }} }} }} }} }}"
    for i in range(30)) + "}"


def cost(query: str, **variables: Any) -> int:
    return query_cost(SCHEMA, parse(query), variables)


def test_a_page_costs_its_size_times_what_each_item_resolves() -> None:
    page = "query($n: Int) { tasks(first: $n) { totalCount edges { node { id owner { id } } } } }"
    assert cost(page, n=10) == 10 + 10 * 1  # the page's own weight, then 1 loader per item
    assert cost(page, n=30) == 10 + 30 * 1
    assert cost(page) == 10 + 50 * 1  # no `first`: the page's default
    assert cost(page, n=10_000) == 10 + 100 * 1  # clamped as the read clamps it
    assert cost("{ tasks(first: 7) { edges { node { id title } } } }") == 10  # row fields free


def test_nested_lists_multiply_and_aggregates_weigh_more() -> None:
    one = cost('{ unit(id: "x") { counts { total } } }')
    assert one == 1 + 2
    children = cost('{ unit(id: "x") { children { countsWithDescendants { total } } } }')
    assert children == 1 + (1 + 50 * 3)  # batched by a loader: a grouped query per level
    per_row = cost("{ plans(first: 10) { cascade { issued } } }")
    assert per_row == 5 + 10 * (10 + 20 * 0)  # a query per row
    unbounded = cost('{ task(id: "x") { coordinators { unit { id } } } }')
    assert unbounded == 1 + (1 + UNBOUNDED_LIST * 1)


def test_fragments_cost_as_if_written_inline() -> None:
    inline = cost("{ tasks(first: 20) { edges { node { owner { counts { total } } } } } }")
    spread = cost("query { tasks(first: 20) { edges { node { ...F } } } } "
                  "fragment F on Task { owner { counts { total } } }")
    assert inline == spread == 10 + 20 * (1 + 2)


def test_only_the_operation_run_is_priced() -> None:
    doc = ("query Cheap { me { id } } "
           "query Dear { tasks(first: 100) { edges { node { subtaskCounts { total } } } } }")
    assert query_cost(SCHEMA, parse(doc), None, "Cheap") == 1
    assert query_cost(SCHEMA, parse(doc), None, "Dear") == 10 + 100 * 3


def test_the_dashboards_queries_are_far_below_the_limit_and_not_expensive() -> None:
    queries = dashboard_queries()
    assert {"FIGURES", "LISTS", "RANKING", "UNIT", "OFFICIAL", "TASK"} <= set(queries)
    costs = {name: cost(q) for name, q in queries.items()}
    assert all(c < EXPENSIVE for c in costs.values()), costs


def test_the_issues_query_is_over_the_limit() -> None:
    assert cost(ATTACK) > 50 * MAX_COST


def test_plans_from_input_are_expensive_operations() -> None:
    upload = 'mutation($f: Upload!) { importPlan(file: $f, clientKey: "k") { id } }'
    assert cost(upload) >= EXPENSIVE
    create = "mutation($p: PlanInput!) { createPlan(input: $p) { id } }"
    assert cost(create) >= EXPENSIVE


# Over the API -------------------------------------------------------------------------------

on_loop = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    async with running_api(env, db, make_settings(rate_expensive_reads_per_minute=2)) as api:
        yield api


@on_loop
async def test_the_issues_query_is_refused_before_anything_runs(api: Api) -> None:
    # Fast because nothing runs: priced from the document, refused before any resolver reads
    # the database (its speed is the benchmarks' business, not a timed test's).
    with statements(api.engine) as cheap:
        await api.ok("snv.cb1", "{ me { id } }")
    assert cheap  # the count sees what a request reads
    with statements(api.engine) as issued:
        body = await api.raw(ATTACK, user="snv.cb1")
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == QUERY_TOO_COSTLY
    assert "Truy vấn quá nặng" in error["message"]
    assert issued == []


@on_loop
async def test_the_chairmans_dashboard_queries_still_answer(api: Api) -> None:
    jurisdiction = (await api.ok("chutich", "{ me { jurisdiction { id } } }"))["me"]
    unit = jurisdiction["jurisdiction"]["id"]
    queries = dashboard_queries()
    for name in ("FIGURES", "LISTS", "RANKING", "UNIT"):
        await api.ok("chutich", queries[name], u=unit)


@on_loop
async def test_expensive_reads_are_counted_per_official(api: Api) -> None:
    heavy = ("{ tasks(first: 100) { edges { node { subtaskCounts { total } availableActions "
             "parent { id } owner { counts { total } } leadUnit { countsWithDescendants { total } "
             "} } } } }")
    assert EXPENSIVE <= cost(heavy) <= MAX_COST
    for _ in range(2):
        await api.ok("snv.cb2", heavy)
    refused = await api.error("snv.cb2", heavy)
    assert refused["extensions"]["code"] == "RATE_LIMITED"
    # Keyed on the official, not the token: a fresh token of his gets no fresh budget.
    fresh = issue_dev_token(api.settings, "snv.cb2", now=datetime.now(UTC) - timedelta(hours=1))
    assert fresh != api.token("snv.cb2")
    again = await api.raw(heavy, token=fresh)
    assert again["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    await api.ok("snv.cb2", "{ tasks(first: 5) { totalCount } }")  # cheap reads still go
    await api.ok("gd.snv", heavy)  # another official has his own budget


@on_loop
async def test_a_request_holds_at_most_its_share_of_the_database_threads(
    api: Api, monkeypatch: pytest.MonkeyPatch,
) -> None:
    lock, running, most = threading.Lock(), [0], [0]

    def counting(engine: Engine, fn: Callable[[Session], Any]) -> Any:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.05)
            return read(engine, fn)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr("api.context.read", counting)
    monkeypatch.setattr("api.loaders.read", counting)
    many = "{" + " ".join(f"t{i}: tasks(first: 1) {{ totalCount }}" for i in range(12)) + "}"
    await api.ok("chutich", many)
    assert DB_THREADS_PER_OFFICIAL == 2  # the share asserted below
    assert 1 <= most[0] <= 2, most[0]
    # Several requests in parallel with one official's token share the same two threads.
    most[0] = 0
    await asyncio.gather(*(api.ok("chutich", many) for _ in range(3)))
    assert 1 <= most[0] <= 2, most[0]
