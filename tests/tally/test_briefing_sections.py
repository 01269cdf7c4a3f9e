"""What the briefing names besides its figures: tasks completed late in the period (who, how
many working days late), what awaits each leader's decision (products to approve, extension
requests), and an overdue product submitted late that awaits approval — in every format."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session

from activities.briefing import render
from activities.briefing.store import dump, load
from domain.lifecycle import TaskState
from giaoviec.store.models import Task
from tests.org_fixture import seed_small_org
from tests.tally.test_briefing_files import briefing
from tests.tally.test_tally_store import at, end_of, population


@pytest.fixture
def world(engine: Engine) -> Engine:
    with Session(engine) as s:
        seed_small_org(s)
        population(s)
        # Submitted late (deadline 18/11, product 20/11), and on time (20/11 for the 25th):
        # both await the chairman's approval at the week's end.
        for tid, deadline, submitted in (("late-wait", end_of(18), at(20)),
                                         ("on-wait", end_of(25), at(20))):
            s.add(Task(id=tid, client_key=tid, title=f"Sản phẩm {tid}", state="submitted",
                       lead_unit_id="stc", lead_unit_path="/tinh/stc/", owner_id="stc.cb",
                       assigner_id="pct", deadline=deadline, original_deadline=deadline,
                       created_at=at(2), updated_at=at(20), submitted_at=submitted))
        s.commit()
    return engine


def texts(engine: Engine, tmp_path: Path) -> dict[str, str]:
    data = briefing(engine)
    dump(data, tmp_path)
    data = load(tmp_path)  # as rendered on first request, from data.json
    html = render("html", data, tmp_path).read_text("utf-8")
    doc = Document(str(render("docx", data, tmp_path)))
    docx = "\n".join([p.text for p in doc.paragraphs]
                     + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    wb = load_workbook(render("xlsx", data, tmp_path))
    xlsx = "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                     for c in row if c is not None)
    return {"html": html, "docx": docx, "xlsx": xlsx}


def test_every_format_names_late_completions_and_decisions_awaited(
        world: Engine, tmp_path: Path) -> None:
    for kind, body in texts(world, tmp_path).items():
        # b: due 17/11, delivered 19/11 — two working days late, named with its owner.
        assert "hạn 17/11/2026, nộp ngày 19/11/2026, quá hạn 2 ngày làm việc" in body, kind
        assert "Hoàng Văn Em" in body, kind
        # What awaits the vice-chairman (who assigned both products) and the chairman (h's
        # extension request), under each leader's name.
        assert "Đồng chí Trần Thị Bình, Phó Chủ tịch:" in body, kind
        assert "Xác nhận sản phẩm “Sản phẩm on-wait”" in body, kind
        assert "Xác nhận sản phẩm “Sản phẩm late-wait”" in body, kind
        assert "Đồng chí Nguyễn Văn An, Chủ tịch:" in body, kind
        assert "Gia hạn nhiệm vụ “Đề án vị trí việc làm”" in body, kind
        # Overdue, but delivered: it says so.
        assert "đã nộp ngày 20/11/2026, chờ xác nhận" in body, kind
        assert "Không có đề xuất." not in body, kind


def test_an_empty_section_says_so(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        seed_small_org(s)
    body = texts(engine, tmp_path)["html"]
    assert "Không có nhiệm vụ hoàn thành quá hạn trong kỳ." in body
    assert "Không có việc chờ lãnh đạo quyết định." in body
    assert TaskState.SUBMITTED.value  # the states the sections turn on
