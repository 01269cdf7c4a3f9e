"""The briefing's tables as a workbook: the figures per unit, and the overdue tasks.

Every text cell is a string cell. openpyxl turns a value starting with "=" into a formula, so a
task titled =HYPERLINK(…) would otherwise become a live link in the office's spreadsheet."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from activities.briefing import text
from activities.briefing.data import COLUMNS, DRAFT_MARK, OVERDUE_COLUMNS, BriefingData, Row

# What spreadsheet programs read as the start of a formula (or, for tab/CR, hide it).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def append(ws: Worksheet, values: Sequence[object], *, bold: bool = False) -> None:
    """Append a row; strings are cleaned and stored as text (an empty one as an empty cell),
    numbers as numbers."""
    ws.append([(text.clean(v) or None) if isinstance(v, str) else v for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
            # Also keep it text when someone edits the cell in Excel or LibreOffice.
            cell.quotePrefix = cell.value.startswith(_FORMULA_STARTS)
        if bold:
            cell.font = Font(bold=True)


def write_xlsx(data: BriefingData, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Kiểm đếm"
    parent = f"{data.issuer_parent} — " if data.issuer_parent else ""
    if data.draft:
        append(ws, [DRAFT_MARK], bold=True)
    append(ws, [f"{parent}{data.issuer} — {data.number_line}"])
    append(ws, [f"{data.kind_title}: {data.subject}"])
    append(ws, [f"Kỳ báo cáo {data.period_range}; số liệu tính đến {data.generated_at}"])
    append(ws, [])
    append(ws, [label for label, _ in COLUMNS], bold=True)
    for cell in ws[ws.max_row]:
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in data.rows:
        append(ws, row.cells())
    append(ws, Row("Tổng cộng", data.total.figures).cells(), bold=True)
    ws.column_dimensions["A"].width = 48
    overdue = wb.create_sheet("Quá hạn")
    append(overdue, [*OVERDUE_COLUMNS, "Nêu tên tại giao ban", "Ghi chú"], bold=True)
    for item in data.overdue:
        append(overdue, [item.title, item.unit, item.owner, item.deadline, item.days_overdue,
                         item.reminders, "Có" if item.flagged else "", item.note])
    overdue.column_dimensions["A"].width = 60
    for section in data.sections:  # late completions, decisions awaited, names for giao ban
        sheet = wb.create_sheet(section.title.split(". ", 1)[-1].capitalize()[:31])
        for level, line in section.lines or [(1, section.empty)]:
            append(sheet, [line], bold=level == 0)
        sheet.column_dimensions["A"].width = 120
    wb.save(str(path))

