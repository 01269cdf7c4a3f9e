"""The briefing as a Word document for the office to edit and sign, in the form Nghị định
30/2020/NĐ-CP prescribes: A4, margins 20/15/20/30 mm, Times New Roman 14 pt, the header and
footer blocks as two borderless columns, page numbers from the second page."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from activities.briefing import nd30, text
from activities.briefing.data import (
    COLUMNS,
    DRAFT_MARK,
    OVERDUE_COLUMNS,
    RANKING_TITLE,
    BriefingData,
    Row,
)

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
PAGE = {"page_width": 210, "page_height": 297, "top_margin": 20, "bottom_margin": 20,
        "left_margin": 30, "right_margin": 15}  # mm
TEXT_WIDTH = PAGE["page_width"] - PAGE["left_margin"] - PAGE["right_margin"]  # 165 mm
HEAD_WIDTHS = (62, TEXT_WIDTH - 62)  # issuer | quốc hiệu: the quốc hiệu fits on one line
CELL_PADDING = 1.9 * 2  # Word's default left + right cell margins, mm
TIEU_NGU_WIDTH = 58.0  # the tiêu ngữ in bold 13 pt Times New Roman, mm (measured)
CAPS_CHAR_WIDTH = 3.2  # average width of a bold 13 pt capital, mm: for the issuer's rule
FIGURE_WIDTHS = (34, *[(TEXT_WIDTH - 34) / (len(COLUMNS) - 1)] * (len(COLUMNS) - 1))
GRID_PADDING = 0.8  # mm each side in the tables of figures: narrow columns, whole words
OVERDUE_WIDTHS = (50, 29, 28, 24, 17, 17)


def write_docx(data: BriefingData, path: Path) -> None:
    doc = Document()
    _page_setup(doc)
    _header(doc, data)
    for note in data.notes:
        _para(doc, note, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _body(doc, data)
    _footer(doc, data)
    doc.save(str(path))


# --------------------------------------------------------------------------- page and styles


def _page_setup(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    for name, mm in PAGE.items():
        setattr(section, name, Mm(mm))
    section.header_distance = Mm(10)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_PT)
    # font.name sets ascii/hAnsi only: Word picks the eastAsia and cs fonts for some
    # Vietnamese characters, so name Times New Roman for every script, and the language.
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    lang.set(qn("w:eastAsia"), "vi-VN")
    rpr.append(lang)
    fmt = style.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(6), 1.0
    _page_numbers(section)


def _page_numbers(section: Section) -> None:
    """The page number, centred in the header, from the second page on."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    paragraph._p.append(field)


# --------------------------------------------------------------------------- building blocks


def _para(container, content: str = "", *, bold: bool = False, italic: bool = False,  # noqa: ANN001
          size: float | None = None, align: WD_ALIGN_PARAGRAPH | None = None,
          indent: bool = False, after: float | None = None, style: str | None = None,
          ) -> Paragraph:
    """A paragraph holding `content` as text (cleaned), in one run."""
    paragraph = container.add_paragraph(style=style)
    if content:
        run = paragraph.add_run(text.clean(content))
        run.bold, run.italic = bold or None, italic or None
        if size:
            run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    if after is not None:
        paragraph.paragraph_format.space_after = Pt(after)
    return paragraph


def _first(cell: _Cell, content: str, **kw: object) -> Paragraph:
    """Write into a fresh cell's first (empty) paragraph instead of adding one below it."""
    paragraph = _para(cell, content, **kw)  # type: ignore[arg-type]
    first = cell.paragraphs[0]
    if first is not paragraph and not first.text:
        first._p.getparent().remove(first._p)
    return paragraph


def _rule(container, width_mm: float, room_mm: float, after: float = 0) -> None:  # noqa: ANN001
    """A centred horizontal rule `width_mm` long in a cell or body `room_mm` wide: an empty,
    two-point paragraph with a bottom border, indented so the border has that length."""
    paragraph = container.add_paragraph()
    padding = CELL_PADDING if isinstance(container, _Cell) else 0
    side = max((room_mm - padding - width_mm) / 2, 0)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Mm(side)
    fmt.space_before, fmt.space_after = Pt(0), Pt(after)
    fmt.line_spacing = Pt(2)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                       ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    paragraph._p.get_or_add_pPr().append(border)


def _table(doc: DocumentObject, rows: int, widths: Sequence[float], *,
           grid: bool) -> Table:
    table = doc.add_table(rows=rows, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    if grid:
        table.style = "Table Grid"
        _cell_margins(table, GRID_PADDING)
    else:
        _no_borders(table)
    for column, mm in zip(table.columns, widths, strict=True):
        column.width = Mm(mm)  # tblGrid, which LibreOffice reads
        for cell in column.cells:
            cell.width = Mm(mm)  # tcW, which Word reads
    return table


def _cell_margins(table: Table, mm: float) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(round(mm * 1440 / 25.4)))  # twentieths of a point
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    table._tbl.tblPr.append(margins)


def _no_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    table._tbl.tblPr.append(borders)


def _row(table: Table, values: Sequence[object], widths: Sequence[float], *,
         bold: bool = False, numeric_from: int = 1) -> None:
    cells = table.add_row().cells
    for n, (cell, value) in enumerate(zip(cells, values, strict=True)):
        cell.width = Mm(widths[n])
        align = WD_ALIGN_PARAGRAPH.RIGHT if n >= numeric_from else None
        _first(cell, text.clean(value), bold=bold, size=TABLE_PT, align=align, after=0)


