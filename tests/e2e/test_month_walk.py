"""Issue 19, done: the demo's first commune walks the seed-001 month end to end. Its Văn phòng
keys in the plan its Phó Chủ tịch signed (an XLSX typed as offices type it, from seed 001's
"Tổ chức thực hiện"), the officials work it with their own tokens (one late, one extension),
the office drafts and issues the giao ban report (BC-VP), and the chairman and an official
read it in the browser. `giaoviec dev` as a real process, as tests/e2e/test_dashboard.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.auth import issue_dev_token
from domain.timezone import local_date
from tests.api.test_plan_sheet import sheet
from tests.e2e.dashboard_data import ACCEPT, ASSIGN, EXTEND, PROGRESS, SUBMIT, task_input
from tests.e2e.test_dashboard import (  # noqa: F401 - browser, close_pages are fixtures
    UNIT_COUNTS,
    Site,
    browser,
    close_pages,
    dev_site,
    figure,
    open_as,
    shot,
)

CODE = "30313"  # the demo's first commune, UBND xã Mỹ Hòa Hưng
COMMUNE = f"xa-{CODE}"
VP, KT, VHXH = (f"{COMMUNE}-{slug}" for slug in ("vp", "kt", "vhxh"))
CHAIRMAN, SIGNER = f"ct.{CODE}", f"pct.{CODE}"
CVP, OFFICE = f"cvp.{CODE}", f"vp.{CODE}"
TPKT, KT_OFFICER = f"tpkt.{CODE}", f"kt.{CODE}"
TPVH, VH_OFFICER = f"tpvh.{CODE}", f"vh.{CODE}"
# Keyed in three weeks after it was signed: terms count from the issue date, not from the day
# it is typed in.
ISSUED = local_date(datetime.now(UTC)) - timedelta(days=21)
LATE_AFTER = 8  # seconds until the late task's deadline
MONTH = "01 tháng kể từ ngày Kế hoạch được ban hành"  # the seed's own words

# Seed 001, "Tổ chức thực hiện", a row per product, as the office types it for this commune.
ROWS = [
    ["1", "Tham mưu rà soát, sửa đổi, bổ sung Quy chế làm việc của UBND xã",
     "Văn phòng HĐND và UBND", "Chánh Văn phòng", "Dự thảo Quy chế làm việc sửa đổi",
     MONTH, "Trình Chủ tịch UBND xã"],
    ["2", "Hằng tuần tổng hợp kết quả kiểm đếm nhiệm vụ, báo cáo Chủ tịch UBND xã tại hội "
     "nghị giao ban", "Văn phòng HĐND và UBND", "Chánh Văn phòng",
     "Báo cáo kiểm đếm nhiệm vụ hằng tuần", "Hằng tuần", "Báo cáo tại hội nghị giao ban"],
    ["3", "Chủ trì công tác tuyên truyền, phổ biến, quán triệt nội dung Kế hoạch",
     "Phòng Văn hóa - Xã hội", VH_OFFICER,  # an officer by his username
     "Kế hoạch tuyên truyền", "20 ngày làm việc", "Gửi Văn phòng HĐND và UBND xã"],
    ["4", "Chủ trì tham mưu UBND xã cân đối, bố trí kinh phí thực hiện Kế hoạch",
     "Phòng Kinh tế", KT_OFFICER, "Dự toán kinh phí thực hiện Kế hoạch",
     MONTH, "Trình Chủ tịch UBND xã"],
    ["5", "Tham mưu bố trí nguồn lực phục vụ chuyển đổi số, số hóa hồ sơ",
     "Phòng Kinh tế", "Trưởng phòng Kinh tế", "Báo cáo kết quả bố trí và sử dụng kinh phí",
     MONTH, "Trình Chủ tịch UBND xã"],
    ["6", "Xây dựng kế hoạch triển khai thực hiện tại cơ quan, đơn vị",
     "Các cơ quan, đơn vị liên quan thuộc xã", "", "Kế hoạch triển khai tại cơ quan, đơn vị",
     MONTH, "Gửi Văn phòng HĐND và UBND xã để theo dõi, tổng hợp"],
    ["7", "Tham mưu báo cáo chuyên đề", "Văn phòng HĐND và UBND", "Chánh Văn phòng",
     "Báo cáo chuyên đề và các văn bản tham mưu theo yêu cầu", "Theo yêu cầu",
     "Trình Chủ tịch UBND xã"],
]


def plan_sheet() -> bytes:
    return sheet([["ỦY BAN NHÂN DÂN XÃ MỸ HÒA HƯNG"], ["Số: 45/KH-UBND"],
                  [f"Ngày ban hành: {ISSUED:%d/%m/%Y}"],
                  ["Trích yếu: Triển khai thực hiện Quyết định số 534/QĐ-TTg ngày 31/3/2026 "
                   "của Thủ tướng Chính phủ"],
                  ["Căn cứ: Kế hoạch số 208/KH-UBND ngày 31/5/2026 của UBND tỉnh"]], ROWS)


IMPORT = """mutation($file: Upload!, $key: String!, $by: ID) {
  importPlan(file: $file, clientKey: $key, issuedById: $by) {
    id number issuedOn taskCount issuedBy { id } enteredBy { id } untracked { row term } } }"""
RULES = """query($plan: ID!) { recurringRules(planId: $plan) { title frequency
  units { id } } }"""
TASKS = """query($plan: ID!) { tasks(filter: {planId: $plan}, first: 100) {
  edges { node { id title deadline state leadUnit { id } owner { id } } } } }"""
TASK = "query($id: ID!) { task(id: $id) { state timeliness } }"
APPROVE = "mutation($id: ID!) { approveTask(id: $id) { state } }"
DECIDE = """mutation($id: ID!) { decideExtension(id: $id, approve: true, note: "Đồng ý")
  { deadline pendingExtension { reason } } }"""
GENERATE = """mutation($p: String) { generateBriefing(period: $p) { id number draft
  files { html } } }"""
ISSUE = "mutation($id: ID!) { issueBriefing(id: $id) { number draft files { html } } }"


def import_plan(site: Site, user: str, data: bytes, **variables: Any) -> dict[str, Any]:
    operations = json.dumps({"query": IMPORT, "variables": {"file": None, **variables}})
    response = httpx.post(
        f"{site.base}/graphql", timeout=60,
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("ke-hoach-45.xlsx", data, "application/vnd.openxmlformats-officedocument"
                     ".spreadsheetml.sheet")},
        headers={"Authorization": f"Bearer {issue_dev_token(site.settings, user)}"})
    body = response.json()
    assert "errors" not in body, [f["message"] for e in body["errors"]
                                  for f in e.get("extensions", {}).get("fields", [])]
    return body["data"]["importPlan"]


def read_as(site: Site, user: str, url: str) -> str:
    response = httpx.get(url, timeout=30, headers={
        "Authorization": f"Bearer {issue_dev_token(site.settings, user)}"})
    assert response.status_code == 200, response.text
    return response.text


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with dev_site(tmp_path_factory.mktemp("walk") / "data") as site:
        yield site


def test_the_first_commune_walks_the_seed_001_month(browser: Any, walk: Site) -> None:  # noqa: F811
    site = walk
    # The office keys in the plan the Phó Chủ tịch signed (nhập thay).
    plan = import_plan(site, OFFICE, plan_sheet(), key="e2e-month-45", by=SIGNER)
    assert plan["number"] == "45/KH-UBND" and plan["issuedOn"] == ISSUED.isoformat()
    assert plan["issuedBy"] == {"id": SIGNER} and plan["enteredBy"] == {"id": OFFICE}
    # "Theo yêu cầu" is listed as untracked (row 13: five header lines, the column titles).
    assert plan["untracked"] == [{"row": 13, "term": "Theo yêu cầu"}]
    # The weekly kiểm đếm is a recurring duty of the plan, on the Văn phòng.
    assert site.gql(SIGNER, RULES, plan=plan["id"])["recurringRules"] == [{
        "title": "Báo cáo kiểm đếm nhiệm vụ hằng tuần", "frequency": "WEEKLY",
        "units": [{"id": VP}]}]
    tasks = [e["node"] for e in site.gql(SIGNER, TASKS, plan=plan["id"])["tasks"]["edges"]]
    by = {(t["leadUnit"]["id"], t["title"]): t for t in tasks}
    rules = by[(VP, "Dự thảo Quy chế làm việc sửa đổi")]
    propaganda = by[(VHXH, "Kế hoạch tuyên truyền")]
    budget = by[(KT, "Dự toán kinh phí thực hiện Kế hoạch")]
    resources = by[(KT, "Báo cáo kết quả bố trí và sử dụng kinh phí")]
    assert {t["owner"]["id"] for t in (rules, propaganda, budget, resources)} == {
        CVP, VH_OFFICER, KT_OFFICER, TPKT}
    # Every unit of the commune got the group row; the weekly row is a duty, not a task.
    assert {t["leadUnit"]["id"] for t in tasks if t["title"].startswith("Kế hoạch triển khai")
            } >= {VP, KT, VHXH}
    assert not any("hằng tuần" in t["title"] for t in tasks)
    # Terms from the issue date: a month after it, and ten working days (already past).
    month_after = ISSUED.replace(month=ISSUED.month % 12 + 1,
                                 year=ISSUED.year + (ISSUED.month == 12))
    assert abs((local_date(datetime.fromisoformat(rules["deadline"])) - month_after).days) <= 3

    # The month's work, each with his own token; whoever assigned approves (the Phó Chủ tịch
    # for the plan). A task the phòng's head gives his officer with a deadline seconds away is
    # the one that comes in late.
    due = datetime.now(UTC) + timedelta(seconds=LATE_AFTER)
    digitise = site.gql(TPVH, ASSIGN, input=task_input(
        "e2e-month-sohoa", "Báo cáo số hóa hồ sơ, dữ liệu", VHXH, VH_OFFICER,
        workingDays=None, deadline=due.isoformat(), basis="Kế hoạch số 45/KH-UBND"))[
        "assignTask"]["id"]
    site.gql(VH_OFFICER, ACCEPT, id=digitise)
    site.gql(CVP, ACCEPT, id=rules["id"])
    site.gql(CVP, PROGRESS, id=rules["id"], p=60)
    site.gql(KT_OFFICER, ACCEPT, id=budget["id"])
    site.gql(KT_OFFICER, PROGRESS, id=budget["id"], p=80)
    site.gql(KT_OFFICER, SUBMIT, id=budget["id"], d="Dự toán kinh phí thực hiện Kế hoạch 45")
    assert site.gql(SIGNER, APPROVE, id=budget["id"])["approveTask"]["state"] == "COMPLETED"
    site.gql(VH_OFFICER, ACCEPT, id=propaganda["id"])
    site.gql(VH_OFFICER, SUBMIT, id=propaganda["id"], d="Kế hoạch tuyên truyền")
    site.gql(SIGNER, APPROVE, id=propaganda["id"])
    assert site.gql(TPVH, TASK, id=propaganda["id"])["task"] == {
        "state": "COMPLETED", "timeliness": "COMPLETED_ON_TIME"}
    site.gql(TPKT, ACCEPT, id=resources["id"])
    later = (datetime.fromisoformat(resources["deadline"]) + timedelta(days=14)).isoformat()
    site.gql(TPKT, EXTEND, id=resources["id"], at=later,
             r="Chờ phân bổ dự toán bổ sung của UBND xã")
    decided = site.gql(SIGNER, DECIDE, id=resources["id"])["decideExtension"]
    assert decided["pendingExtension"] is None and decided["deadline"] > resources["deadline"]
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 1)
    site.gql(VH_OFFICER, SUBMIT, id=digitise, d="Báo cáo số hóa hồ sơ tháng 11")
    site.gql(TPVH, APPROVE, id=digitise)
    assert site.gql(TPVH, TASK, id=digitise)["task"] == {
        "state": "COMPLETED", "timeliness": "COMPLETED_LATE"}

    # The Văn phòng drafts the week's report and issues it under its own register.
    draft = site.gql(OFFICE, GENERATE)["generateBriefing"]
    assert draft["draft"] is True and draft["number"] == ""
    issued = site.gql(CVP, ISSUE, id=draft["id"])["issueBriefing"]
    assert issued["draft"] is False and issued["number"].endswith("/BC-VP")
    html = read_as(site, CHAIRMAN, issued["files"]["html"])
    for text in (f"Số: {issued['number']}", "Kính gửi: Chủ tịch UBND xã Mỹ Hòa Hưng",
                 "VĂN PHÒNG HĐND VÀ UBND", "CHÁNH VĂN PHÒNG"):
        assert text in html, text
    # The running week's report (the walk happened in it) names the task completed late.
    iso = local_date(datetime.now(UTC)).isocalendar()
    week = site.gql(OFFICE, GENERATE, p=f"{iso.year}-W{iso.week:02d}")["generateBriefing"]
    week = site.gql(CVP, ISSUE, id=week["id"])["issueBriefing"]
    assert week["number"] != issued["number"] and week["number"].endswith("/BC-VP")
    html = read_as(site, CHAIRMAN, week["files"]["html"])
    assert "Báo cáo số hóa hồ sơ, dữ liệu" in html

    # The chairman's home: the issued report linked, the figures the API gives.
    page = open_as(browser, site, CHAIRMAN)
    link = page.locator("#briefing")
    link.get_by_text(f"số {issued['number']}").wait_for()
    assert link.get_by_role("link", name="HTML").get_attribute("href") == issued["files"]["html"]
    counts = site.gql(CHAIRMAN, UNIT_COUNTS, u=COMMUNE)["unit"]["countsWithDescendants"]
    for key in ("total", "openOverdue", "openInTime", "completedOnTime"):
        assert figure(page, key) == counts[key], key
    assert counts["completedLate"] >= 1 and counts["completedOnTime"] >= 1
    shot(page, "month-walk-chairman")
    assert page.errors == []  # type: ignore[attr-defined]

    # An official's own page: his open tasks of the plan.
    page = open_as(browser, site, CVP)
    page.goto(f"{site.base}/#/cua-toi")
    owned = page.locator("#owned")
    owned.locator(f'li[data-task="{rules["id"]}"]').wait_for()
    assert owned.locator(f'li[data-task="{budget["id"]}"]').count() == 0  # not his
    shot(page, "month-walk-official")
    assert page.errors == []  # type: ignore[attr-defined]

    # The signer is told, on his own page, that the office keyed his plan in for him.
    page = open_as(browser, site, SIGNER)
    page.goto(f"{site.base}/#/cua-toi")
    note = page.locator('#notifications li[data-kind="plan_entered"]')
    note.wait_for()
    assert "45/KH-UBND" in note.inner_text() and "nhập thay" in note.inner_text()
    assert page.errors == []  # type: ignore[attr-defined]
