"""Every mutation's success and every class of refusal, over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from tests.api.harness import ASSIGN, TASK_FIELDS, Api, assign_input, running_api

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    async with running_api(env, db) as api:
        yield api


async def assign(api: Api, user: str = "chutich", **overrides: object) -> dict:
    return (await api.ok(user, ASSIGN, input=assign_input(**overrides)))["assignTask"]


def act(name: str, args: str = "", params: str = "") -> str:
    sig = f"($id: ID!{params})"
    return f"mutation{sig} {{ {name}(id: $id{args}) {{ {TASK_FIELDS} }} }}"


ACCEPT = act("acceptTask")
PROGRESS = act("reportProgress", ", percent: $percent, note: $note",
               ", $percent: Int!, $note: String")
SUBMIT = act("submitOutput", ", output: $output", ", $output: OutputInput!")
APPROVE = act("approveTask", ", note: $note", ", $note: String")
RETURN = act("returnTask", ", reason: $reason", ", $reason: String!")
DECLINE = act("declineTask", ", reason: $reason", ", $reason: String!")
REQUEST_EXT = act("requestExtension", ", newDeadline: $when, reason: $reason",
                  ", $when: DateTime!, $reason: String!")
DECIDE_EXT = act("decideExtension", ", approve: $approve, note: $note",
                 ", $approve: Boolean!, $note: String")
REASSIGN = act("reassignTask", ", ownerId: $owner, leadUnitId: $unit, reason: $reason",
               ", $owner: ID!, $unit: ID, $reason: String!")
PAUSE = act("pauseTask", ", reason: $reason", ", $reason: String!")
RESUME = act("resumeTask")
CANCEL = act("cancelTask", ", reason: $reason", ", $reason: String!")
HISTORY = """query($id: ID!) {
  taskHistory(id: $id) { seq action actor { id } fromState toState note } }"""
GET = f"query($id: ID!) {{ task(id: $id) {{ {TASK_FIELDS} }} }}"
OUTPUT = {"description": "Báo cáo số 12/BC-UBND", "reference": "12/BC-UBND"}


async def test_assign_is_read_your_writes_and_idempotent(api: Api) -> None:
    inp = assign_input()
    task = (await api.ok("chutich", ASSIGN, input=inp))["assignTask"]
    assert task["state"] == "ASSIGNED" and task["timeliness"] == "IN_TIME"
    assert task["leadUnit"]["id"] == "snv" and task["owner"]["id"] == "snv.cb1"
    assert task["assignedBy"]["id"] == "chutich"
    assert task["coordinators"] == [{"unit": {"id": "stc"}, "duty": "Cung cấp số liệu tài chính"}]
    again = (await api.ok("chutich", ASSIGN, input=inp))["assignTask"]
    assert again["id"] == task["id"]
    seen = (await api.ok("snv.cb1", GET, id=task["id"]))["task"]
    assert seen["title"] == inp["title"]
    changed = await api.error("chutich", ASSIGN, input={**inp, "title": "Khác"})
    assert changed["extensions"]["code"] == "CONFLICT"


async def test_a_task_missing_its_ro_names_every_missing_item(api: Api) -> None:
    bad = assign_input(description=None, basis=None, product=None, workingDays=None,
                       ownerId="stc.cb", coordinators=[{"unitId": "snv", "duty": ""}])
    err = await api.error("chutich", ASSIGN, input=bad)
    assert err["extensions"]["code"] == "VALIDATION"
    codes = {f["code"] for f in err["extensions"]["fields"]}
    assert codes == {"MISSING_DESCRIPTION", "MISSING_BASIS", "MISSING_PRODUCT",
                     "MISSING_DEADLINE", "OWNER_NOT_IN_LEAD_UNIT", "COORDINATOR_IS_LEAD",
                     "MISSING_COORDINATOR_DUTY"}
    assert "chưa rõ: việc, người, thẩm quyền, trách nhiệm, thời gian, sản phẩm)" in err["message"]
    two = await api.error("chutich", ASSIGN, input=assign_input(deadlineDate="2030-01-02"))
    assert {f["code"] for f in two["extensions"]["fields"]} == {"AMBIGUOUS_DEADLINE"}
    past = await api.error("chutich", ASSIGN, input=assign_input(
        workingDays=None, deadlineDate="2020-01-02"))
    assert {f["code"] for f in past["extensions"]["fields"]} == {"DEADLINE_IN_PAST"}
    unknown = await api.error("chutich", ASSIGN, input=assign_input(leadUnitId="khong-co"))
    assert "UNKNOWN_LEAD_UNIT" in {f["code"] for f in unknown["extensions"]["fields"]}


async def test_only_an_authority_over_the_lead_unit_assigns(api: Api) -> None:
    for user, unit, owner in (("snv.cb1", "snv", "snv.cb2"),  # an officer
                              ("gd.stc", "snv", "snv.cb1"),  # another department's head
                              ("ct.xa1", "snv", "snv.cb1")):  # a commune chairman
        err = await api.error(user, ASSIGN, input=assign_input(leadUnitId=unit, ownerId=owner))
        assert err["extensions"]["code"] == "FORBIDDEN"
        assert [(f["code"], f["ro"]) for f in err["extensions"]["fields"]] == [
            ("NO_AUTHORITY", "rõ thẩm quyền")]
    own = await assign(api, "gd.snv", leadUnitId="snv-tccb", ownerId="tccb.cb", coordinators=[])
    assert own["assignedBy"]["id"] == "gd.snv"


async def test_the_happy_road_with_a_return(api: Api) -> None:
    t = await assign(api)
    tid = t["id"]
    assert (await api.ok("snv.cb1", ACCEPT, id=tid))["acceptTask"]["state"] == "IN_PROGRESS"
    p = (await api.ok("snv.cb1", PROGRESS, id=tid, percent=40, note="Đã xin ý kiến"))
    assert p["reportProgress"]["progress"] == 40
    s = (await api.ok("snv.cb1", SUBMIT, id=tid, output=OUTPUT))["submitOutput"]
    assert s["state"] == "SUBMITTED" and s["output"]["reference"] == "12/BC-UBND"
    r = (await api.ok("chutich", RETURN, id=tid, reason="Bổ sung số liệu"))["returnTask"]
    assert r["state"] == "RETURNED"
    await api.ok("snv.cb1", SUBMIT, id=tid, output=OUTPUT)
    done = (await api.ok("chutich", APPROVE, id=tid, note="Đạt yêu cầu"))["approveTask"]
    assert done["state"] == "COMPLETED" and done["timeliness"] == "COMPLETED_ON_TIME"
    assert done["completedAt"] is not None
    history = (await api.ok("snv.cb1", HISTORY, id=tid))["taskHistory"]
    assert [h["action"] for h in history] == [
        "assign", "accept", "report_progress", "submit", "return", "submit", "approve"]
    assert history[4]["note"] == "Bổ sung số liệu" and history[4]["actor"]["id"] == "chutich"
    after = await api.error("chutich", CANCEL, id=tid, reason="Muộn")
    assert after["extensions"]["code"] == "ILLEGAL_TRANSITION"


async def test_extension_pause_resume_reassign_decline_cancel(api: Api) -> None:
    t = await assign(api)
    tid, deadline = t["id"], t["deadline"]
    later = (await api.ok("snv.cb1", GET, id=tid))["task"]["deadline"]
    assert later == deadline
    new_deadline = (datetime.fromisoformat(deadline) + timedelta(days=14)).isoformat()
    req = (await api.ok("snv.cb1", REQUEST_EXT, id=tid, when=new_deadline,
                        reason="Chờ số liệu của Bộ"))["requestExtension"]
    assert req["pendingExtension"]["reason"] == "Chờ số liệu của Bộ"
    dec = (await api.ok("chutich", DECIDE_EXT, id=tid, approve=True, note=None))
    assert dec["decideExtension"]["pendingExtension"] is None
    assert dec["decideExtension"]["deadline"] == new_deadline
    paused = (await api.ok("chutich", PAUSE, id=tid, reason="Chờ chủ trương"))["pauseTask"]
    assert paused["state"] == "PAUSED"
    assert (await api.ok("chutich", RESUME, id=tid))["resumeTask"]["state"] == "ASSIGNED"
    moved = (await api.ok("chutich", REASSIGN, id=tid, owner="stc.cb", unit="stc",
                          reason="Giao Sở Tài chính chủ trì"))["reassignTask"]
    assert moved["owner"]["id"] == "stc.cb" and moved["leadUnit"]["id"] == "stc"
    back = (await api.ok("stc.cb", DECLINE, id=tid, reason="Không đúng chức năng"))
    assert back["declineTask"]["state"] == "DECLINED"
    gone = (await api.ok("chutich", CANCEL, id=tid, reason="Không còn cần thiết"))
    assert gone["cancelTask"]["state"] == "CANCELLED"


async def test_denied_extension_keeps_the_deadline(api: Api) -> None:
    t = await assign(api)
    when = (datetime.fromisoformat(t["deadline"]) + timedelta(days=5)).isoformat()
    await api.ok("snv.cb1", REQUEST_EXT, id=t["id"], when=when, reason="Thiếu người")
    out = (await api.ok("chutich", DECIDE_EXT, id=t["id"], approve=False, note="Không đồng ý"))
    assert out["decideExtension"]["deadline"] == t["deadline"]


CHANGE_DEADLINE = act("changeDeadline", ", deadline: $when, reason: $reason",
                      ", $when: DateTime!, $reason: String!")
OFFERED = "query($id: ID!) { task(id: $id) { availableActions } }"


async def test_the_assigner_sets_a_new_deadline_himself(api: Api) -> None:
    """changeDeadline: offered to the assigner and to whoever decides extensions, refused to
    the lead; bounded (not past, not the one in force, a reason); the pending request answered
    by it; the trail names it in Vietnamese with the old and new deadline."""
    t = await assign(api)
    tid, deadline = t["id"], datetime.fromisoformat(t["deadline"])
    assert "CHANGE_DEADLINE" in (await api.ok("chutich", OFFERED, id=tid))["task"][
        "availableActions"]
    assert "CHANGE_DEADLINE" not in (await api.ok("snv.cb1", OFFERED, id=tid))["task"][
        "availableActions"]
    await api.ok("snv.cb1", REQUEST_EXT, id=tid, when=(deadline + timedelta(days=30)).isoformat(),
                 reason="Chờ số liệu")
    new = (deadline + timedelta(days=9)).isoformat()
    denied = await api.error("snv.cb1", CHANGE_DEADLINE, id=tid, when=new, reason="Tự gia hạn")
    assert denied["extensions"]["code"] == "FORBIDDEN"
    bad = await api.error("chutich", CHANGE_DEADLINE, id=tid,
                          when=(datetime.now().astimezone() - timedelta(days=1)).isoformat(),
                          reason=" ")
    assert {(f["field"], f["code"]) for f in bad["extensions"]["fields"]} == {
        ("deadline", "DEADLINE_IN_PAST"), ("reason", "MISSING_REASON")}
    done = (await api.ok("chutich", CHANGE_DEADLINE, id=tid, when=new,
                         reason="Điều chỉnh theo kế hoạch của tỉnh"))["changeDeadline"]
    assert done["deadline"] == new and done["pendingExtension"] is None
    same = await api.error("chutich", CHANGE_DEADLINE, id=tid, when=new, reason="Lần nữa")
    assert same["extensions"]["fields"][0]["code"] == "DEADLINE_UNCHANGED"
    keyed = act("changeDeadline", ", deadline: $when, reason: $reason, clientKey: $key",
                ", $when: DateTime!, $reason: String!, $key: String")
    further = (deadline + timedelta(days=12)).isoformat()
    for _ in range(2):  # a retry after a lost answer: taken once
        again = (await api.ok("chutich", keyed, id=tid, when=further, reason="Bổ sung thời gian",
                              key="doi-han-1"))["changeDeadline"]
        assert again["deadline"] == further
    sooner = (deadline - timedelta(days=2)).isoformat()
    assert (await api.ok("chutich", CHANGE_DEADLINE, id=tid, when=sooner,
                         reason="Cần sớm hơn"))["changeDeadline"]["deadline"] == sooner
    trail = (await api.ok("snv.cb1", """query($id: ID!) { taskHistory(id: $id) {
      action note detail } }""", id=tid))["taskHistory"]
    changed = [e for e in trail if e["action"] == "change_deadline"]
    assert [e["note"] for e in changed] == ["Điều chỉnh theo kế hoạch của tỉnh",
                                            "Bổ sung thời gian", "Cần sớm hơn"]
    assert changed[0]["detail"] == (f"hạn mới {datetime.fromisoformat(new):%d/%m/%Y} · "
                                    f"hạn trước đó {deadline:%d/%m/%Y}")
    labels = (await api.ok("snv.cb1", "{ taskLabels { actions { name label } } }"))["taskLabels"]
    assert {"name": "CHANGE_DEADLINE", "label": "đổi hạn xử lý"} in labels["actions"]


async def test_refusals_by_who_and_by_state(api: Api) -> None:
    t = await assign(api)
    tid = t["id"]
    cases = [
        ("stc.cb", ACCEPT, {}, "FORBIDDEN"),  # an outsider
        ("snv.cb2", PROGRESS, {"percent": 10, "note": None}, "FORBIDDEN"),  # a colleague
        ("snv.cb1", APPROVE, {"note": None}, "FORBIDDEN"),  # the owner approving himself
        ("pct", CANCEL, {"reason": "x"}, "FORBIDDEN"),  # a vice-chairman over the chairman
        ("snv.cb1", PAUSE, {"reason": "x"}, "FORBIDDEN"),
        ("chutich", APPROVE, {"note": None}, "ILLEGAL_TRANSITION"),  # nothing submitted
        ("chutich", DECIDE_EXT, {"approve": True, "note": None}, "ILLEGAL_TRANSITION"),
        ("chutich", RESUME, {}, "ILLEGAL_TRANSITION"),  # not paused
        ("snv.cb1", PROGRESS, {"percent": 140, "note": None}, "VALIDATION"),
        ("snv.cb1", RETURN, {"reason": "x"}, "FORBIDDEN"),
        ("chutich", REASSIGN, {"owner": "stc.cb", "unit": None, "reason": "x"}, "VALIDATION"),
        ("gd.snv", SUBMIT, {"output": {"description": " "}}, "VALIDATION"),
    ]
    for user, query, variables, code in cases:
        err = await api.error(user, query, id=tid, **variables)
        assert err["extensions"]["code"] == code, (user, query[:40], err)
    missing = await api.error("chutich", ACCEPT, id="khong-co")
    assert missing["extensions"]["code"] == "NOT_FOUND"
    after = (await api.ok("snv.cb1", GET, id=tid))["task"]
    assert after["state"] == "ASSIGNED" and after["progress"] == 0  # nothing changed
    history = (await api.ok("chutich", HISTORY, id=tid))["taskHistory"]
    assert [h["action"] for h in history] == ["assign"]
    # The head of the lead unit may act for his official.
    head = (await api.ok("gd.snv", PROGRESS, id=tid, percent=20, note=None))
    assert head["reportProgress"]["progress"] == 20


async def test_reassigning_outside_ones_authority_is_forbidden_like_assigning(api: Api) -> None:
    """The same answer as assignTask: FORBIDDEN, naming the "rõ thẩm quyền" field."""
    task = await assign(api, "gd.snv", leadUnitId="snv-tccb", ownerId="tccb.cb",
                        coordinators=[])
    err = await api.error("gd.snv", REASSIGN, id=task["id"], owner="stc.cb", unit="stc",
                          reason="Chuyển Sở Tài chính")
    assert err["extensions"]["code"] == "FORBIDDEN"
    assert [(f["code"], f["ro"]) for f in err["extensions"]["fields"]] == [
        ("NO_AUTHORITY", "rõ thẩm quyền")]
    # A vice-chairman may not make his chairman the owner, by assigning or reassigning.
    mine = await assign(api, "pct", leadUnitId="snv", ownerId="snv.cb1")
    up = await api.error("pct", REASSIGN, id=mine["id"], owner="chutich", unit="tinh",
                         reason="Trình Chủ tịch")
    assert up["extensions"]["code"] == "FORBIDDEN"
    assert {f["code"] for f in up["extensions"]["fields"]} == {"OWNER_OUTRANKS_ASSIGNER"}
