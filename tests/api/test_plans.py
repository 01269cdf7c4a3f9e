"""Plans over HTTP on the demo organisation (An Giang), on SQLite and PostgreSQL: the plan of
seed 001 through createPlan, an XLSX sheet and YAML giving the same tasks; a faulty plan
creating nothing and naming every row; a crash half-way completed by a retry, never doubled."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml
from openpyxl import Workbook
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from temporalio.testing import WorkflowEnvironment

from domain.plan import PlanDraft, PlanItem, PlanProduct
from domain.timezone import local_date
from giaoviec.orgdata.seed import seed_demo
from giaoviec.programs import sample_plan
from giaoviec.services.plans import PlanService
from giaoviec.services.tasks import TaskService
from giaoviec.store.models import Plan, PlanTask, Task, TaskRequest, Unit
from tests.api.harness import Api, new_key, running_api
from tests.conftest import fresh_engine

pytestmark = pytest.mark.asyncio(loop_scope="module")
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
SEED_YAML = EXAMPLES / "ke-hoach-hoa-xa.yaml"
SEED_XLSX = EXAMPLES / "ke-hoach-hoa-xa.xlsx"
DEPARTMENTS = 9
SEED_TASKS = 4 + 4 + 2 + 2 * DEPARTMENTS
ISSUED = local_date(datetime.now(UTC))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
       ) -> Iterator[Engine]:
    """The demo organisation (a few communes are enough) instead of the small test org."""
    for engine in fresh_engine(request.param, tmp_path_factory.mktemp("plans")):
        with Session(engine) as s:
            seed_demo(s, max_communes=3)
        yield engine


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    async with running_api(env, db) as api:
        yield api


PLAN_FIELDS = """
  id number issuedOn subject basis taskCount issuedBy { id } issuerUnit { id }
  counts { total completedOnTime completedLate openInTime openOverdue dueSoon }
  byUnit { unit { id } counts { total openInTime } }
"""
CREATE = f"mutation($input: PlanInput!) {{ createPlan(input: $input) {{ {PLAN_FIELDS} }} }}"
IMPORT = f"""mutation($file: Upload!, $key: String!) {{
  importPlan(file: $file, clientKey: $key) {{ {PLAN_FIELDS} }} }}"""
TASKS = """query($plan: ID!, $after: String) {
  tasks(filter: {planId: $plan}, first: 100, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id title description basis deadline state
      leadUnit { id } owner { id } assignedBy { id }
      coordinators { unit { id } duty } product { kind description measure } } } } }"""
GET_PLAN = f"query($id: ID!) {{ plan(id: $id) {{ {PLAN_FIELDS} }} }}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def seed_plan() -> dict[str, Any]:
    """The example plan as if signed today: its terms count from its issue date, so the
    example's own date (15/06/2026) would put every "01 tháng" in the past."""
    plan = yaml.safe_load(SEED_YAML.read_text(encoding="utf-8"))
    return {**plan, "issuedOn": ISSUED.isoformat()}


def seed_input(key: str) -> dict[str, Any]:
    return {"clientKey": key, **seed_plan()}


