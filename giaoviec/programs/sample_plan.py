"""Writes docs/examples/ke-hoach-hoa-xa.xlsx: the plan of docs/examples/ke-hoach-hoa-xa.yaml as
an office keeps it — the header lines above a table (STT, nội dung nhiệm vụ, đơn vị chủ trì,
đơn vị phối hợp, sản phẩm, thời hạn, tiêu chí đánh giá), units by name, the departments as
"Các sở, ban, ngành tỉnh", one product a line.

    .venv/bin/python -m giaoviec.programs.sample_plan
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
SOURCE = EXAMPLES / "ke-hoach-hoa-xa.yaml"
TARGET = EXAMPLES / "ke-hoach-hoa-xa.xlsx"
# Names as the demo organisation (giaoviec.orgdata.seed) gives them.
NAMES = {"ag-vp": "Văn phòng UBND tỉnh", "ag-svhttdl": "Sở Văn hóa, Thể thao và Du lịch",
         "ag-stc": "Sở Tài chính"}
DEPARTMENTS = "Các sở, ban, ngành tỉnh"
HEADER = ("STT", "Nội dung nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp", "Sản phẩm",
          "Thời hạn", "Tiêu chí đánh giá")
WIDTHS = (6, 70, 24, 40, 40, 12, 40)


def _row(n: int, item: dict[str, Any]) -> list[str]:
    units = item["leadUnitIds"]
    lead = NAMES[units[0]] if len(units) == 1 else DEPARTMENTS
    duties = "\n".join(f"- {line}" for line in item["description"].splitlines())
    coordinators = "\n".join(f"{NAMES[c['unitId']]}: {c['duty']}"
                             for c in item.get("coordinators", []))
    products = item["products"]
    measures = {p["measure"] for p in products}
    return [
        str(n), duties, lead, coordinators,
        "\n".join(f"+ {p['description']}" for p in products),
        "\n".join(p["term"] for p in products),
        measures.pop() if len(measures) == 1 else "\n".join(p["measure"] for p in products),
    ]


def write(source: Path = SOURCE, target: Path = TARGET) -> Path:
    plan = yaml.safe_load(source.read_text(encoding="utf-8"))
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Kế hoạch"
    ws.append(["UBND TỈNH AN GIANG"])
    ws.append(["Số:", plan["number"]])
    ws.append(["Ngày ban hành:", date.fromisoformat(plan["issuedOn"])])
    ws.append(["Trích yếu:", plan["subject"]])
    ws.append(["Căn cứ:", plan["basis"]])
    ws.append([])
    ws.append(list(HEADER))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for n, item in enumerate(plan["items"], start=1):
        ws.append(_row(n, item))
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.number_format = "@"  # text: "05/12" stays as written
    ws["B3"].number_format = "dd/mm/yyyy"
    for column, width in zip("ABCDEFG", WIDTHS, strict=True):
        ws.column_dimensions[column].width = width
    book.properties.creator = "giaoviec"
    book.save(target)
    return target


if __name__ == "__main__":
    print(write())
