"""The giao ban briefing (báo cáo kiểm đếm nhiệm vụ hằng tuần) in three forms: HTML for the
screen, DOCX for the office to edit and sign, XLSX of the table. Laid out as Nghị định
30/2020/NĐ-CP lays out an administrative document: quốc hiệu and tiêu ngữ, the issuing body,
số/ký hiệu, place and date, kind and subject, body, recipients, signature."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from jinja2 import Environment, PackageLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlmodel import Session, col, select

from domain.calendar import WorkingCalendar
from domain.org import heads_of
from domain.periods import Period, PeriodKind
from domain.tally import Figures, UnitTally, judge
from domain.timeliness import Timeliness
from domain.timezone import to_local
from giaoviec.reads.facts import fact_of
from giaoviec.store.models import Official, Task, Unit

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
FILE_STEM = "bao-cao-kiem-dem"
COLUMNS = [
    ("Đơn vị", None),
    ("Tổng số", "total"),
    ("Hoàn thành đúng hạn", "completed_on_time"),
    ("Hoàn thành quá hạn", "completed_late"),
    ("Chưa hoàn thành, trong hạn", "open_in_time"),
    ("Chưa hoàn thành, quá hạn", "open_overdue"),
    ("Sắp đến hạn", "due_soon"),
    ("Đến hạn trong kỳ", "due_in_period"),
    ("Giao trong kỳ", "assigned_in_period"),
    ("Hoàn thành trong kỳ", "completed_in_period"),
    ("Tỷ lệ đúng hạn (%)", "on_time_rate"),
]


@dataclass
class Row:
    name: str
    figures: Figures
    change_overdue: int | None = None  # against the previous period
    change_rate: float | None = None

    def value(self, key: str) -> object:
        return getattr(self.figures, key)


@dataclass
class OverdueItem:
    title: str
    unit: str
    owner: str
    deadline: str
    days_overdue: int
    reminders: int
    flagged: bool


@dataclass
class ExtensionItem:
    title: str
    unit: str
    owner: str
    deadline: str
    requested: str
    reason: str


@dataclass
class BriefingData:
    period: Period
    revision: int
    issuer_parent: str  # cơ quan chủ quản, e.g. "UBND TỈNH AN GIANG"
    issuer: str  # "VĂN PHÒNG"
    number: str
    place_date: str
    subject: str
    total: Row
    rows: list[Row]
    overdue: list[OverdueItem]
    extensions: list[ExtensionItem]
    flagged: list[OverdueItem]
    ranking: list[Row]
    recipients: list[str]
    signer_title: str
    signer_name: str
    generated_at: str
    summary_line: str = ""
    notes: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls, session: Session, period: Period, root: UnitTally, at: datetime, now: datetime,
        revision: int, calendar: WorkingCalendar, previous: dict[str, dict],  # type: ignore[type-arg]
    ) -> BriefingData:
        root_unit = session.get(Unit, root.unit.id)
        assert root_unit is not None
        units = {u.id: u for u in session.exec(
            select(Unit).where(col(Unit.path).startswith(root_unit.path))).all()}
        tasks = session.exec(select(Task).where(
            col(Task.lead_unit_path).startswith(root_unit.path))).all()
        people = {o.id: o for o in session.exec(select(Official).where(
            col(Official.unit_id).in_(list(units)))).all()}

        def row(t: UnitTally) -> Row:
            prev = previous.get(t.unit.id)
            prev_f = Figures(**prev) if prev else None
            return Row(t.unit.name, t.rolled,
                       t.rolled.open_overdue - prev_f.open_overdue if prev_f else None,
                       round(t.rolled.on_time_rate - prev_f.on_time_rate, 1) if prev_f else None)

        rows = [row(c) for c in root.children]
        if root.own.total:
            rows.insert(0, Row(f"{root.unit.name} (trực tiếp)", root.own))
        overdue, flagged, extensions = [], [], []
        for task in tasks:
            fact = fact_of(task)
            standing = judge(fact, at, calendar)
            if standing is not Timeliness.OVERDUE:
                continue
            item = OverdueItem(
                task.title, units[task.lead_unit_id].name,
                _name(people, task.owner_id), _date(task.deadline),
                calendar.working_days_overdue(task.deadline, at), task.overdue_reminders,
                task.flagged)
            overdue.append(item)
            if task.flagged:
                flagged.append(item)
        for task in tasks:
            if task.extension_requested_deadline is not None and task.state not in (
                    "completed", "cancelled"):
                extensions.append(ExtensionItem(
                    task.title, units[task.lead_unit_id].name, _name(people, task.owner_id),
                    _date(task.deadline), _date(task.extension_requested_deadline),
                    task.extension_reason or ""))
        overdue.sort(key=lambda i: (-i.days_overdue, i.unit, i.title))
        ranked = sorted((r for r in rows if r.figures.total),
                        key=lambda r: (-r.figures.on_time_rate, r.figures.open_overdue, r.name))
        office = next((u for u in units.values()
                       if u.parent_id == root_unit.id and u.kind == "office"), None)
        office_heads = heads_of([(o.id, o.role_list) for o in people.values()
                                 if office and o.unit_id == office.id])
        local_now = to_local(now)
        place = root_unit.name.replace("UBND tỉnh", "").replace("UBND thành phố", "").replace(
            "UBND", "").strip() or root_unit.name
        total = row(root)
        f = root.rolled
        summary = (f"Tổng số {f.total} nhiệm vụ: hoàn thành đúng hạn {f.completed_on_time}, "
                   f"hoàn thành quá hạn {f.completed_late}, chưa hoàn thành trong hạn "
                   f"{f.open_in_time}, chưa hoàn thành quá hạn {f.open_overdue}; "
                   f"tỷ lệ đúng hạn {_fmt(f.on_time_rate)}%.")
        return cls(
            period=period, revision=revision,
            issuer_parent=root_unit.name.upper(),
            issuer=(office.name.upper() if office else root_unit.name.upper()),
            number=f"{period.number:02d}/BC-VP" if period.kind is PeriodKind.WEEK
            else f"{period.key}/BC-VP",
            place_date=f"{place}, ngày {local_now.day:02d} tháng {local_now.month:02d} "
                       f"năm {local_now.year}",
            subject=(f"Kết quả kiểm đếm nhiệm vụ {period.label} (từ ngày "
                     f"{period.first_day:%d/%m/%Y} đến ngày {period.last_day:%d/%m/%Y})"),
            total=total, rows=rows, overdue=overdue, extensions=extensions, flagged=flagged,
            ranking=ranked,
            recipients=[f"Chủ tịch, các Phó Chủ tịch {root_unit.name}",
                        "Các cơ quan, đơn vị, địa phương", "Lưu: VT"],
            signer_title="CHÁNH VĂN PHÒNG" if office else "TM. ỦY BAN NHÂN DÂN",
            signer_name=_name(people, office_heads[0]) if office_heads else "",
            generated_at=f"{to_local(at):%H:%M ngày %d/%m/%Y}",
            summary_line=summary,
            notes=["Bản điều chỉnh: số liệu đã thay đổi so với bản trước của cùng kỳ."]
            if revision > 1 else [],
        )


def _name(people: dict[str, Official], official_id: str) -> str:
    person = people.get(official_id)
    return person.full_name if person else official_id


def _date(moment: datetime) -> str:
    return f"{to_local(moment):%d/%m/%Y}"


def _fmt(value: object) -> str:
    """Numbers as Vietnamese write them: a decimal comma."""
    return f"{value:.1f}".replace(".", ",") if isinstance(value, float) else str(value)


_env = Environment(loader=PackageLoader("activities", "templates"),
                   autoescape=select_autoescape(["html"]))
_env.filters["fmt"] = _fmt


def render_html(data: BriefingData) -> str:
    return _env.get_template("briefing.html").render(d=data, columns=COLUMNS,
                                                    quoc_hieu=QUOC_HIEU, tieu_ngu=TIEU_NGU)


def render_docx(data: BriefingData, path: Path) -> None:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    header = doc.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    left.text = f"{data.issuer_parent}\n{data.issuer}\nSố: {data.number}"
    right.text = f"{QUOC_HIEU}\n{TIEU_NGU}\n{data.place_date}"
    for cell in (left, right):
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in p.runs:
                run.bold = True
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("BÁO CÁO").bold = True
    subject = doc.add_paragraph(data.subject)
    subject.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for note in data.notes:
        doc.add_paragraph(note).runs[0].italic = True
    doc.add_paragraph(f"I. TỔNG HỢP CHUNG. {data.summary_line}")
    doc.add_paragraph("II. KẾT QUẢ THEO ĐƠN VỊ")
    table = doc.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, (label, _) in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = label
    for row in [*data.rows, Row("Tổng cộng", data.total.figures)]:
        cells = table.add_row().cells
        cells[0].text = row.name
        for cell, (_, key) in zip(cells[1:], COLUMNS[1:], strict=True):
            cell.text = _fmt(row.value(key or ""))
    doc.add_paragraph("III. NHIỆM VỤ QUÁ HẠN")
    if data.overdue:
        od = doc.add_table(rows=1, cols=6)
        od.style = "Table Grid"
        for cell, label in zip(od.rows[0].cells, ["Nhiệm vụ", "Đơn vị chủ trì",
                               "Người chịu trách nhiệm", "Hạn xử lý", "Số ngày làm việc quá hạn",
                               "Số lần đã nhắc"], strict=True):
            cell.text = label
        for item in data.overdue:
            cells = od.add_row().cells
            values = [item.title + (" (nêu tên tại giao ban)" if item.flagged else ""),
                      item.unit, item.owner, item.deadline, str(item.days_overdue),
                      str(item.reminders)]
            for cell, value in zip(cells, values, strict=True):
                cell.text = value
    else:
        doc.add_paragraph("Không có nhiệm vụ quá hạn.")
    doc.add_paragraph("IV. ĐỀ XUẤT CHỦ TỊCH CHO Ý KIẾN")
    for ext in data.extensions:
        doc.add_paragraph(f"Gia hạn nhiệm vụ “{ext.title}” ({ext.unit}, {ext.owner}) từ "
                          f"{ext.deadline} đến {ext.requested}: {ext.reason}",
                          style="List Bullet")
    for item in data.flagged:
        doc.add_paragraph(f"Nêu tên tại giao ban: “{item.title}” ({item.unit}), quá hạn "
                          f"{item.days_overdue} ngày làm việc, đã nhắc {item.reminders} lần.",
                          style="List Bullet")
    if not data.extensions and not data.flagged:
        doc.add_paragraph("Không có đề xuất.")
    doc.add_paragraph("V. XẾP HẠNG ĐƠN VỊ THEO TỶ LỆ HOÀN THÀNH ĐÚNG HẠN")
    for n, row in enumerate(data.ranking, 1):
        doc.add_paragraph(f"{n}. {row.name}: {_fmt(row.figures.on_time_rate)}% đúng hạn, "
                          f"{row.figures.open_overdue} nhiệm vụ quá hạn")
    footer = doc.add_table(rows=1, cols=2)
    recv, sign = footer.rows[0].cells
    recv.text = "Nơi nhận:\n" + "\n".join(f"- {r};" for r in data.recipients)
    sign.text = f"{data.signer_title}\n\n\n\n{data.signer_name}"
    sign.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.save(str(path))


def render_xlsx(data: BriefingData, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Kiểm đếm"
    ws.append([f"{data.issuer_parent} — {data.issuer}"])
    ws.append([f"BÁO CÁO: {data.subject}"])
    ws.append([f"Số liệu tính đến {data.generated_at}"])
    ws.append([])
    ws.append([label for label, _ in COLUMNS])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in [*data.rows, Row("Tổng cộng", data.total.figures)]:
        ws.append([row.name, *[row.value(key or "") for _, key in COLUMNS[1:]]])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 48
    overdue = wb.create_sheet("Quá hạn")
    overdue.append(["Nhiệm vụ", "Đơn vị chủ trì", "Người chịu trách nhiệm", "Hạn xử lý",
                    "Số ngày làm việc quá hạn", "Số lần đã nhắc", "Nêu tên tại giao ban"])
    for item in data.overdue:
        overdue.append([item.title, item.unit, item.owner, item.deadline, item.days_overdue,
                        item.reminders, "Có" if item.flagged else ""])
    wb.save(str(path))


def render_all(data: BriefingData, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {kind: directory / f"{FILE_STEM}-{data.period.key}.{kind}"
             for kind in ("html", "docx", "xlsx")}
    paths["html"].write_text(render_html(data), encoding="utf-8")
    render_docx(data, paths["docx"])
    render_xlsx(data, paths["xlsx"])
    return paths
