"""What the dashboard added to the public API, for every client: checkAssignment, tallyTrend,
the awaitingMyDecision filter, officials' counts, availableActions, and the live
subscription over graphql-transport-ws (a real server, a real websocket)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
import websockets
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from api import live
from api.auth import issue_dev_token
from giaoviec.store.models import Official, Substitution, Task, TaskRequest
from tests.api.harness import ASSIGN, Api, assign_input, running_api
from tests.conftest import free_port

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHECK = """query($input: AssignTaskInput!) { checkAssignment(input: $input)
  { field code message ro } }"""
ACCEPT = "mutation($id: ID!) { acceptTask(id: $id) { id } }"
SUBMIT = """mutation($id: ID!) { submitOutput(id: $id, output: {description: "Báo cáo"})
  { id } }"""
EXTEND = """mutation($id: ID!, $at: DateTime!) { requestExtension(id: $id, newDeadline: $at,
  reason: "Chờ số liệu") { id } }"""
AWAITING = """{ tasks(filter: {awaitingMyDecision: true}, first: 100) { totalCount
  edges { node { id } } } }"""
ACTIONS = "query($id: ID!) { task(id: $id) { availableActions } }"
REMIND = "mutation($id: ID!) { remindTask(id: $id) { id } }"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    async with running_api(env, db) as api:
        yield api


async def assign(api: Api, user: str = "chutich", **overrides: Any) -> str:
    return (await api.ok(user, ASSIGN, input=assign_input(**overrides)))["assignTask"]["id"]


def rows(engine: Engine) -> tuple[int, int]:
    with Session(engine) as s:
        return (s.execute(select(func.count()).select_from(Task)).scalar_one(),
                s.execute(select(func.count()).select_from(TaskRequest)).scalar_one())


async def test_check_assignment_names_every_problem_and_changes_nothing(api: Api) -> None:
    before = rows(api.engine)
    fine = await api.ok("chutich", CHECK, input=assign_input())
    assert fine["checkAssignment"] == []
    bad = await api.ok("chutich", CHECK, input=assign_input(basis=None, product=None,
                                                            workingDays=None))
    found = {(f["field"], f["code"], f["ro"]) for f in bad["checkAssignment"]}
    assert found == {("basis", "MISSING_BASIS", "rõ thẩm quyền"),
                     ("product", "MISSING_PRODUCT", "rõ sản phẩm"),
                     ("deadline", "MISSING_DEADLINE", "rõ thời gian")}
    assert all(f["message"] for f in bad["checkAssignment"])
    # An officer has no authority over the lead unit: named on its field, as assignTask does.
    officer = await api.ok("snv.cb2", CHECK, input=assign_input())
    assert [(f["field"], f["code"]) for f in officer["checkAssignment"]] == [
        ("leadUnitId", "NO_AUTHORITY")]
    refused = await api.raw(ASSIGN, {"input": assign_input(basis=None, product=None,
                                                           workingDays=None)}, user="chutich")
    codes = {f["code"] for f in refused["errors"][0]["extensions"]["fields"]}
    assert codes == {c for _, c, _ in found}  # the same check as the mutation's
    assert rows(api.engine) == before  # nothing assigned, no key claimed
    unauth = await api.raw(CHECK, {"input": assign_input()})
    assert unauth["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_awaiting_my_decision_follows_who_may_decide(api: Api) -> None:
    by_chairman = await assign(api)  # chutich → snv.cb1
    await api.ok("snv.cb1", ACCEPT, id=by_chairman)
    await api.ok("snv.cb1", SUBMIT, id=by_chairman)
    by_head = await assign(api, "gd.snv", ownerId="snv.cb2", coordinators=[])
    await api.ok("snv.cb2", ACCEPT, id=by_head)
    later = (datetime.now(UTC) + timedelta(days=60)).isoformat()
    await api.ok("snv.cb2", EXTEND, id=by_head, at=later)
    waiting = await assign(api)  # neither submitted nor asking: nobody's decision

    async def awaiting(user: str) -> set[str]:
        data = await api.ok(user, AWAITING)
        return {e["node"]["id"] for e in data["tasks"]["edges"]}

    chairman = await awaiting("chutich")
    assert {by_chairman, by_head} <= chairman and waiting not in chairman
    assert await awaiting("gd.snv") >= {by_head}  # his own assignment
    assert by_chairman not in await awaiting("gd.snv")  # he heads the lead unit, not above
    vice = await awaiting("pct")
    assert by_head in vice and by_chairman not in vice  # above gd.snv, not above the chairman
    assert await awaiting("snv.cb1") == set()
    # The same rule as the buttons: whoever the filter lists may decide.
    assert "APPROVE" in (await api.ok("chutich", ACTIONS, id=by_chairman))["task"][
        "availableActions"]
    assert "DECIDE_EXTENSION" in (await api.ok("pct", ACTIONS, id=by_head))["task"][
        "availableActions"]
    assert "APPROVE" not in (await api.ok("gd.snv", ACTIONS, id=by_chairman))["task"][
        "availableActions"]


LEAD = ["ACCEPT", "REPORT_PROGRESS", "SUBMIT", "DECLINE", "REQUEST_EXTENSION"]


async def test_available_actions_are_exactly_what_each_viewer_can_do_now(api: Api) -> None:
    task = await assign(api)

    async def offered(user: str) -> list[str] | None:
        found = (await api.ok(user, ACTIONS, id=task))["task"]
        return None if found is None else found["availableActions"]

    today = datetime.now(UTC).date()
    with Session(api.engine) as s:  # snv.cb2 stands in for the owner today
        standing = Substitution(official_id="snv.cb1", substitute_id="snv.cb2", starts_on=today,
                                ends_on=today + timedelta(days=1), reason="Nghỉ phép",
                                created_by="snv.cb1", created_at=datetime.now(UTC))
        s.add(standing)
        s.commit()
        s.refresh(standing)
    try:
        assert await offered("snv.cb1") == LEAD
        assert await offered("gd.snv") == [*LEAD, "REMIND"]
        # No SHIFT_DEADLINE (the system's, carried down from a parent), no APPROVE before a
        # submission, no DECIDE_EXTENSION before a request, no RESUME before a pause.
        assert await offered("chutich") == ["REASSIGN", "PAUSE", "CANCEL", "REMIND",
                                            "CHANGE_DEADLINE"]
        assert await offered("vp.cv") == ["REMIND"]  # the office tracks and reminds
        assert await offered("snv.cb2") == LEAD  # the owner's, as the service will judge
        assert await offered("xa1.cb") is None  # may not even read it
        # Reminded by hand: the office may not remind again for a day (RATE_LIMITED
        # otherwise); the pace is each person's, so the chairman still may.
        await api.ok("vp.cv", REMIND, id=task)
        assert await offered("chutich") == ["REASSIGN", "PAUSE", "CANCEL", "REMIND",
                                            "CHANGE_DEADLINE"]
        assert await offered("vp.cv") == []
        later = (datetime.now(UTC) + timedelta(days=90)).isoformat()
        await api.ok("snv.cb1", EXTEND, id=task, at=later)
        assert await offered("snv.cb1") == ["ACCEPT", "REPORT_PROGRESS", "SUBMIT", "DECLINE"]
        assert await offered("chutich") == ["DECIDE_EXTENSION", "REASSIGN", "PAUSE", "CANCEL",
                                            "REMIND", "CHANGE_DEADLINE"]
    finally:
        with Session(api.engine) as s:
            s.delete(s.get(Substitution, standing.id))
            s.commit()


OFFICIAL_COUNTS = """query($u: ID!) { unit(id: $u) { counts { total openInTime openOverdue
  completedOnTime onTimeRate } countsWithDescendants { total }
  children { countsWithDescendants { total } }
  officials { id counts { total openInTime openOverdue completedOnTime onTimeRate } } } }"""


async def test_officials_add_up_to_their_unit_and_empty_rates_are_null(api: Api) -> None:
    await assign(api)  # at least one task, whichever tests ran before
    data = (await api.ok("chutich", OFFICIAL_COUNTS, u="snv"))["unit"]
    assert data["counts"]["total"] > 0
    for key in ("total", "openInTime", "openOverdue", "completedOnTime"):
        assert sum(o["counts"][key] for o in data["officials"]) == data["counts"][key], key
    assert data["countsWithDescendants"]["total"] == data["counts"]["total"] + sum(
        c["countsWithDescendants"]["total"] for c in data["children"])
    # Tasks, none come due or completed yet: nothing to rate ("—"), not 0 — unless another
    # test's product was submitted on time, which is on time pending the approver.
    c = data["counts"]
    assert c["completedOnTime"] + c["openOverdue"] == 0
    assert c["onTimeRate"] in (None, 100.0)
    idle = [o for o in data["officials"] if o["counts"]["total"] == 0]
    assert idle and all(o["counts"]["onTimeRate"] is None for o in idle)  # "—", not 0
    one = await api.ok("chutich", """{ official(id: "snv.cb1") { fullName
      jurisdiction { id } counts { total } } me { jurisdiction { id } } }""")
    assert one["official"]["jurisdiction"]["id"] == "snv" and one["me"]["jurisdiction"][
        "id"] == "tinh"
    office = await api.ok("vp.cv", "{ me { unit { id } jurisdiction { id } } }")
    assert office["me"] == {"unit": {"id": "vp"}, "jurisdiction": {"id": "tinh"}}


TREND = """query($u: ID!, $w: Int) { tallyTrend(unitId: $u, weeks: $w) { period stored
  counts { total completedOnTime completedLate openInTime openOverdue dueSoon } } }"""
TALLY = """query($u: ID!, $p: String!) { tally(unitId: $u, period: $p) { counts { total
  completedOnTime completedLate openInTime openOverdue dueSoon } } }"""


async def test_trend_is_the_tally_week_by_week(api: Api) -> None:
    await assign(api)
    points = (await api.ok("chutich", TREND, u="tinh", w=3))["tallyTrend"]
    assert len(points) == 3 and points[-1]["counts"]["total"] > 0
    for point in points:
        tally = (await api.ok("chutich", TALLY, u="tinh", p=point["period"]))["tally"]
        assert point["counts"] == tally["counts"], point["period"]
    # Once the weekly run has stored a week, the trend answers that week's stored figures.
    last_week = points[-2]["period"]
    await api.ok("chutich", "mutation($p: String) { generateBriefing(period: $p) { period } }",
                 p=last_week)
    again = (await api.ok("chutich", TREND, u="tinh", w=3))["tallyTrend"]
    assert [p["stored"] for p in again] == [False, True, False]
    tally = (await api.ok("chutich", TALLY, u="tinh", p=last_week))["tally"]
    assert again[1]["counts"] == tally["counts"]
    default = (await api.ok("chutich", TREND, u="tinh", w=None))["tallyTrend"]
    assert len(default) == 12
    bad = await api.error("chutich", TREND, u="tinh", w=0)
    assert bad["extensions"]["code"] == "VALIDATION"
    assert bad["extensions"]["fields"][0]["code"] == "INVALID_WEEKS"
    outside = await api.error("xa1.cb", TREND, u="tinh", w=2)
    assert outside["extensions"]["code"] == "FORBIDDEN"


# Live: graphql-transport-ws over a real socket ----------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served(api: Api) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(api.app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    await task


SUBSCRIBE = """subscription($t: ID) { taskChanges(taskId: $t) { event { action seq
  actor { id } } task { id state } } }"""


async def subscribe(address: str, init: dict[str, Any], variables: dict[str, Any] | None = None,
                    headers: dict[str, str] | None = None) -> Any:
    ws = await websockets.connect(f"ws://{address}/graphql",
                                  subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                                  additional_headers=headers or {})
    await ws.send(json.dumps({"type": "connection_init", "payload": init}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe",
                              "payload": {"query": SUBSCRIBE, "variables": variables or {}}}))
    return ws


async def test_changes_arrive_live_only_to_those_who_may_read_them(api: Api,
                                                                   served: str) -> None:
    task = await assign(api)
    chairman = await subscribe(served, {"Authorization": f"Bearer {api.token('chutich')}"})
    one_task = await subscribe(served, {"Authorization": f"Bearer {api.token('snv.cb1')}"},
                               {"t": task})
    outsider = await subscribe(served, {"Authorization": f"Bearer {api.token('xa1.cb')}"})
    await asyncio.sleep(0.2)  # the feed starts from the newest event at subscription time
    await api.ok("snv.cb1", ACCEPT, id=task)
    for ws in (chairman, one_task):  # a bound for a loaded machine, not a speed target
        message = json.loads(await asyncio.wait_for(ws.recv(), 15))
        assert message["type"] == "next", message
        change = message["payload"]["data"]["taskChanges"]
        assert change["task"] == {"id": task, "state": "IN_PROGRESS"}
        assert change["event"]["action"] == "accept"
        assert change["event"]["actor"] == {"id": "snv.cb1"}
    with pytest.raises(TimeoutError):  # never told of a task he may not read
        await asyncio.wait_for(outsider.recv(), 1.0)
    for ws in (chairman, one_task, outsider):
        await ws.close()


async def test_the_websocket_refuses_strangers(api: Api, served: str) -> None:
    for init in ({}, {"Authorization": "Bearer not-a-token"}):
        ws = await subscribe(served, init)
        message = json.loads(await asyncio.wait_for(ws.recv(), 15))
        # Refused by the field's policy before the subscription starts: an "error" message.
        assert message["type"] == "error", message
        assert message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        await ws.close()
    # Only this site's own pages may open the socket with the session cookie (cross-site
    # websocket hijacking): a foreign origin is refused at the handshake.
    cookie = {"Cookie": f"giaoviec_phien={api.token('chutich')}"}
    with pytest.raises(websockets.InvalidStatus):
        await subscribe(served, {}, headers={**cookie, "Origin": "https://evil.example"})
    same_site = {**cookie, "Origin": f"http://{served}"}
    ws = await subscribe(served, {}, {"t": "no-such-task"}, headers=same_site)
    with pytest.raises(TimeoutError):  # accepted, and silent: nothing of that task to tell
        await asyncio.wait_for(ws.recv(), 0.8)
    await ws.close()


async def closed_with(ws: Any, seconds: float) -> int:
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), seconds)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_a_subscription_ends_with_its_token_or_its_official(
    api: Api, served: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert live.RECHECK_SECONDS <= 60  # at least once a minute in production
    monkeypatch.setattr(live, "RECHECK_SECONDS", 0.3)
    ttl = timedelta(hours=api.settings.token_ttl_hours)
    # Long enough to subscribe with on a loaded machine; the test waits for it to run out.
    soon = issue_dev_token(api.settings, "snv.cb1",
                           now=datetime.now(UTC) - ttl + timedelta(seconds=4))
    expiring = await subscribe(served, {"Authorization": f"Bearer {soon}"})
    leaving = await subscribe(served, {"Authorization": f"Bearer {api.token('snv.cb2')}"})
    await asyncio.sleep(0.5)
    with Session(api.engine) as s:
        s.execute(update(Official).where(Official.id == "snv.cb2").values(active=False))
        s.commit()
    try:
        # The bounds only catch a hang (a loaded machine): each ends as soon as it is closed.
        assert await closed_with(leaving, 15) == 4403  # deactivated: within the re-check
        assert await closed_with(expiring, 15) == 4401  # at its token's expiry
    finally:
        with Session(api.engine) as s:
            s.execute(update(Official).where(Official.id == "snv.cb2").values(active=True))
            s.commit()


async def test_no_query_or_mutation_around_the_http_limits(api: Api, served: str) -> None:
    """The socket carries subscriptions only: a mutation sent over it is refused, so it
    cannot walk around the body and rate limits that stand on HTTP."""
    ws = await websockets.connect(f"ws://{served}/graphql",
                                  subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init",
                              "payload": {"Authorization": f"Bearer {api.token('chutich')}"}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    mutation = "mutation { markNotificationsRead(ids: []) }"
    await ws.send(json.dumps({"id": "m", "type": "subscribe", "payload": {"query": mutation}}))
    answer = json.loads(await asyncio.wait_for(ws.recv(), 15))
    errors = answer["payload"]["errors"] if answer["type"] == "next" else answer["payload"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    await ws.close()
