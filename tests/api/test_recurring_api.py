"""Recurring duties over HTTP: createRecurringRule (the seeds' 6-month and annual reports),
a period's roll-up (who has not submitted), pause, resume, end and their trail."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from domain.calendar import WorkingCalendar
from domain.timezone import local_date
from giaoviec.programs.worker import build_worker
from giaoviec.services.tasks import TaskService
from giaoviec.store.models import Official, Unit
from tests.api.harness import QUEUE, Api, make_settings, new_key
from tests.workflow.test_recurring import DrivenScheduler, wait_created
from workflows.contracts import CalendarConfig, RecurringRun
from workflows.recurring import RecurringRunWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="module")

RULE = """id title schedule state frequency startsOn units { id } createdBy { id }
  events { action actor { id } note }
  periods { key label due counts { total openInTime } notSubmitted { id }
            units { unit { id } submitted task { title deadline } } }"""
CREATE = (f"mutation($input: RecurringRuleInput!) "
          f"{{ createRecurringRule(input: $input) {{ {RULE} }} }}")
PAUSE = (f"mutation($id: ID!, $r: String!) "
         f"{{ pauseRecurringRule(id: $id, reason: $r) {{ {RULE} }} }}")
RESUME = f"mutation($id: ID!) {{ resumeRecurringRule(id: $id) {{ {RULE} }} }}"
END = f"mutation($id: ID!, $r: String!) {{ endRecurringRule(id: $id, reason: $r) {{ {RULE} }} }}"
GET = f"query($id: ID!) {{ recurringRule(id: $id) {{ {RULE} }} }}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    settings = make_settings()
    service = TaskService(env.client, db, QUEUE, WorkingCalendar(), CalendarConfig())
    app = create_app(settings, engine=db, service=service, scheduler=DrivenScheduler())
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(build_worker(env.client, db, QUEUE, settings=settings))
        transport = httpx.ASGITransport(app=app)
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://localhost"))
        yield Api(app, http, settings, db, service)


async def run(api: Api, env: WorkflowEnvironment, rule_id: str) -> None:
    """What the rule's Schedule does every morning (the test server has no Schedules)."""
    handle = await env.client.start_workflow(RecurringRunWorkflow.run, RecurringRun(rule_id),
                                             id=f"run-{new_key()}", task_queue=QUEUE)
    while (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
        await asyncio.sleep(0.02)
    await wait_created(env, api.engine, rule_id)


async def test_the_seeds_periodic_reports_as_a_recurring_duty(
    api: Api, env: WorkflowEnvironment
) -> None:
    seed = {"clientKey": new_key(), "title": "Báo cáo kết quả thực hiện Kế hoạch",
            "description": "Báo cáo kết quả thực hiện Kết luận 226-KL/TW.",
            "basis": "Kế hoạch số 112/KH-UBND", "unitIds": ["snv", "stc"],
            "product": {"kind": "báo cáo", "description": "Báo cáo định kỳ",
                        "measure": "Gửi Văn phòng UBND tỉnh"},
            "recurrence": {"frequency": "YEARLY", "dates": [
                {"month": 6, "day": 5, "label": "6 tháng đầu năm"}, {"month": 12, "day": 5}]},
            "startsOn": "2026-11-01"}
    rule = (await api.ok("chutich", CREATE, input=seed))["createRecurringRule"]
    assert rule["schedule"] == "Hằng năm, hạn 6 tháng đầu năm 05/06, 05/12"
    assert rule["state"] == "active" and rule["frequency"] == "YEARLY"
    assert [e["action"] for e in rule["events"]] == ["create"]
    again = (await api.ok("chutich", CREATE, input=seed))["createRecurringRule"]
    assert again["id"] == rule["id"]
    bad = await api.error("chutich", CREATE, input={
        **seed, "clientKey": new_key(), "recurrence": {"frequency": "YEARLY", "dates": []}})
    assert bad["extensions"]["fields"][0]["code"] == "INVALID_DATES"

    await run(api, env, rule["id"])
    got = (await api.ok("chutich", GET, id=rule["id"]))["recurringRule"]
    (period,) = got["periods"]
    assert period["key"] == "2026-12-05" and period["label"] == "năm 2026 (hạn 05/12/2026)"
    assert period["counts"] == {"total": 2, "openInTime": 2}
    assert {u["id"] for u in period["notSubmitted"]} == {"snv", "stc"}
    task = period["units"][0]["task"]
    assert task["title"] == "Báo cáo kết quả thực hiện Kế hoạch (năm 2026 (hạn 05/12/2026))"
    assert task["deadline"].startswith("2026-12-07")  # Saturday 05/12 → Monday

    # One who reads it but did not make it (nor leads above its maker) may not pause it.
    denied = await api.error("snv.cb1", PAUSE, id=rule["id"], r="Thử")
    assert denied["extensions"]["code"] == "FORBIDDEN"
    # A rule he may not read answers as an unknown one (issue 16, item 12): no oracle.
    division = (await api.ok("gd.snv", CREATE, input={
        **seed, "clientKey": new_key(), "unitIds": ["snv-tccb"]}))["createRecurringRule"]
    hidden = await api.error("stc.cb", PAUSE, id=division["id"], r="Thử")
    unknown = await api.error("stc.cb", PAUSE, id="no-such-rule", r="Thử")
    assert hidden["extensions"]["code"] == unknown["extensions"]["code"] == "NOT_FOUND"
    assert hidden["message"] == unknown["message"]
    paused = (await api.ok("chutich", PAUSE, id=rule["id"], r="Chờ hướng dẫn"))
    assert paused["pauseRecurringRule"]["state"] == "paused"
    resumed = (await api.ok("chutich", RESUME, id=rule["id"]))["resumeRecurringRule"]
    assert resumed["state"] == "active"
    ended = (await api.ok("chutich", END, id=rule["id"], r="Thay kế hoạch mới"))
    trail = ended["endRecurringRule"]["events"]
    assert [(e["action"], e["note"]) for e in trail] == [
        ("create", None), ("pause", "Chờ hướng dẫn"), ("resume", None),
        ("end", "Thay kế hoạch mới")]
    # The same action again (as after Temporal was away) is done, not refused nor recorded
    # twice; a move an ended rule cannot make still is refused.
    twice = (await api.ok("chutich", END, id=rule["id"], r="Lần nữa"))["endRecurringRule"]
    assert twice["state"] == "ended" and twice["events"] == trail
    scheduler = api.app.state.services.scheduler
    assert scheduler.calls.count(("remove", rule["id"])) == 2  # its Schedule deleted again
    back = await api.error("chutich", RESUME, id=rule["id"])
    assert back["extensions"]["code"] == "ILLEGAL_TRANSITION"
    assert back["message"] == "Nhiệm vụ định kỳ đang ở trạng thái “Đã kết thúc”."
    listed = "query($u: ID) { recurringRules(unitId: $u) { id } }"
    # A unit's rules include those for the units inside it (the division's, snv-tccb).
    assert {r["id"] for r in (await api.ok("gd.snv", listed, u="snv"))["recurringRules"]} == {
        rule["id"], division["id"]}
    assert (await api.ok("gd.snv", listed, u="vp"))["recurringRules"] == []


PLAN = """mutation($input: PlanInput!) { createPlan(input: $input) {
  id taskCount untracked { row description term why } } }"""
PLAN_RULES = """query($p: ID) { recurringRules(planId: $p) {
  id title schedule startsOn planId units { id } } }"""


async def test_a_plans_periodic_rows_become_its_recurring_duties(api: Api) -> None:
    """Issue 19, item 9: "Hằng tuần" and "06 tháng, năm" rows are recurring duties linked to
    the plan, installed to run; "Theo yêu cầu" is listed, untracked, with why."""
    scheduler = api.app.state.services.scheduler
    before = len(scheduler.installed)
    good = {"leadUnitIds": ["snv"], "description": "Theo dõi, tổng hợp kết quả kiểm đếm."}
    measure = "Gửi Văn phòng UBND tỉnh"
    plan_input = {
        "clientKey": new_key(), "number": "45/KH-UBND", "subject": "Chấn chỉnh lề lối làm việc",
        "basis": "Quyết định số 534/QĐ-TTg", "issuedOn": "2026-11-02",
        "items": [
            {**good, "products": [
                {"description": "Báo cáo kiểm đếm nhiệm vụ hằng tuần", "term": "Hằng tuần",
                 "measure": measure},
                {"description": "Báo cáo đột xuất", "term": "Theo yêu cầu", "measure": measure},
                {"description": "Báo cáo năm", "term": "31/12/2026",
                 "measure": measure}]},
            {"leadUnitIds": ["snv", "stc"], "description": "Báo cáo kết quả thực hiện.",
             "products": [{"description": "Báo cáo kết quả thực hiện Kế hoạch",
                           "term": "06 tháng, năm", "measure": measure}]}]}
    plan = (await api.ok("chutich", PLAN, input=plan_input))["createPlan"]
    assert plan["taskCount"] == 1
    linked = (await api.ok("chutich", PLAN_RULES, p=plan["id"]))["recurringRules"]
    assert {r["planId"] for r in linked} == {plan["id"]}
    rules = {(r["title"], r["units"][0]["id"]): r for r in linked}
    assert set(rules) == {("Báo cáo kiểm đếm nhiệm vụ hằng tuần", "snv"),
                          ("Báo cáo kết quả thực hiện Kế hoạch", "snv"),
                          ("Báo cáo kết quả thực hiện Kế hoạch", "stc")}
    weekly = rules[("Báo cáo kiểm đếm nhiệm vụ hằng tuần", "snv")]
    assert weekly["schedule"] == "Hằng tuần, hạn thứ Sáu" and weekly["startsOn"] == "2026-11-02"
    assert rules[("Báo cáo kết quả thực hiện Kế hoạch", "snv")]["schedule"] == (
        "Hằng năm, hạn 6 tháng đầu năm 05/06, năm 05/12")
    assert set(scheduler.installed[before:]) == {r["id"] for r in linked}
    assert [(u["row"], u["term"]) for u in plan["untracked"]] == [(1, "Theo yêu cầu")]
    assert "khi có yêu cầu" in plan["untracked"][0]["why"]
    # The same plan keyed again: its weekly duty is the first plan's, named, with its row.
    again = await api.error("chutich", PLAN, input={**plan_input, "clientKey": new_key()})
    assert again["extensions"]["code"] == "CONFLICT"
    assert "“Báo cáo kiểm đếm nhiệm vụ hằng tuần”" in again["message"]
    assert again["extensions"]["fields"][0]["row"] == 1


async def test_a_communes_duties_are_listed_once_and_open_this_period(
    api: Api, env: WorkflowEnvironment
) -> None:
    """Issue 19, item 16: the commune chairman lists the duties of the units inside his
    commune; the same duty for the same units again is CONFLICT naming the first; a rule made
    while this period's deadline is still ahead opens this period (its `periods` filled)."""
    with Session(api.engine) as s:
        s.add(Unit(id="xa1-vhxh", name="Phòng Văn hóa - Xã hội", kind="division",
                   parent_id="xa1", path="/tinh/xa1/xa1-vhxh/", sort_order=200))
        s.flush()
        s.add(Official(id="tp.vhxh", username="tp.vhxh", full_name="Tạ Văn Quang",
                       unit_id="xa1-vhxh", roles="unit_head"))
        s.commit()
    today = local_date(datetime.now(UTC))
    weekly = {"clientKey": new_key(), "title": "Báo cáo kiểm đếm nhiệm vụ hằng tuần",
              "description": "Tổng hợp kết quả kiểm đếm nhiệm vụ.",
              "basis": "Kế hoạch số 45/KH-UBND", "unitIds": ["xa1-vhxh"],
              "product": {"kind": "báo cáo", "description": "Báo cáo kiểm đếm",
                          "measure": "Gửi Văn phòng HĐND và UBND xã"},
              # due today: this period opened days ago, before the rule existed
              "recurrence": {"frequency": "WEEKLY", "weekday": today.isoweekday()},
              "startsOn": today.isoformat()}
    rule = (await api.ok("ct.xa1", CREATE, input=weekly))["createRecurringRule"]
    listed = "query($u: ID) { recurringRules(unitId: $u) { id } }"
    assert [r["id"] for r in (await api.ok("ct.xa1", listed, u="xa1"))["recurringRules"]] == [
        rule["id"]]
    twin = await api.error("ct.xa1", CREATE, input={**weekly, "clientKey": new_key(),
                                                     "title": " báo cáo kiểm đếm nhiệm vụ "
                                                              "hằng tuần"})
    assert twin["extensions"]["code"] == "CONFLICT"
    assert "“Báo cáo kiểm đếm nhiệm vụ hằng tuần”" in twin["message"]
    assert "Dương Văn Minh" in twin["message"] and "Phòng Văn hóa - Xã hội" in twin["message"]
    assert rule["id"] in twin["extensions"]["fields"][0]["message"]

    await run(api, env, rule["id"])
    got = (await api.ok("ct.xa1", GET, id=rule["id"]))["recurringRule"]
    (period,) = got["periods"]
    assert period["due"] == today.isoformat() and period["counts"]["total"] == 1


async def test_a_plans_ongoing_duties_recur_on_its_reporting_cycle(api: Api) -> None:
    """"Thường xuyên" rows recur on the plan's reporting cycle (PlanInput.reporting), weekly
    when the plan names none."""
    measure = "Gửi Văn phòng UBND tỉnh"

    def plan_input(number: str, title: str, **extra: object) -> dict[str, object]:
        return {"clientKey": new_key(), "number": number, "subject": "Chuyển đổi số",
                "basis": "Quyết định số 534/QĐ-TTg", "issuedOn": "2026-11-02", **extra,
                "items": [{"leadUnitIds": ["stc"], "description": "Theo dõi thường xuyên.",
                           "products": [{"description": title, "term": "Thường xuyên",
                                         "measure": measure}]}]}

    monthly = (await api.ok("chutich", PLAN, input=plan_input(
        "46/KH-UBND", "Báo cáo chuyển đổi số", reporting="MONTHLY")))["createPlan"]
    (rule,) = (await api.ok("chutich", PLAN_RULES, p=monthly["id"]))["recurringRules"]
    assert rule["schedule"] == "Hằng tháng, hạn ngày 31"
    quarterly = (await api.ok("chutich", PLAN, input=plan_input(
        "47/KH-UBND", "Báo cáo cải cách hành chính", reporting="QUARTERLY")))["createPlan"]
    (rule,) = (await api.ok("chutich", PLAN_RULES, p=quarterly["id"]))["recurringRules"]
    assert rule["schedule"] == "Hằng quý, hạn ngày 31 tháng thứ 3 của quý"
    unsaid = (await api.ok("chutich", PLAN, input=plan_input(
        "48/KH-UBND", "Báo cáo kỷ luật hành chính")))["createPlan"]
    (rule,) = (await api.ok("chutich", PLAN_RULES, p=unsaid["id"]))["recurringRules"]
    assert rule["schedule"] == "Hằng tuần, hạn thứ Sáu"


async def test_a_sheet_names_its_reporting_cycle(api: Api) -> None:
    """"Kỳ báo cáo: Hằng quý" above the table: its "Thường xuyên" rows recur quarterly; a cycle
    not understood is refused with its row, naming the forms that work."""
    from sqlmodel import select

    from domain.recurrence import Frequency, from_json
    from giaoviec.store.models import RecurringRule
    from tests.api.test_plan_sheet import HEADER, sheet
    from tests.api.test_plans import upload

    rows = [["1", "Theo dõi cải cách hành chính", "Sở Tài chính", "",
             "Báo cáo tinh giản thủ tục", "Thường xuyên", "Trình Chủ tịch UBND tỉnh"]]
    header = [line for line in HEADER if not str(line[0]).startswith("Số")]
    data = sheet([*header, ["Số: 49/KH-UBND"], ["Kỳ báo cáo: Hằng quý"]], rows)
    body = await upload(api, "chutich", "ke-hoach.xlsx", data, new_key())
    assert "errors" not in body, body["errors"]
    with Session(api.engine) as s:
        (rule,) = s.exec(select(RecurringRule).where(
            RecurringRule.plan_id == body["data"]["importPlan"]["id"])).all()
    assert from_json(rule.recurrence).frequency is Frequency.QUARTERLY
    bad = sheet([*header, ["Số: 50/KH-UBND"], ["Kỳ báo cáo:", "thỉnh thoảng"]], rows)
    (err,) = (await upload(api, "chutich", "ke-hoach.xlsx", bad, new_key()))["errors"]
    (fault,) = err["extensions"]["fields"]
    assert (fault["code"], fault["row"]) == ("INVALID_REPORTING", 6)
    assert "“thỉnh thoảng”" in fault["message"] and "hằng tháng" in fault["message"]


async def test_concurrent_twins_of_a_duty_make_one_rule(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The duplicate-duty check is a look before the insert: creators racing past it together
    are held by the database (a claim per unit and duty), the losers answered CONFLICT naming
    the rule that won; once that rule ends, the duty may be set again."""
    import itertools
    import threading

    from domain.errors import Code, DomainError
    from domain.recurrence import Frequency, Recurrence, RuleDraft
    from giaoviec.services import recurring
    from giaoviec.services.recurring import RecurringService
    from giaoviec.store.models import RecurringRule

    racers = 4
    barrier, calls, lock = threading.Barrier(racers), itertools.count(), threading.Lock()
    real = recurring.refuse_duplicate

    def racing(session: Session, draft: RuleDraft, row: int | None = None) -> None:
        with lock:
            first_look = next(calls) < racers
        real(session, draft, row)
        if first_look:  # every creator has looked before any of them writes
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)

    monkeypatch.setattr(recurring, "refuse_duplicate", racing)
    service = RecurringService(api.service, api.app.state.services.scheduler)
    today = local_date(datetime.now(UTC))
    draft = RuleDraft(
        title="Báo cáo  tình hình  an ninh trật tự", description="Tổng hợp tình hình.",
        basis="Kế hoạch số 112/KH-UBND", product_kind="báo cáo",
        product_description="Báo cáo tuần", product_measure="Gửi Văn phòng UBND tỉnh",
        unit_ids=("snv", "stc"), recurrence=Recurrence(Frequency.WEEKLY, weekday=5),
        starts_on=today)
    results = await asyncio.gather(*(
        service.create("chutich", new_key(), draft) for _ in range(racers)),
        return_exceptions=True)
    assert not barrier.broken
    made = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(made) == 1 and len(refused) == racers - 1, results
    assert {e.code for e in refused} == {Code.CONFLICT}
    assert all(made[0] in e.fields[0].message for e in refused)
    with Session(api.engine) as s:
        rules = s.exec(select(RecurringRule).where(
            RecurringRule.title == "Báo cáo  tình hình  an ninh trật tự".strip())).all()
    assert [r.id for r in rules] == made
    monkeypatch.setattr(recurring, "refuse_duplicate", real)
    # The same duty written otherwise, for one of the same units: still the same duty.
    twin = await api.error("chutich", CREATE, input={
        "clientKey": new_key(), "title": "báo cáo tình hình an ninh trật tự",
        "description": "Tổng hợp.", "basis": "Kế hoạch số 112/KH-UBND", "unitIds": ["stc"],
        "product": {"kind": "báo cáo", "description": "Báo cáo tuần", "measure": "Gửi"},
        "recurrence": {"frequency": "WEEKLY", "weekday": 5}, "startsOn": today.isoformat()})
    assert twin["extensions"]["code"] == "CONFLICT"
    await service.end("chutich", made[0], "Thay bằng nhiệm vụ khác")
    again = await service.create("chutich", new_key(), draft)
    assert again != made[0]
