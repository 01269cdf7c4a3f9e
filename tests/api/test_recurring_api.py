"""Recurring duties over HTTP: createRecurringRule (the seeds' 6-month and annual reports),
a period's roll-up (who has not submitted), pause, resume, end and their trail."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from domain.calendar import WorkingCalendar
from giaoviec.programs.worker import build_worker
from giaoviec.services.tasks import TaskService
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
    twice = await api.error("chutich", END, id=rule["id"], r="Lần nữa")
    assert twice["extensions"]["code"] == "ILLEGAL_TRANSITION"
    listed = "query($u: ID) { recurringRules(unitId: $u) { id } }"
    assert [r["id"] for r in (await api.ok("gd.snv", listed, u="snv"))["recurringRules"]] == [
        rule["id"]]
    assert (await api.ok("gd.snv", listed, u="vp"))["recurringRules"] == []