@pytest.fixture(scope="module")
def seed_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example plan dated today, as YAML and as the XLSX sheet an office keeps."""
    folder = tmp_path_factory.mktemp("seed")
    source = folder / SEED_YAML.name
    source.write_text(yaml.safe_dump(seed_plan(), allow_unicode=True), encoding="utf-8")
    return source, sample_plan.write(source, folder / SEED_XLSX.name)


async def upload(api: Api, user: str, name: str, data: bytes, key: str) -> dict[str, Any]:
    operations = json.dumps({"query": IMPORT, "variables": {"file": None, "key": key}})
    response = await api.http.post(
        "/graphql", data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (name, data, XLSX if name.endswith(".xlsx") else "application/yaml")},
        headers={"Authorization": f"Bearer {api.token(user)}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def plan_tasks(api: Api, user: str, plan_id: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.ok(user, TASKS, plan=plan_id, after=after))["tasks"]
        out += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


def comparable(tasks: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (t["leadUnit"]["id"], t["title"], t["description"], t["basis"], t["deadline"],
         t["owner"]["id"], t["assignedBy"]["id"], json.dumps(t["coordinators"], sort_keys=True),
         json.dumps(t["product"], sort_keys=True), t["state"])
        for t in tasks)


async def test_the_seed_plan_gives_the_same_tasks_through_the_api_xlsx_and_yaml(
        api: Api, seed_files: tuple[Path, Path]) -> None:
    seed_yaml, seed_xlsx = seed_files
    by_api = (await api.ok("phochutich1", CREATE, input=seed_input(new_key())))["createPlan"]
    body = await upload(api, "phochutich1", seed_xlsx.name, seed_xlsx.read_bytes(), new_key())
    assert "errors" not in body, body["errors"]
    by_xlsx = body["data"]["importPlan"]
    body = await upload(api, "phochutich1", seed_yaml.name, seed_yaml.read_bytes(), new_key())
    assert "errors" not in body, body["errors"]
    by_yaml = body["data"]["importPlan"]

    for plan in (by_api, by_xlsx, by_yaml):
        assert plan["number"] == "112/KH-UBND" and plan["issuedOn"] == ISSUED.isoformat()
        assert plan["issuedBy"]["id"] == "phochutich1" and plan["issuerUnit"]["id"] == "ag"
        assert plan["taskCount"] == SEED_TASKS
        assert plan["counts"]["total"] == SEED_TASKS == plan["counts"]["openInTime"]
        # The roll-up by lead unit adds up to the plan's total.
        assert sum(u["counts"]["total"] for u in plan["byUnit"]) == SEED_TASKS
        per_unit = {u["unit"]["id"]: u["counts"]["total"] for u in plan["byUnit"]}
        assert per_unit["ag-vp"] == 4 and per_unit["ag-svhttdl"] == 4 + 2
        assert per_unit["ag-stc"] == 2 + 2 and per_unit["ag-tt"] == 2
    tasks = {name: await plan_tasks(api, "phochutich1", plan["id"])
             for name, plan in (("api", by_api), ("xlsx", by_xlsx), ("yaml", by_yaml))}
    assert len(tasks["api"]) == SEED_TASKS
    assert comparable(tasks["api"]) == comparable(tasks["xlsx"]) == comparable(tasks["yaml"])
    sample = next(t for t in tasks["xlsx"] if t["title"] == "Dự toán kinh phí thực hiện Kế hoạch")
    assert sample["leadUnit"]["id"] == "ag-stc" and sample["owner"]["id"] == "gd.stc"
    assert sample["product"]["kind"] == "dự toán"
    assert sample["basis"] == f"Kế hoạch số 112/KH-UBND ngày {ISSUED:%d/%m/%Y}"
    assert sample["description"].startswith("Chủ trì tham mưu cân đối, bố trí kinh phí")
    weekly = next(t for t in tasks["xlsx"] if t["title"].startswith("Báo cáo kiểm đếm"))
    assert weekly["coordinators"][0]["unit"]["id"] == "ag-svhttdl"
    # The department head sees his own tasks of the plan, not the others'.
    mine = await plan_tasks(api, "gd.snv", by_api["id"])
    assert {t["leadUnit"]["id"] for t in mine} == {"ag-snv"} and len(mine) == 2
    seen = (await api.ok("gd.snv", GET_PLAN, id=by_api["id"]))["plan"]
    assert seen["counts"]["total"] == 2  # the roll-up counts only what he may read


async def test_the_same_key_gives_the_same_plan_and_another_plan_is_a_conflict(api: Api) -> None:
    key = new_key()
    first = (await api.ok("phochutich1", CREATE, input=seed_input(key)))["createPlan"]
    again = (await api.ok("phochutich1", CREATE, input=seed_input(key)))["createPlan"]
    assert again["id"] == first["id"]
    assert len(await plan_tasks(api, "phochutich1", first["id"])) == SEED_TASKS
    err = await api.error("phochutich1", CREATE, input={**seed_input(key), "number": "113/KH"})
    assert err["extensions"]["code"] == "CONFLICT"


def count(engine: Engine, model: type, *conds: Any) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model).where(*conds)).one()


async def test_a_faulty_plan_creates_nothing_and_names_every_row(api: Api) -> None:
    before = (count(api.engine, Task), count(api.engine, Plan))
    good = {"leadUnitIds": ["ag-snv"], "description": "Rà soát quy chế làm việc.",
            "products": [{"description": "Báo cáo rà soát", "term": "10 ngày làm việc",
                          "measure": "Trình UBND tỉnh"}]}
    bad = {"clientKey": new_key(), "number": "5/KH-UBND", "subject": "Kế hoạch thử",
           "basis": "Kết luận số 226-KL/TW",
           "items": [good,
                     {**good, "leadUnitIds": ["ag-stc", "khong-co"]},
                     good,
                     {**good, "products": [{"description": "Báo cáo", "term": "sớm",
                                            "measure": "Trình"}],
                      "coordinators": [{"unitId": "ag-stc", "duty": ""}]}]}
    err = await api.error("phochutich1", CREATE, input=bad)
    assert err["extensions"]["code"] == "VALIDATION"
    found = {(f["row"], f["field"], f["code"]) for f in err["extensions"]["fields"]}
    assert found == {
        (2, "items[1].leadUnitIds[1]", "UNKNOWN_LEAD_UNIT"),
        (2, "items[1].ownerId", "MISSING_OWNER"),
        (4, "items[3].products[0].deadline", "INVALID_TERM"),
        (4, "items[3].coordinators[0].duty", "MISSING_COORDINATOR_DUTY"),
    }
    assert (count(api.engine, Task), count(api.engine, Plan)) == before
    officer = await api.error("snv.cb1", CREATE, input={**bad, "items": [good]})
    assert officer["extensions"]["code"] == "FORBIDDEN"
    assert officer["extensions"]["fields"][0]["row"] == 1


def sheet(rows: list[list[str]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["Số:", "7/KH-UBND"])
    ws.append(["Trích yếu:", "Kế hoạch thử"])
    ws.append(["Căn cứ:", "Kết luận số 226-KL/TW"])
    ws.append(["STT", "Nội dung nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp", "Sản phẩm",
               "Thời hạn", "Tiêu chí đánh giá"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_an_xlsx_names_the_sheet_rows_and_the_names_it_cannot_find(api: Api) -> None:
    before = count(api.engine, Task)
    data = sheet([
        ["1", "Rà soát quy chế", "Sở Nội vụ", "", "Báo cáo rà soát", "10 ngày làm việc",
         "Trình UBND tỉnh"],
        ["I", "NHÓM NHIỆM VỤ VỀ CHUYỂN ĐỔI SỐ"],  # a heading row: no unit, product or term
        ["2", "Chuyển đổi số", "Phòng Không Có", "Sở Tài chính: Bố trí kinh phí",
         "Báo cáo\nKế hoạch", "05/12\n01 tháng\n2 tuần", "Trình UBND tỉnh"],
        ["3", "Kinh phí", "sở tài chinh", "Sở Ma: hỗ trợ", "Dự toán kinh phí", "sớm",
         "Trình UBND tỉnh"],
    ])
    body = await upload(api, "chutich", "ke-hoach.xlsx", data, new_key())
    (err,) = body["errors"]
    assert err["extensions"]["code"] == "VALIDATION"
    found = {(f["row"], f["field"], f["code"]) for f in err["extensions"]["fields"]}
    assert found == {
        (7, "items[1].leadUnitIds[0]", "UNKNOWN_LEAD_UNIT"),
        (7, "items[1].ownerId", "MISSING_OWNER"),
        (7, "items[1].products[0].deadline", "PRODUCT_LINES_MISMATCH"),
        (7, "items[1].products[1].deadline", "PRODUCT_LINES_MISMATCH"),
        (8, "items[2].coordinators[0].unitId", "UNKNOWN_COORDINATOR"),
        (8, "items[2].products[0].deadline", "INVALID_TERM"),
    }
    messages = {f["field"]: f["message"] for f in err["extensions"]["fields"]}
    assert "“Phòng Không Có”" in messages["items[1].leadUnitIds[0]"]
    assert messages["items[1].leadUnitIds[0]"].startswith("Dòng 7:")
    assert count(api.engine, Task) == before
    # Fixed, the same sheet loads: "sở tài chinh" is Sở Tài chính whatever the case and marks.
    fixed = sheet([
        ["1", "Rà soát quy chế", "Sở Nội vụ", "", "Báo cáo rà soát", "10 ngày làm việc",
         "Trình UBND tỉnh"],
        ["2", "Kinh phí", "sở tài chinh", "Sở Nội vụ: Tổng hợp nhu cầu",
         "+ Dự toán kinh phí\n+ Báo cáo sử dụng kinh phí", "01 tháng\n05/12", "Trình UBND tỉnh"],
    ])
    body = await upload(api, "chutich", "ke-hoach.xlsx", fixed, new_key())
    assert "errors" not in body, body
    assert body["data"]["importPlan"]["taskCount"] == 3


async def test_files_that_are_not_plans_are_refused(api: Api) -> None:
    for name, data, code in (
        ("ke-hoach.xlsx", b"not a zip", "PARSE_ERROR"),
        ("ke-hoach.pdf", b"%PDF", "UNSUPPORTED_FORMAT"),
        ("ke-hoach.yaml", b"items: [1, 2", "PARSE_ERROR"),
        ("ke-hoach.xlsx", _no_header(), "NO_HEADER"),
    ):
        body = await upload(api, "chutich", name, data, new_key())
        (err,) = body["errors"]
        assert err["extensions"]["fields"][0]["code"] == code, (name, err)


def _no_header() -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["Chỉ có một dòng chữ"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_a_crash_half_way_is_completed_by_a_retry_never_doubled(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = PlanService(api.service)
    draft = PlanDraft(
        number="9/KH-UBND", issued_on=None, subject="Kế hoạch thử khởi động lại",
        basis="Kết luận số 226-KL/TW",
        items=(PlanItem(lead_unit_ids=("ag-snv", "ag-stc", "ag-sxd", "ag-syt", "ag-sgddt"),
                        description="Xây dựng kế hoạch của đơn vị.",
                        products=(PlanProduct("Kế hoạch của đơn vị", measure="Gửi Văn phòng",
                                              term="01 tháng"),)),),
    )
    real_start = TaskService.start
    started: list[str] = []

    async def crashing(self: TaskService, record: Any) -> Any:
        if len(started) >= 2:
            raise RuntimeError("worker lost")
        started.append(record.id)
        return await real_start(self, record)

    monkeypatch.setattr(TaskService, "start", crashing)
    key = new_key()
    with pytest.raises(RuntimeError):
        await service.create("chutich", key, draft)
    monkeypatch.setattr(TaskService, "start", real_start)
    with Session(api.engine) as s:
        plan = s.exec(select(Plan).where(Plan.client_key == key)).one()
        assert s.exec(select(func.count()).select_from(Task)
                      .where(Task.plan_id == plan.id)).one() == 2
    plan_id = await service.create("chutich", key, draft)
    assert plan_id == plan.id
    with Session(api.engine) as s:
        claimed = set(s.exec(select(PlanTask.task_id).where(PlanTask.plan_id == plan_id)).all())
        running = set(s.exec(select(Task.id).where(Task.plan_id == plan_id)).all())
        keys = s.exec(select(TaskRequest.client_key).where(
            col(TaskRequest.task_id).in_(list(running)))).all()
    assert len(claimed) == 5 and running == claimed and set(started) <= running
    assert sorted(k.split(":")[-1] for k in keys) == [
        "ag-sgddt", "ag-snv", "ag-stc", "ag-sxd", "ag-syt"]
    assert await service.create("chutich", key, draft) == plan_id  # and again: nothing new
    assert count(api.engine, Task, Task.plan_id == plan_id) == 5


async def test_plans_are_listed_for_those_they_concern(api: Api) -> None:
    draft = {"clientKey": new_key(), "number": "3/KH-SNV", "subject": "Kế hoạch của Sở Nội vụ",
             "basis": "Kế hoạch số 112/KH-UBND",
             "items": [{"leadUnitIds": ["ag-snv-tccb"], "description": "Rà soát biên chế.",
                        "products": [{"description": "Báo cáo biên chế", "term": "01 tháng",
                                      "measure": "Trình Giám đốc Sở"}]}]}
    made = (await api.ok("gd.snv", CREATE, input=draft))["createPlan"]
    listed = """query($q: String) { plans(filter: {search: $q}) { id number } }"""
    assert [p["id"] for p in (await api.ok("chutich", listed, q="so noi vu"))["plans"]] == [
        made["id"]]
    assert (await api.ok("tp.snv.tccb", GET_PLAN, id=made["id"]))["plan"]["taskCount"] == 1
    assert (await api.ok("gd.stc", GET_PLAN, id=made["id"]))["plan"] is None
    assert (await api.ok("gd.stc", listed, q="so noi vu"))["plans"] == []


SPLIT = """mutation($id: ID!, $parts: [SubtaskInput!]!) {
  splitTask(id: $id, parts: $parts) { id parent { id } basis deadline owner { id } } }"""
THREAD = """query($id: ID!) { task(id: $id) {
  id chain { id title leadUnit { id } } plan { number basis }
  parent { id } subtasks { id } subtaskCounts { total openInTime completedOnTime } } }"""


async def test_a_plan_task_split_twice_keeps_the_thread_to_the_plan(api: Api) -> None:
    plan = (await api.ok("phochutich1", CREATE, input=seed_input(new_key())))["createPlan"]
    root = next(t for t in await plan_tasks(api, "gd.snv", plan["id"])
                if t["title"] == "Kế hoạch triển khai của đơn vị")
    assert root["owner"]["id"] == "gd.snv"

    def sub(unit: str, owner: str, title: str) -> dict[str, Any]:
        return {"clientKey": new_key(), "title": title, "description": "Xây dựng dự thảo.",
                "leadUnitId": unit, "ownerId": owner, "workingDays": 5,
                "product": {"kind": "văn bản", "description": "Dự thảo", "measure": "Trình Sở"}}

    (mid,) = (await api.ok("gd.snv", SPLIT, id=root["id"], parts=[
        sub("ag-snv-tccb", "tp.snv.tccb", "Dự thảo phần tổ chức bộ máy")]))["splitTask"]
    assert mid["parent"]["id"] == root["id"] and mid["basis"] == root["basis"]
    (leaf,) = (await api.ok("tp.snv.tccb", SPLIT, id=mid["id"], parts=[
        sub("ag-snv-tccb", "snv.tccb.cb1", "Số liệu biên chế")]))["splitTask"]
    seen = (await api.ok("snv.tccb.cb1", THREAD, id=leaf["id"]))["task"]
    assert [c["id"] for c in seen["chain"]] == [root["id"], mid["id"]]
    assert seen["chain"][0]["leadUnit"]["id"] == "ag-snv"
    assert seen["plan"] == {"number": "112/KH-UBND",
                            "basis": "Kế hoạch số 208/KH-UBND ngày 31/5/2026 của Ủy ban nhân "
                                     "dân thành phố Hà Nội"}
    assert seen["parent"]["id"] == mid["id"]
    # The root is his department's: he reads its name in the chain, not the task itself.
    assert (await api.ok("snv.tccb.cb1", THREAD, id=root["id"]))["task"] is None
    top = (await api.ok("gd.snv", THREAD, id=root["id"]))["task"]
    assert [s["id"] for s in top["subtasks"]] == [mid["id"]]
    assert top["subtaskCounts"] == {"total": 2, "openInTime": 2, "completedOnTime": 0}
    late = await api.error("tp.snv.tccb", SPLIT, id=mid["id"], parts=[
        {**sub("ag-snv-tccb", "snv.tccb.cb1", "Quá hạn"), "workingDays": 400}])
    assert late["extensions"]["fields"][0]["code"] == "SUBTASK_AFTER_PARENT"
    assert late["extensions"]["fields"][0]["row"] == 1
    submit = """mutation($id: ID!, $note: String) { submitOutput(id: $id,
      output: {description: "Kế hoạch số 5/KH-SNV"}, note: $note) { state } }"""
    err = await api.error("gd.snv", submit, id=root["id"])
    assert err["extensions"]["fields"][0]["code"] == "OPEN_SUBTASKS"
    done = await api.ok("gd.snv", submit, id=root["id"], note="Nhiệm vụ con nộp sau")
    assert done["submitOutput"]["state"] == "SUBMITTED"


CASCADE = """query($id: ID!) { plan(id: $id) {
  cascade { unit { id } issued plan { number fulfils { id } } }
  notIssued { id } } }"""


async def test_a_province_plan_orders_every_commune_to_issue_its_own(api: Api) -> None:
    with Session(api.engine) as s:
        communes = [(u.id, u.code) for u in s.exec(
            select(Unit).where(Unit.kind == "commune").order_by(col(Unit.sort_order))).all()]
    assert len(communes) == 3
    province = (await upload(api, "chutich", "ke-hoach-tinh.xlsx", sheet([
        ["1", "Căn cứ Kế hoạch này, xây dựng, ban hành kế hoạch thực hiện của địa phương.",
         "UBND các xã, phường, đặc khu", "", "Kế hoạch triển khai của xã", "01 tháng",
         "Gửi Sở Nội vụ"],
        ["2", "Báo cáo kết quả thực hiện.", "UBND các xã, phường, đặc khu", "",
         "Báo cáo kết quả", "05/12", "Gửi Sở Nội vụ"],
    ]), new_key()))["data"]["importPlan"]
    assert province["taskCount"] == 6
    tasks = await plan_tasks(api, "chutich", province["id"])
    ordered = {t["leadUnit"]["id"]: t for t in tasks if t["product"]["kind"] == "kế hoạch"}
    assert set(ordered) == {c for c, _ in communes}

    (first, code), (second, code2) = communes[0], communes[1]
    own = {"clientKey": new_key(), "number": "15/KH-UBND", "subject": "Kế hoạch của xã",
           "basis": "Kế hoạch số 7/KH-UBND của UBND tỉnh", "fulfilsTaskId": ordered[first]["id"],
           "items": [{"leadUnitIds": [first], "ownerId": f"cb1.{code}",
                      "description": "Rà soát quy chế làm việc của UBND xã.",
                      "products": [{"description": "Báo cáo rà soát", "term": "10 ngày làm việc",
                                    "measure": "Trình Chủ tịch UBND xã"}]}]}
    theirs = await api.error(f"ct.{code2}", CREATE, input={
        **own, "items": [{**own["items"][0], "leadUnitIds": [second], "ownerId": f"cb1.{code2}"}]})
    assert [f["code"] for f in theirs["extensions"]["fields"]] == ["UNKNOWN_TASK"]  # not his
    not_a_plan = next(t for t in tasks if t["leadUnit"]["id"] == first
                      and t["product"]["kind"] == "báo cáo")
    err = await api.error(f"ct.{code}", CREATE, input={**own, "fulfilsTaskId": not_a_plan["id"]})
    assert [f["code"] for f in err["extensions"]["fields"]] == ["FULFILS_NOT_A_PLAN_TASK"]
    issued = (await api.ok(f"ct.{code}", CREATE, input=own))["createPlan"]
    again = await api.error(f"ct.{code}", CREATE, input={**own, "clientKey": new_key()})
    assert [f["code"] for f in again["extensions"]["fields"]] == ["ALREADY_FULFILLED"]

    rollup = (await api.ok("chutich", CASCADE, id=province["id"]))["plan"]
    by_unit = {c["unit"]["id"]: c for c in rollup["cascade"]}
    assert by_unit[first]["issued"] and by_unit[first]["plan"] == {
        "number": "15/KH-UBND", "fulfils": {"id": ordered[first]["id"]}}
    assert not by_unit[second]["issued"] and by_unit[second]["plan"] is None
    assert sorted(u["id"] for u in rollup["notIssued"]) == sorted(c for c, _ in communes[1:])
    linked = """query($id: ID!) { task(id: $id) { fulfilledBy { id number } } }"""
    task = (await api.ok("chutich", linked, id=ordered[first]["id"]))["task"]
    assert task["fulfilledBy"] == {"id": issued["id"], "number": "15/KH-UBND"}


async def test_the_counts_of_many_plans_cost_one_query_not_one_per_plan(api: Api) -> None:
    """A list of plans with their counts (issue 16 item 3): the counts come through one loader
    batch, whatever the number of plans."""
    listed = """query($n: Int) { plans(first: $n) { id counts { total }
      byUnit { unit { id } counts { total openInTime } } } }"""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    async def queries(n: int) -> tuple[int, int]:
        statements.clear()
        event.listen(api.engine, "before_cursor_execute", count)
        try:
            found = (await api.ok("chutich", listed, n=n))["plans"]
        finally:
            event.remove(api.engine, "before_cursor_execute", count)
        return len(found), len(statements)

    for n in range(3):
        await api.ok("gd.snv", CREATE, input={
            "clientKey": new_key(), "number": f"{10 + n}/KH-SNV", "subject": "Kế hoạch của Sở",
            "basis": "Kế hoạch số 112/KH-UBND",
            "items": [{"leadUnitIds": ["ag-snv-tccb"], "description": "Rà soát biên chế.",
                       "products": [{"description": "Báo cáo biên chế", "term": "01 tháng",
                                     "measure": "Trình Giám đốc Sở"}]}]})
    (few, small), (many, large) = await queries(1), await queries(50)
    assert few == 1 and many >= 3, many
    assert large == small, statements


ENTERED = f"""mutation($input: PlanInput!) {{ createPlan(input: $input) {{
  {PLAN_FIELDS} enteredBy {{ id }} }} }}"""
IMPORT_FOR = """mutation($file: Upload!, $key: String!, $by: ID) {
  importPlan(file: $file, clientKey: $key, issuedById: $by) {
    id taskCount issuedBy { id } issuerUnit { id } enteredBy { id } } }"""
NOTICES = "{ notifications { kind title body } }"


async def test_the_office_enters_a_plan_its_leader_signed(api: Api) -> None:
    """Nhập thay: the Văn phòng keys in the plan the vice-chairman signed on paper; the plan and
    its tasks stay his, his authority is checked, the office is recorded and he is told."""
    own_name = await api.error("vanphong1", CREATE, input=seed_input(new_key()))
    assert own_name["extensions"]["code"] == "FORBIDDEN"  # an officer issues nothing himself
    outsider = await api.error("snv.cb1", CREATE, input={**seed_input(new_key()),
                                                          "issuedById": "phochutich1"})
    assert outsider["extensions"]["code"] == "FORBIDDEN"  # not of the tracking unit

    plan = (await api.ok("vanphong1", ENTERED, input={**seed_input(new_key()),
                                                       "issuedById": "phochutich1"}))["createPlan"]
    assert plan["issuedBy"]["id"] == "phochutich1" and plan["issuerUnit"]["id"] == "ag"
    assert plan["enteredBy"] == {"id": "vanphong1"} and plan["taskCount"] == SEED_TASKS
    tasks = await plan_tasks(api, "phochutich1", plan["id"])
    assert {t["assignedBy"]["id"] for t in tasks} == {"phochutich1"}
    with Session(api.engine) as s:
        assert s.get(Plan, plan["id"]).entered_by_id == "vanphong1"  # type: ignore[union-attr]
    notices = (await api.ok("phochutich1", NOTICES))["notifications"]
    told = [n for n in notices if n["kind"] == "plan_entered"]
    assert len(told) == 1 and "112/KH-UBND" in told[0]["title"]
    assert "nhập thay" in told[0]["body"]

    # A commune's Văn phòng enters its Phó Chủ tịch's sheet; the seed gives the commune one.
    with Session(api.engine) as s:
        code = s.exec(select(Unit.code).where(Unit.kind == "commune")
                      .order_by(col(Unit.sort_order))).first()
    rows = [["1", "Rà soát thủ tục hành chính thuộc lĩnh vực kinh tế.", "Phòng Kinh tế", "",
             "Báo cáo rà soát", "10 ngày làm việc", "Trình Chủ tịch UBND xã"]]
    operations = json.dumps({"query": IMPORT_FOR, "variables": {
        "file": None, "key": new_key(), "by": f"pct.{code}"}})
    response = await api.http.post(
        "/graphql", data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("kh.xlsx", sheet(rows), XLSX)},
        headers={"Authorization": f"Bearer {api.token(f'vp.{code}')}"})
    body = response.json()
    assert "errors" not in body, body["errors"]
    entered = body["data"]["importPlan"]
    assert entered["issuedBy"] == {"id": f"pct.{code}"}
    assert entered["enteredBy"] == {"id": f"vp.{code}"} and entered["taskCount"] == 1


async def test_a_signed_plan_keyed_in_after_a_term_is_taken_and_that_task_is_overdue(
        api: Api) -> None:
    """Signed three weeks ago, keyed in today: a "05 ngày" term has elapsed. The plan is taken
    whole; that row's task has the plan's own deadline, is overdue from the start (warned row by
    row, counted overdue, its owner told once) while the other row is in time."""
    from datetime import timedelta

    signed = ISSUED - timedelta(days=21)
    draft = {"clientKey": new_key(), "number": "4/KH-SNV", "subject": "Kế hoạch nhập muộn",
             "basis": "Kế hoạch số 112/KH-UBND", "issuedOn": signed.isoformat(),
             "items": [{"leadUnitIds": ["ag-snv-tccb"], "description": "Rà soát biên chế.",
                        "products": [{"description": "Báo cáo nhanh", "term": "05 ngày",
                                      "measure": "Trình Giám đốc Sở"}]},
                       {"leadUnitIds": ["ag-snv-tccb"], "description": "Tổng kết.",
                        "products": [{"description": "Báo cáo tổng kết", "term": "02 tháng",
                                      "measure": "Trình Giám đốc Sở"}]}]}
    query = f"""mutation($input: PlanInput!) {{ createPlan(input: $input) {{ {PLAN_FIELDS}
      warnings {{ row code message }} }} }}"""
    made = (await api.ok("gd.snv", query, input=draft))["createPlan"]
    assert made["taskCount"] == 2
    assert [(w["row"], w["code"]) for w in made["warnings"]] == [(1, "OVERDUE_AT_ENTRY")]
    assert "quá hạn" in made["warnings"][0]["message"]
    assert made["counts"]["openOverdue"] == 1 and made["counts"]["openInTime"] == 1
    tasks = await plan_tasks(api, "gd.snv", made["id"])
    late = next(t for t in tasks if t["title"] == "Báo cáo nhanh")
    assert datetime.fromisoformat(late["deadline"]).date() <= signed + timedelta(days=7)
    owner = late["owner"]["id"]
    kinds = """query { notifications(first: 50) { kind taskId } }"""

    async def warned() -> list[str]:
        seen = (await api.ok(owner, kinds))["notifications"]
        return [n["kind"] for n in seen if n["taskId"] == late["id"]
                and n["kind"] in ("overdue", "escalation")]

    for _ in range(50):  # the ladder's first look follows the assignment
        if await warned():
            break
        await asyncio.sleep(0.1)
    assert await warned() == ["overdue"]
    # Before the signing day is still refused.
    early = {**draft, "clientKey": new_key(), "items": [{**draft["items"][0], "products": [
        {"description": "Báo cáo", "deadlineDate": (signed - timedelta(days=10)).isoformat(),
         "measure": "Trình Giám đốc Sở"}]}]}
    err = await api.error("gd.snv", CREATE, input=early)
    assert {f["code"] for f in err["extensions"]["fields"]} == {"DEADLINE_BEFORE_SIGNING"}
