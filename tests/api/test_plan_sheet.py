"""A commune's plan as its office types it (issue 19, item 10): "Số: 45/KH-UBND" in one cell,
the commune's group names, product kinds from the wording, owners by title, and every fault
with its row, quoting what was written."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from openpyxl import Workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from domain.timezone import local_date
from giaoviec.store.models import Official, Task, Unit
from tests.api.harness import Api, new_key, running_api
from tests.api.test_plans import upload

pytestmark = pytest.mark.asyncio(loop_scope="module")
TODAY = local_date(datetime.now(UTC))
# The commune as issue 19 found it in the seeds: its office and phòng, each with a head.
COMMUNE = [
    ("xa1-vp", "Văn phòng HĐND và UBND", "office", "cvp.xa1", "Trịnh Văn Ôn"),
    ("xa1-kt", "Phòng Kinh tế", "division", "tp.kt.xa1", "Mai Thị Phương"),
    ("xa1-vhxh", "Phòng Văn hóa - Xã hội", "division", "tp.vhxh.xa1", "Tạ Văn Quang"),
]

# Deputies and officers, to be named by title (a Văn phòng with two officers).
STAFF = [
    ("pcvp.xa1", "xa1-vp", "deputy_head", "Lưu Thị Hạnh", "Phó Chánh Văn phòng"),
    ("vp.xa1", "xa1-vp", "officer office_staff", "Đỗ Văn Bình", "Công chức Văn phòng"),
    ("vp2.xa1", "xa1-vp", "officer office_staff", "Hà Thị Cúc", None),
    ("ptp.kt.xa1", "xa1-kt", "deputy_head", "Vũ Văn Dũng", None),
    ("kt.xa1", "xa1-kt", "officer", "Ngô Thị Én", None),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    with Session(db) as s:
        for order, (uid, name, kind, head, full_name) in enumerate(COMMUNE, start=100):
            s.add(Unit(id=uid, name=name, kind=kind, parent_id="xa1",
                       path=f"/tinh/xa1/{uid}/", sort_order=order))
            s.flush()
            s.add(Official(id=head, username=head, full_name=full_name, unit_id=uid,
                           roles="unit_head"))
        for oid, uid, roles, full_name, title in STAFF:
            s.add(Official(id=oid, username=oid, full_name=full_name, unit_id=uid, roles=roles,
                           title=title))
        s.commit()
    async with running_api(env, db) as api:
        yield api


def sheet(header: list[list[object]], rows: list[list[str]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    for line in header:
        ws.append(line)
    ws.append(["STT", "Nội dung nhiệm vụ", "Đơn vị chủ trì", "Người chịu trách nhiệm",
               "Sản phẩm", "Thời hạn", "Tiêu chí đánh giá"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER: list[list[object]] = [
    ["UBND XÃ HÒA XÁ"],
    ["Số: 45/KH-UBND"],  # label and value in one cell, as on paper
    [f"Ngày ban hành: {TODAY:%d/%m/%Y}"],
    ["Trích yếu: Triển khai thực hiện Quyết định số 534/QĐ-TTg"],
    ["Căn cứ: Quyết định số 534/QĐ-TTg ngày 31/3/2026"],
]


async def test_a_commune_plan_as_its_office_types_it(api: Api) -> None:
    data = sheet(HEADER, [
        ["1", "Xây dựng kế hoạch triển khai tại cơ quan, đơn vị",
         "Các cơ quan, đơn vị thuộc xã", "", "Kế hoạch triển khai tại cơ quan, đơn vị",
         "01 tháng kể từ ngày Kế hoạch được ban hành", "Gửi Văn phòng HĐND và UBND xã"],
        ["2", "Tham mưu báo cáo", "Văn phòng HĐND và UBND", "Chánh Văn phòng",
         "Dự thảo báo cáo kết quả thực hiện", "31/12", "Trình Chủ tịch UBND xã"],
        ["3", "Kiểm tra công vụ", "Phòng Kinh tế", "Trưởng phòng Kinh tế",
         "Lịch kiểm tra công vụ", "Trước ngày 31/12", "Trình Chủ tịch UBND xã"],
        ["4", "Rà soát", "các cơ quan, đơn vị liên quan thuộc xã", "", "Báo cáo rà soát",
         "10 ngày làm việc", "Gửi Văn phòng"],
    ])
    body = await upload(api, "ct.xa1", "ke-hoach.xlsx", data, new_key())
    assert "errors" not in body, body["errors"]
    plan = body["data"]["importPlan"]
    assert plan["number"] == "45/KH-UBND" and plan["issuedOn"] == TODAY.isoformat()
    with Session(api.engine) as s:
        tasks = s.exec(select(Task).where(Task.plan_id == plan["id"])).all()
        got = sorted((t.title, t.lead_unit_id, t.owner_id, t.product_kind) for t in tasks)
    units = ["xa1-kt", "xa1-vhxh", "xa1-vp"]
    assert got == sorted([
        *[("Kế hoạch triển khai tại cơ quan, đơn vị", u, head, "kế hoạch")
          for u, head in zip(units, ["tp.kt.xa1", "tp.vhxh.xa1", "cvp.xa1"], strict=True)],
        *[("Báo cáo rà soát", u, head, "báo cáo")
          for u, head in zip(units, ["tp.kt.xa1", "tp.vhxh.xa1", "cvp.xa1"], strict=True)],
        ("Dự thảo báo cáo kết quả thực hiện", "xa1-vp", "cvp.xa1", "dự thảo"),
        ("Lịch kiểm tra công vụ", "xa1-kt", "tp.kt.xa1", "lịch"),
    ])


async def test_every_fault_of_a_sheet_has_its_row_and_quotes_what_was_written(api: Api) -> None:
    header = [line if not str(line[0]).startswith("Ngày") else ["Ngày ban hành: 31/02/2026"]
              for line in HEADER]
    data = sheet(header, [
        ["1", "Tham mưu báo cáo", "Văn phòng HĐND và UBND", "Ông Không Có",
         "Báo cáo kết quả", "31/12", "Trình Chủ tịch UBND xã"],
        ["2", "Kiểm tra", "Phòng Kinh tế", "", "Nội dung kiểm tra", "sớm nhất",
         "Trình Chủ tịch UBND xã"],
    ])
    body = await upload(api, "ct.xa1", "ke-hoach.xlsx", data, new_key())
    (err,) = body["errors"]
    fields = {f["code"]: f for f in err["extensions"]["fields"]}
    assert {(c, f["row"]) for c, f in fields.items()} == {
        ("INVALID_DATE", 3), ("UNKNOWN_OWNER", 7), ("INVALID_TERM", 8),
        ("MISSING_PRODUCT_KIND", 8)}
    assert "“31/02/2026”" in fields["INVALID_DATE"]["message"]
    assert "“Ông Không Có”" in fields["UNKNOWN_OWNER"]["message"]
    assert "“sớm nhất”" in fields["INVALID_TERM"]["message"]
    assert "“Nội dung kiểm tra”" in fields["MISSING_PRODUCT_KIND"]["message"]
    for f in fields.values():
        assert f["message"].startswith(f"Dòng {f['row']}:"), f


async def test_officials_named_by_title_within_the_lead_unit(api: Api) -> None:
    """A title with one holder names him (heads, deputies, officers); a title several hold is
    refused naming them; a title nobody in the lead unit holds is not found."""
    data = sheet(HEADER, [
        ["1", "Thống kê", "Phòng Kinh tế", "Công chức Phòng Kinh tế", "Báo cáo thống kê",
         "31/12", "Trình Chủ tịch UBND xã"],
        ["2", "Kiểm tra", "Phòng Kinh tế", "Phó Trưởng phòng Kinh tế", "Báo cáo kiểm tra",
         "31/12", "Trình Chủ tịch UBND xã"],
        ["3", "Lịch công tác", "Văn phòng HĐND và UBND", "Phó Chánh Văn phòng",
         "Lịch công tác tháng", "31/12", "Trình Chủ tịch UBND xã"],
        ["4", "Văn hóa", "Phòng Văn hóa - Xã hội", "Trưởng phòng Văn hóa - Xã hội",
         "Báo cáo văn hóa", "31/12", "Trình Chủ tịch UBND xã"],
    ])
    body = await upload(api, "ct.xa1", "ke-hoach.xlsx", data, new_key())
    assert "errors" not in body, body["errors"]
    with Session(api.engine) as s:
        tasks = s.exec(select(Task).where(Task.plan_id == body["data"]["importPlan"]["id"])).all()
        got = sorted((t.title, t.owner_id) for t in tasks)
    assert got == [("Báo cáo kiểm tra", "ptp.kt.xa1"), ("Báo cáo thống kê", "kt.xa1"),
                   ("Báo cáo văn hóa", "tp.vhxh.xa1"), ("Lịch công tác tháng", "pcvp.xa1")]
    bad = sheet(HEADER, [
        ["1", "Tổng hợp", "Văn phòng HĐND và UBND", "Công chức Văn phòng HĐND và UBND",
         "Báo cáo tổng hợp", "31/12", "Trình Chủ tịch UBND xã"],
        ["2", "Văn hóa", "Phòng Văn hóa - Xã hội", "Trưởng phòng Kinh tế",
         "Báo cáo văn hóa", "31/12", "Trình Chủ tịch UBND xã"],
        ["3", "Văn hóa", "Phòng Văn hóa - Xã hội", "Công chức Phòng Văn hóa - Xã hội",
         "Báo cáo văn hóa", "31/12", "Trình Chủ tịch UBND xã"],
    ])
    body = await upload(api, "ct.xa1", "ke-hoach.xlsx", bad, new_key())
    (err,) = body["errors"]
    assert err["extensions"]["code"] == "VALIDATION"
    found = {(f["row"], f["code"]): f["message"] for f in err["extensions"]["fields"]}
    assert set(found) == {(7, "AMBIGUOUS_OWNER"), (8, "UNKNOWN_OWNER"), (9, "UNKNOWN_OWNER")}
    many = found[(7, "AMBIGUOUS_OWNER")]
    assert many.startswith("Dòng 7: “Công chức Văn phòng HĐND và UBND” là chức danh của 2 người")
    assert "Đỗ Văn Bình (vp.xa1)" in many and "Hà Thị Cúc (vp2.xa1)" in many