def _header_row(table: Table, labels: Sequence[str]) -> None:
    for cell, label in zip(table.rows[0].cells, labels, strict=True):
        _first(cell, label, bold=True, size=TABLE_PT - 2, align=WD_ALIGN_PARAGRAPH.CENTER,
               after=0)
    # Repeat the header row on every page the table runs onto.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


# --------------------------------------------------------------------------- the document


def _header(doc: DocumentObject, data: BriefingData) -> None:
    """Issuer and số on the left; quốc hiệu, tiêu ngữ and the place and date on the right."""
    center = WD_ALIGN_PARAGRAPH.CENTER
    if data.draft:
        _para(doc, DRAFT_MARK, bold=True, size=13, align=WD_ALIGN_PARAGRAPH.RIGHT, after=0)
    table = _table(doc, 2, HEAD_WIDTHS, grid=False)
    (issuer, nation), (number, place) = (r.cells for r in table.rows)
    left, right = HEAD_WIDTHS
    if data.issuer_parent:
        _first(issuer, data.issuer_parent, size=13, align=center, after=0)
    for line in data.issuer_lines:
        _first(issuer, line, bold=True, size=13, align=center, after=0)
    longest = max((len(line) for line in data.issuer_lines), default=10)
    _rule(issuer, min(longest * CAPS_CHAR_WIDTH * 0.4, left / 2), left)
    _first(nation, nd30.QUOC_HIEU, bold=True, size=12, align=center, after=0)
    _first(nation, nd30.TIEU_NGU, bold=True, size=13, align=center, after=0)
    _rule(nation, TIEU_NGU_WIDTH, right)
    _first(number, data.number_line, size=13, align=center, after=0)
    _first(place, data.place_date, italic=True, size=BODY_PT, align=center, after=0)
    for cell in (number, place):
        cell.paragraphs[0].paragraph_format.space_before = Pt(6)
    _para(doc, data.kind_title, bold=True, align=center, after=0).paragraph_format.space_before \
        = Pt(18)
    _para(doc, data.subject, bold=True, align=center, after=0)
    _rule(doc, TEXT_WIDTH / 4, TEXT_WIDTH, after=12)
    if data.addressee:
        _para(doc, f"Kính gửi: {data.addressee}", align=center)


def _body(doc: DocumentObject, data: BriefingData) -> None:
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    _para(doc, "I. TỔNG HỢP CHUNG", bold=True, indent=True)
    _para(doc, f"Kỳ báo cáo {data.period.label} ({data.period_range}); số liệu tính đến "
               f"{data.generated_at}.", indent=True, align=justify)
    f = data.total.figures
    _para(doc, f"{data.summary_line} Nhiệm vụ nêu tên tại giao ban: {f.flagged}; đề nghị gia "
               f"hạn chờ ý kiến: {f.pending_extensions}.", indent=True, align=justify)
    _para(doc, "II. KẾT QUẢ THEO ĐƠN VỊ", bold=True, indent=True)
    figures = _table(doc, 1, FIGURE_WIDTHS, grid=True)
    _header_row(figures, [label for label, _ in COLUMNS])
    for row in data.rows:
        _row(figures, row.cells(), FIGURE_WIDTHS)
    _row(figures, Row("Tổng cộng", data.total.figures).cells(), FIGURE_WIDTHS, bold=True)
    _para(doc, "III. NHIỆM VỤ QUÁ HẠN", bold=True, indent=True).paragraph_format.space_before \
        = Pt(6)
    if data.overdue:
        overdue = _table(doc, 1, OVERDUE_WIDTHS, grid=True)
        _header_row(overdue, OVERDUE_COLUMNS)
        for item in data.overdue:
            _row(overdue, [item.title_cell, item.unit,
                           item.owner, item.deadline, item.days_overdue, item.reminders],
                 OVERDUE_WIDTHS, numeric_from=4)
    else:
        _para(doc, "Không có nhiệm vụ quá hạn.", indent=True)
    for section in data.sections:
        _para(doc, section.title, bold=True, indent=True).paragraph_format.space_before = Pt(6)
        for level, line in section.lines:
            _para(doc, line if level == 0 else f"- {line}", bold=level == 0, indent=True,
                  align=justify)
        if not section.lines:
            _para(doc, section.empty, indent=True)
    _para(doc, RANKING_TITLE, bold=True, indent=True)
    for n, row in enumerate(data.ranking, 1):
        _para(doc, f"{n}. {row.name}: {text.number(row.figures.on_time_rate)}% đúng hạn, "
                   f"{row.figures.open_overdue} nhiệm vụ quá hạn.", indent=True, align=justify)



def _footer(doc: DocumentObject, data: BriefingData) -> None:
    """Nơi nhận on the left (label 12 pt bold italic, lines 11 pt); the signature on the right:
    quyền hạn and chức vụ in bold capitals, room to sign, the signer's name in bold."""
    center = WD_ALIGN_PARAGRAPH.CENTER
    half = TEXT_WIDTH / 2
    table = _table(doc, 1, (half, half), grid=False)
    recv, sign = table.rows[0].cells
    _first(recv, "Nơi nhận:", bold=True, italic=True, size=12, after=0)
    for line in data.recipients:
        _first(recv, line, size=11, after=0)
    for line in data.signature_lines:
        _first(sign, line, bold=True, size=BODY_PT, align=center, after=0)
    _first(sign, data.signer_name, bold=True, size=BODY_PT, align=center, after=0) \
        .paragraph_format.space_before = Pt(72)
    # Keep the signature with the last lines of the body where it fits.
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
