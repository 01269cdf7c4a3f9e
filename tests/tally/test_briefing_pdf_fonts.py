"""The PDF an office signs: one serif family (the shipped Liberation Serif, Times-compatible,
covering Vietnamese) for every glyph — no "Ế" or "ể" falling back to another font — and every
Vietnamese heading intact in its text; a draft says "DỰ THẢO" in every format."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session

from activities.briefing import render
from activities.briefing.pdf import find_chromium
from tests.org_fixture import seed_small_org
from tests.tally.test_briefing_files import briefing
from tests.tally.test_tally_store import population

HEADINGS = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO",
            "ỦY BAN NHÂN DÂN", "I. TỔNG HỢP CHUNG", "II. KẾT QUẢ THEO ĐƠN VỊ",
            "III. NHIỆM VỤ QUÁ HẠN", "IV. NHIỆM VỤ HOÀN THÀNH QUÁ HẠN TRONG KỲ",
            "V. VIỆC CHỜ LÃNH ĐẠO QUYẾT ĐỊNH", "VI. NHIỆM VỤ NÊU TÊN TẠI GIAO BAN",
            "VII. XẾP HẠNG ĐƠN VỊ THEO TỶ LỆ HOÀN THÀNH ĐÚNG HẠN", "Nơi nhận:", "CHỦ TỊCH",
            "DỰ THẢO", "Kết quả kiểm đếm nhiệm vụ tuần 47 năm 2026")


def _tools() -> None:
    missing = [t for t in ("pdffonts", "pdftotext") if shutil.which(t) is None]
    if find_chromium() is None:
        missing.append("chromium")
    if missing:
        reason = f"{', '.join(missing)} not installed (apt-get install poppler-utils chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def world(engine: Engine) -> Engine:
    with Session(engine) as s:
        seed_small_org(s)
        population(s)
    return engine


def test_the_pdf_is_in_one_serif_with_every_heading_intact(world: Engine,
                                                           tmp_path: Path) -> None:
    _tools()
    data = briefing(world, "xa1")  # the commune's draft: "XÃ HÒA XÁ", "Ủy", "Ế" in headings
    pdf = render("pdf", data, tmp_path)
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    families = {line.split()[0].split("+")[-1].split("-")[0] for line in fonts if line.strip()}
    assert families == {"LiberationSerif"}, fonts
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    for heading in (*HEADINGS, "XÃ HÒA XÁ"):
        assert heading in text, heading


def test_a_draft_says_so_in_every_format_and_an_issued_one_does_not(
        world: Engine, tmp_path: Path) -> None:
    draft = briefing(world, "xa1")
    html = render("html", draft, tmp_path / "d").read_text("utf-8")
    doc = Document(str(render("docx", draft, tmp_path / "d")))
    wb = load_workbook(render("xlsx", draft, tmp_path / "d"))
    assert "DỰ THẢO" in html and "Số:      /BC-UBND" in html
    assert "DỰ THẢO" in [p.text for p in doc.paragraphs]
    assert next(wb["Kiểm đếm"].iter_rows(values_only=True))[0] == "DỰ THẢO"
    issued = briefing(world, "xa1", sequence=7)
    assert "DỰ THẢO" not in render("html", issued, tmp_path / "i").read_text("utf-8")
    assert "Số: 07/BC-UBND" in render("html", issued, tmp_path / "i").read_text("utf-8")
