"""What a page reads together when the query asks for it (a look-ahead, fragments too) is
what each part gives when asked alone: a unit's children with their counts (the unit page,
the home's ranking), a page of tasks with their lead units and owners."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from api.auth import issue_dev_token
from domain.calendar import WorkingCalendar
from giaoviec.services.tasks import TaskService
from tests.api.harness import make_settings
from tests.api.test_queries import population
from tests.org_fixture import UNITS, seed_small_org
from workflows.contracts import CalendarConfig

COUNTS = "total completedOnTime completedLate openInTime openOverdue dueSoon onTimeRate"
AT_ONCE = f"""query($u: ID!) {{ unit(id: $u) {{ children {{ id
  countsWithDescendants {{ {COUNTS} }} }} }} }}"""
BY_FRAGMENT = f"""query($u: ID!) {{ unit(id: $u) {{ children {{ ...Ranked }} }} }}
fragment Ranked on Unit {{ id ... on Unit {{ countsWithDescendants {{ {COUNTS} }} }} }}"""
ALONE = f"""query($u: ID!) {{ unit(id: $u) {{ countsWithDescendants {{ {COUNTS} }} }} }}"""
# The unit page's shape: the unit's own counts then come off the subtree its children's are
# counted from.
PAGE_COUNTS = f"""query($u: ID!) {{ unit(id: $u) {{ counts {{ {COUNTS} }}
  countsWithDescendants {{ {COUNTS} }}
  children {{ id counts {{ {COUNTS} }} countsWithDescendants {{ {COUNTS} }} }} }} }}"""
OWN = f"""query($u: ID!) {{ unit(id: $u) {{ counts {{ {COUNTS} }} }} }}"""


PAGE = """{ tasks(first: 100, filter: { role: ANY }) { edges { node { id
  leadUnit { id name } owner { id fullName } } } } }"""
ONE = "query($u: ID!) { task(id: $u) { id leadUnit { id name } owner { id fullName } } }"


Ask = Callable[..., Awaitable[Any]]


def _compare(engine: Engine, check: Callable[[Ask], Awaitable[int]]) -> int:
    """Runs `check` with an asker on the app over a small province's population; what it
    compared."""
    with Session(engine) as s:
        seed_small_org(s)
        population(s)
    settings = make_settings()
    service = TaskService(None, engine, "test", WorkingCalendar(), CalendarConfig())  # type: ignore[arg-type]
    app = create_app(settings, engine=engine, service=service)

    async def run() -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://localhost") as client:
            async def ask(user: str, query: str, unit: str, root: str = "unit") -> Any:
                headers = {"Authorization": f"Bearer {issue_dev_token(settings, user)}"}
                r = await client.post("/graphql", headers=headers,
                                      json={"query": query, "variables": {"u": unit}})
                body = r.json()
                assert "errors" not in body, body
                return body["data"][root]

            return await check(ask)

    return asyncio.run(run())


def test_a_pages_lead_units_and_owners_are_each_tasks_own(any_engine: Engine) -> None:
    async def check(ask: Ask) -> int:
        compared = 0
        for user in ("chutich", "gd.snv", "xa1.cb"):
            for edge in (await ask(user, PAGE, "", root="tasks"))["edges"]:
                alone = await ask(user, ONE, edge["node"]["id"], root="task")
                assert edge["node"] == alone, user
                compared += 1
        return compared

    assert _compare(any_engine, check) >= 5


def test_children_read_together_count_as_each_alone(any_engine: Engine) -> None:
    async def check(ask: Ask) -> int:
        compared = 0
        for user in ("chutich", "gd.snv", "vp.cv", "snv.cb2"):
            for parent, *_ in UNITS:
                together = (await ask(user, AT_ONCE, parent))["children"]
                fragment = (await ask(user, BY_FRAGMENT, parent))["children"]
                assert fragment == together, (user, parent)
                for child in together:
                    alone = await ask(user, ALONE, child["id"])
                    assert child["countsWithDescendants"] == alone[
                        "countsWithDescendants"], (user, parent, child["id"])
                    compared += 1
        return compared

    assert _compare(any_engine, check) >= 4 * 5  # every viewer, each child of two units


def test_a_units_own_counts_read_with_its_childrens_are_as_asked_alone(
    any_engine: Engine,
) -> None:
    async def check(ask: Ask) -> int:
        compared = 0
        for user in ("chutich", "gd.snv", "vp.cv", "snv.cb2"):
            for parent, *_ in UNITS:
                page = await ask(user, PAGE_COUNTS, parent)
                for unit_id, shown in ((parent, page), *((c["id"], c) for c in page["children"])):
                    own = (await ask(user, OWN, unit_id))["counts"]
                    whole = (await ask(user, ALONE, unit_id))["countsWithDescendants"]
                    assert shown["counts"] == own, (user, unit_id)
                    assert shown["countsWithDescendants"] == whole, (user, unit_id)
                    compared += 1
        return compared

    assert _compare(any_engine, check) >= 4 * 5
