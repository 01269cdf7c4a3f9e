"""A small, realistic state of the demo province for the dashboard's end-to-end tests (and
the screenshots under docs/): made through the public GraphQL API, as users would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

Graphql = Callable[..., dict[str, Any]]  # (username, query, **variables) -> data

ASSIGN = "mutation($input: AssignTaskInput!) { assignTask(input: $input) { id } }"
ACCEPT = "mutation($id: ID!) { acceptTask(id: $id) { id } }"
PROGRESS = """mutation($id: ID!, $p: Int!) { reportProgress(id: $id, percent: $p) { id } }"""
SUBMIT = """mutation($id: ID!, $d: String!) { submitOutput(id: $id, output: {description: $d,
  reference: "15/BC-UBND"}) { id } }"""
EXTEND = """mutation($id: ID!, $at: DateTime!, $r: String!) { requestExtension(id: $id,
  newDeadline: $at, reason: $r) { id } }"""
COMMUNE = "xa-30313"  # UBND xã Mỹ Hòa Hưng
COMMUNE_OFFICER = "cb1.30313"


def task_input(key: str, title: str, lead: str, owner: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "clientKey": key, "title": title,
        "description": f"{title} theo Kế hoạch số 208/KH-UBND của UBND tỉnh.",
        "leadUnitId": lead, "ownerId": owner, "basis": "Kế hoạch số 208/KH-UBND",
        "workingDays": 10,
        "product": {"kind": "báo cáo", "description": f"Báo cáo: {title.lower()}",
                    "measure": "Trình Chủ tịch UBND tỉnh"},
    }
    values.update(overrides)
    return values


def populate(gql: Graphql) -> dict[str, str]:
    """Tasks in a department and in a commune: one with an extension request waiting for the
    chairman, one whose product waits for his approval, some in progress."""
    ids: dict[str, str] = {}

    def assign(name: str, *args: Any, **kw: Any) -> str:
        ids[name] = gql("chutich", ASSIGN, input=task_input(name, *args, **kw))["assignTask"]["id"]
        return ids[name]

    extension = assign("snv-quyche", "Rà soát quy chế làm việc", "ag-snv", "snv.cb1",
                       coordinators=[{"unitId": "ag-vp", "duty": "Tổng hợp ý kiến các sở"}])
    gql("snv.cb1", ACCEPT, id=extension)
    gql("snv.cb1", PROGRESS, id=extension, p=40)
    later = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    gql("snv.cb1", EXTEND, id=extension, at=later,
        r="Chờ ý kiến góp ý của các sở, ngành")
    submitted = assign("xa-chuyendoiso", "Báo cáo chuyển đổi số cấp xã", COMMUNE,
                       COMMUNE_OFFICER)
    gql(COMMUNE_OFFICER, ACCEPT, id=submitted)
    gql(COMMUNE_OFFICER, SUBMIT, id=submitted, d="Báo cáo kết quả chuyển đổi số quý IV")
    ongoing = assign("xa-caicach", "Kiểm tra cải cách hành chính", COMMUNE, COMMUNE_OFFICER,
                     workingDays=2)
    gql(COMMUNE_OFFICER, ACCEPT, id=ongoing)
    assign("xa-dulieu", "Cập nhật dữ liệu dân cư", COMMUNE, COMMUNE_OFFICER, workingDays=15)
    assign("stc-ngansach", "Dự toán ngân sách năm 2027", "ag-stc", "stc.cb1")
    assign("syt-tiemchung", "Kế hoạch tiêm chủng mở rộng", "ag-syt", "syt.cb1", workingDays=30)
    return ids
