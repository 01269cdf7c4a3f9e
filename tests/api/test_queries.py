"""Reads: scoping, filters, paging, drill-down counts that add up, notifications.

Tasks here are written straight into the read model (as the engine's activity would), so
every timeliness case is exact; the mutations' own tests go through the workflows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from domain.calendar import WorkingCalendar
from domain.lifecycle import TaskState
from domain.text import fold
from domain.timeliness import timeliness
from giaoviec.reads.counts import Clock, timeliness_case
from giaoviec.reads.org import Viewer
from giaoviec.reads.org_counts import counts_by_lead_unit
from giaoviec.store.models import Notification, Task, TaskCoordinator
from tests.api.harness import Api, running_api
from tests.org_fixture import unit_path

pytestmark = pytest.mark.asyncio(loop_scope="module")
NOW = datetime.now(UTC)
DAY = timedelta(days=1)


def put(
    s: Session, tid: str, *, lead: str = "snv", owner: str = "snv.cb1",
    assigner: str = "chutich", state: TaskState = TaskState.IN_PROGRESS,
    deadline: datetime = NOW + 20 * DAY, submitted: datetime | None = None,
    paused: datetime | None = None, title: str = "Nhiệm vụ", basis: str = "Kế hoạch 208/KH-UBND",
    coordinators: tuple[str, ...] = (), flagged: bool = False, cancelled: datetime | None = None,
) -> None:
    s.add(Task(
        id=tid, client_key=tid, title=title, state=state.value, lead_unit_id=lead,
        lead_unit_path=unit_path(lead), owner_id=owner, assigner_id=assigner,
        deadline=deadline, original_deadline=deadline, created_at=NOW - 30 * DAY,
        updated_at=NOW, submitted_at=submitted,
        completed_at=submitted if state is TaskState.COMPLETED else None, paused_at=paused,
        cancelled_at=cancelled,
        basis=basis, search_text=fold(f"{title} {basis}"), flagged=flagged,
        product_kind="báo cáo", product_description="Báo cáo",
    ))
    s.flush()
    for unit in coordinators:
        s.add(TaskCoordinator(task_id=tid, unit_id=unit, duty="Phối hợp"))


def population(s: Session) -> None:
    done = TaskState.COMPLETED
    put(s, "q-ontime", state=done, deadline=NOW - 5 * DAY, submitted=NOW - 6 * DAY)
    put(s, "q-late", state=done, deadline=NOW - 5 * DAY, submitted=NOW - 2 * DAY)
    put(s, "q-overdue", deadline=NOW - 2 * DAY, flagged=True,
        title="Xây dựng báo cáo kiểm đếm nhiệm vụ")
    put(s, "q-soon", deadline=NOW + timedelta(hours=20))
    put(s, "q-intime", lead="snv-tccb", owner="tccb.cb", assigner="gd.snv")
    put(s, "q-paused-late", state=TaskState.PAUSED, deadline=NOW - 10 * DAY,
        paused=NOW - 11 * DAY)  # paused before its deadline: frozen in time
    put(s, "q-paused-over", state=TaskState.PAUSED, deadline=NOW - 10 * DAY,
        paused=NOW - 9 * DAY)  # paused when already overdue
    put(s, "q-cancelled", state=TaskState.CANCELLED, deadline=NOW - 3 * DAY,
        cancelled=NOW - 4 * DAY)
    put(s, "q-stc", lead="stc", owner="stc.cb", coordinators=("snv",), basis="Công văn 15/UBND")
    put(s, "q-xa", lead="xa1", owner="xa1.cb", deadline=NOW - DAY)
    for n in range(3):
        s.add(Notification(recipient_id="snv.cb1", task_id="q-soon", kind="reminder",
                           title=f"Nhắc việc {n}", body="Còn 1 ngày", dedup_key=f"q:{n}",
                           created_at=NOW - timedelta(minutes=n)))
    s.add(Notification(recipient_id="stc.cb", task_id="q-stc", kind="assigned",
                       title="Nhiệm vụ mới", body="…", dedup_key="q:x", created_at=NOW))
    s.commit()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    with Session(db) as s:
        population(s)
    async with running_api(env, db) as api:
        yield api


TASKS = """query($f: TaskFilter, $first: Int, $after: String) {
  tasks(filter: $f, first: $first, after: $after) {
    totalCount edges { cursor node { id timeliness } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def ids(api: Api, user: str, f: dict | None = None) -> set[str]:
    data = await api.ok(user, TASKS, f=f, first=100)
    return {e["node"]["id"] for e in data["tasks"]["edges"] if e["node"]["id"].startswith("q-")}


async def test_each_official_sees_his_own_jurisdiction(api: Api) -> None:
    everything = await ids(api, "chutich")
    assert everything >= {"q-ontime", "q-stc", "q-xa", "q-intime", "q-cancelled"}
    snv = await ids(api, "snv.cb2")  # his unit's subtree, plus what it coordinates
    assert snv == {"q-ontime", "q-late", "q-overdue", "q-soon", "q-intime", "q-paused-late",
                   "q-paused-over", "q-cancelled", "q-stc"}
    assert await ids(api, "tccb.cb") == {"q-intime"}
    assert await ids(api, "xa1.cb") == {"q-xa"}
    get = "query($id: ID!) { task(id: $id) { id } }"
    assert (await api.ok("xa1.cb", get, id="q-overdue"))["task"] is None
    err = await api.error("xa1.cb", "query($id: ID!) { taskHistory(id: $id) { seq } }",
                          id="q-overdue")
    assert err["extensions"]["code"] == "NOT_FOUND"


async def test_timeliness_filters_and_sql_agrees_with_the_domain(api: Api) -> None:
    async def by(*values: str) -> set[str]:
        return await ids(api, "chutich", {"timeliness": list(values)})

    assert await by("COMPLETED_ON_TIME") == {"q-ontime"}
    assert await by("COMPLETED_LATE") == {"q-late"}
    assert await by("OVERDUE") == {"q-overdue", "q-paused-over", "q-xa"}
    assert await by("DUE_SOON") == {"q-soon"}
    assert await by("IN_TIME") == {"q-intime", "q-paused-late", "q-stc"}  # never cancelled
    # The SQL expression and domain.timeliness give the same answer for every task.
    clock = Clock.at(NOW, WorkingCalendar())
    with Session(api.engine) as s:
        rows = s.execute(Task.__table__.select().add_columns(  # type: ignore[attr-defined]
            timeliness_case(clock).label("t"))).mappings().all()
    for row in rows:
        state = TaskState(row["state"])
        frozen = {TaskState.PAUSED: row["paused_at"], TaskState.CANCELLED: row["cancelled_at"]}
        expected = timeliness(
            state=state, deadline=row["deadline"],
            accepted_submitted_at=row["submitted_at"], now=NOW, calendar=WorkingCalendar(),
            frozen_at=frozen.get(state))
        assert row["t"] == expected.value, row["id"]


async def test_filters(api: Api) -> None:
    u = "chutich"
    assert await ids(api, u, {"search": "kiem dem"}) == {"q-overdue"}
    assert await ids(api, u, {"search": "KIỂM ĐẾM nhiem"}) == {"q-overdue"}
    assert await ids(api, u, {"states": ["PAUSED"]}) == {"q-paused-late", "q-paused-over"}
    assert await ids(api, u, {"unitId": "snv", "includeDescendants": False}) >= {"q-ontime"}
    assert "q-intime" not in await ids(api, u, {"unitId": "snv", "includeDescendants": False})
    assert "q-intime" in await ids(api, u, {"unitId": "snv"})
    assert await ids(api, u, {"unitId": "snv", "role": "COORDINATING"}) == {"q-stc"}
    assert "q-stc" in await ids(api, u, {"unitId": "snv", "role": "ANY"})
    assert await ids(api, u, {"ownerId": "tccb.cb"}) == {"q-intime"}
    assert await ids(api, u, {"basis": "công văn 15"}) == {"q-stc"}
    assert await ids(api, u, {"flagged": True}) == {"q-overdue"}
    window = {"deadlineFrom": (NOW - 3 * DAY).isoformat(), "deadlineTo": NOW.isoformat()}
    assert await ids(api, u, window) == {"q-overdue", "q-cancelled", "q-xa"}
    assert await ids(api, u, {"unitId": "khong-co"}) == set()


async def test_pages_follow_the_cursor_without_gaps_or_repeats(api: Api) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = (await api.ok("chutich", TASKS, f=None, first=3, after=after))["tasks"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"]
    too_many = await api.error("chutich", TASKS, f=None, first=1000, after=None)
    assert too_many["extensions"]["fields"][0]["code"] == "INVALID_PAGE_SIZE"
    bad = await api.error("chutich", TASKS, f=None, first=3, after="!!")
    assert bad["extensions"]["fields"][0]["code"] == "INVALID_CURSOR"


DRILL = """query($id: ID!) { unit(id: $id) { id name head { id } officials { id }
  counts { ...C } countsWithDescendants { ...C }
  children { id counts { ...C } countsWithDescendants { ...C } } } }
fragment C on Counts { total completedOnTime completedLate openInTime openOverdue dueSoon }"""


def parts(c: dict) -> int:
    return c["completedOnTime"] + c["completedLate"] + c["openInTime"] + c["openOverdue"]


async def test_drill_down_counts_add_up(api: Api) -> None:
    roots = (await api.ok("chutich", "{ units { id name } }"))["units"]
    assert [r["id"] for r in roots] == ["tinh"]
    tinh = (await api.ok("chutich", DRILL, id="tinh"))["unit"]
    assert tinh["head"]["id"] == "chutich"
    total = tinh["countsWithDescendants"]
    assert parts(total) == total["total"]
    assert total["total"] == tinh["counts"]["total"] + sum(
        c["countsWithDescendants"]["total"] for c in tinh["children"])
    snv = (await api.ok("chutich", DRILL, id="snv"))["unit"]
    # Led by Sở Nội vụ itself: on time, late, overdue, due soon, two paused; cancelled left out.
    assert snv["counts"] == {"total": 6, "completedOnTime": 1, "completedLate": 1,
                             "openInTime": 2, "openOverdue": 2, "dueSoon": 1}
    assert snv["countsWithDescendants"]["total"] == 7  # + q-intime in Phòng TCCB
    assert snv["head"]["id"] == "gd.snv"
    assert {o["id"] for o in snv["officials"]} == {"gd.snv", "snv.cb1", "snv.cb2"}
    # A commune officer drilling from the province sees only what he may see.
    xa_view = (await api.ok("xa1.cb", DRILL, id="tinh"))["unit"]
    assert xa_view["countsWithDescendants"]["total"] == 1
    # Down to the person: the tasks of one official.
    assert await ids(api, "chutich", {"ownerId": "snv.cb1"}) >= {"q-soon", "q-overdue"}
    with Session(api.engine) as s:
        viewer = Viewer(_actor("chutich"))
        direct = counts_by_lead_unit(s, viewer, ["snv"], Clock.at(NOW, WorkingCalendar()))
    assert direct["snv"].total == 6


def _actor(official_id: str):  # noqa: ANN202
    from domain.org import Actor, Role

    return Actor(official_id, ("tinh",), frozenset({Role.CHAIRMAN}))


async def test_notifications_are_ones_own(api: Api) -> None:
    q = "query($u: Boolean) { notifications(unreadOnly: $u) { id title readAt taskId } }"
    mine = (await api.ok("snv.cb1", q, u=True))["notifications"]
    assert [n["title"] for n in mine] == ["Nhắc việc 0", "Nhắc việc 1", "Nhắc việc 2"]
    others = (await api.ok("stc.cb", q, u=False))["notifications"]
    mark = "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }"
    stolen = await api.ok("snv.cb1", mark, ids=[n["id"] for n in others])
    assert stolen["markNotificationsRead"] == 0  # not his
    done = await api.ok("snv.cb1", mark, ids=[mine[0]["id"], mine[1]["id"]])
    assert done["markNotificationsRead"] == 2
    for bad in ("abc", "²", "99999999999999999999999"):  # never an INTERNAL error
        refused = await api.error("snv.cb1", mark, ids=[bad])
        assert refused["extensions"]["code"] == "VALIDATION"
        assert refused["extensions"]["fields"][0]["code"] == "INVALID_ID"
    assert len((await api.ok("snv.cb1", q, u=True))["notifications"]) == 1
    again = await api.ok("snv.cb1", mark, ids=[mine[0]["id"]])
    assert again["markNotificationsRead"] == 0


async def test_me(api: Api) -> None:
    me = (await api.ok("gd.snv", "{ me { id username fullName roles unit { id name } } }"))
    assert me["me"] == {"id": "gd.snv", "username": "gd.snv", "fullName": "Phạm Thị Dung",
                        "roles": ["unit_head"], "unit": {"id": "snv", "name": "Sở Nội vụ"}}
