"""Plans from files: an XLSX sheet in the shape offices keep (STT, nội dung nhiệm vụ, đơn vị
chủ trì, đơn vị phối hợp, sản phẩm, thời hạn), or YAML/JSON with the fields of `createPlan`.

A sheet names units and people as offices write them; `resolve` turns the names into ids
(`giaoviec.reads.plans.resolve_units`). One row of the sheet is one item of the plan; a cell
of several products (one a line) gives one task per product, each with its own deadline
(one line of "thời hạn" per product, or one for all).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import yaml
from sqlmodel import Session

from domain.errors import Code, DomainError, FieldIssue
from domain.plan import PlanDraft, PlanItem, PlanProduct
from domain.plan_limits import check_size
from domain.plan_terms import read_reporting
from domain.plan_wording import split_lines
from domain.ro import RO_NGUOI, RO_SAN_PHAM, RO_THOI_GIAN, RO_TRACH_NHIEM
from domain.task import Coordinator, DeadlineSpec
from domain.text import fold
from domain.titles import many_holders
from giaoviec.reads.plans import resolve_official, resolve_units
from giaoviec.services.xlsx_rows import XlsxError, first_sheet_rows

MAX_FILE_BYTES = 256 * 1024  # as much as the API takes in one request
MAX_COLUMNS = 40
MAX_CELL = 10_000

# Column headers (folded) → what they hold.
COLUMNS = {
    "stt": "stt", "so tt": "stt", "so thu tu": "stt",
    "noi dung nhiem vu": "description", "noi dung": "description", "nhiem vu": "description",
    "ten nhiem vu": "title",
    "don vi chu tri": "lead", "co quan chu tri": "lead", "chu tri": "lead",
    "don vi phoi hop": "coordinators", "co quan phoi hop": "coordinators",
    "phoi hop": "coordinators",
    "nguoi chiu trach nhiem": "owner", "nguoi chiu trach nhiem chinh": "owner",
    "san pham": "products", "san pham dau ra": "products", "ket qua, san pham": "products",
    "loai san pham": "kinds",
    "tieu chi": "measures", "tieu chi danh gia": "measures", "tieu chi do luong": "measures",
    "yeu cau": "measures",
    "thoi han": "terms", "thoi han hoan thanh": "terms", "thoi gian hoan thanh": "terms",
}
REQUIRED = {"description": "Nội dung nhiệm vụ", "lead": "Đơn vị chủ trì",
            "products": "Sản phẩm", "terms": "Thời hạn"}
META = {"so": "number", "so ke hoach": "number", "so, ky hieu": "number",
        "ngay": "issued_on", "ngay ban hanh": "issued_on",
        "trich yeu": "subject", "ten ke hoach": "subject", "can cu": "basis",
        # The cycle of its "Thường xuyên" duties: "Kỳ báo cáo: Hằng tháng".
        "ky bao cao": "reporting", "che do bao cao": "reporting", "chu ky bao cao": "reporting",
        "bao cao dinh ky": "reporting"}


def _fail(issues: list[FieldIssue]) -> DomainError:
    return DomainError(Code.VALIDATION, f"Tệp kế hoạch có {len(issues)} lỗi; chưa tạo nhiệm vụ "
                                        "nào.", issues)


def with_rows(err: DomainError) -> DomainError:
    """A refusal of a sheet: each fault's message begins with the row it is about ("Dòng 8:
    …"), as the faults found while reading the sheet do."""
    fields = [replace(f, message=f"Dòng {f.row}: {f.message}")
              if f.row is not None and not f.message.startswith("Dòng ") else f
              for f in err.fields]
    return replace(err, fields=fields)


def file_error(code: str, message: str) -> DomainError:
    return _fail([FieldIssue("file", code, message)])


# A sheet as offices write it ------------------------------------------------------------------


@dataclass
class SheetRow:
    row: int  # the row number the spreadsheet shows
    cells: dict[str, str]


@dataclass
class Sheet:
    meta: dict[str, str] = field(default_factory=dict)
    rows: list[SheetRow] = field(default_factory=list)
    meta_rows: dict[str, int] = field(default_factory=dict)  # where each header line stands


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_sheet(data: bytes) -> Sheet:
    """The first worksheet: the plan's header lines (Số, Ngày ban hành, Trích yếu, Căn cứ) above
    the table, then one item a row. Rows with no unit, product or deadline are headings.
    Blocking and bounded (`xlsx_rows`): run it with `xlsx_rows.off_loop`."""
    try:
        rows = first_sheet_rows(data, MAX_COLUMNS)
    except XlsxError as err:
        raise file_error(err.code, err.message) from None
    sheet = Sheet()
    header: dict[int, str] | None = None
    for number, values in rows:
        cells = [_text(v)[:MAX_CELL + 1] for v in values]
        if header is None:
            header = _header(cells)
            if header is None and (found_meta := _meta(cells)):
                sheet.meta[found_meta[0]] = found_meta[1]
                sheet.meta_rows[found_meta[0]] = number
            continue
        found = {header[i]: c for i, c in enumerate(cells) if i in header and c}
        if any(found.get(k) for k in ("lead", "products", "terms")):
            sheet.rows.append(SheetRow(number, found))
    if header is None:
        raise file_error("NO_HEADER", "Không thấy dòng tiêu đề của bảng (STT, Nội dung "
                                       "nhiệm vụ, Đơn vị chủ trì, Sản phẩm, Thời hạn…).")
    missing = [label for key, label in REQUIRED.items() if key not in header.values()]
    if missing:
        raise file_error("MISSING_COLUMN", f"Bảng thiếu cột: {', '.join(missing)}.")
    return sheet


def _header(cells: list[str]) -> dict[int, str] | None:
    found = {i: COLUMNS[fold(c).rstrip(":")] for i, c in enumerate(cells)
             if fold(c).rstrip(":") in COLUMNS}
    return found if len(set(found.values())) >= 3 else None


def _meta(cells: list[str]) -> tuple[str, str] | None:
    """A header line: its label and value in two cells ("Số:" | "45/KH-UBND"), or in one as on
    paper ("Số: 45/KH-UBND")."""
    filled = [c for c in cells if c]
    if len(filled) >= 2 and (key := META.get(fold(filled[0]).rstrip(":").strip())):
        return key, filled[1]
    if filled:
        label, colon, value = filled[0].partition(":")
        if colon and value.strip() and (key := META.get(fold(label).strip())):
            return key, value.strip()
    return None


@dataclass
class Resolved:
    draft: PlanDraft
    issues: list[FieldIssue]  # names that matched nothing, each with its row


def _lines_for(values: list[str], count: int) -> list[str | None] | None:
    """One value per product: as many lines as products, or one for all, or none."""
    if not values:
        return [None] * count
    if len(values) == 1:
        return values * count
    return values if len(values) == count else None


def resolve(session: Session, issuer_unit_id: str, sheet: Sheet) -> Resolved:
    """The sheet as a plan draft, names turned into ids; names that match nothing stay as
    written (the plan's validation then refuses them) and are reported with their row."""
    issues: list[FieldIssue] = []
    names = {n for r in sheet.rows for n in _unit_names(r)}
    units = resolve_units(session, issuer_unit_id, names)
    known = {i for ids in units.values() for i in ids}
    items: list[PlanItem] = []
    for i, r in enumerate(sheet.rows):
        here, c = f"items[{i}]", r.cells

        def add(name: str, code: str, ro: str, message: str, row: int = r.row) -> None:
            issues.append(FieldIssue(name, code, f"Dòng {row}: {message}", ro, row))

        leads: list[str] = []
        for name in split_lines(c.get("lead", "").replace(";", "\n")):
            ids = units.get(name)
            if not ids:
                add(f"{here}.leadUnitIds[{len(leads)}]", "UNKNOWN_LEAD_UNIT", RO_NGUOI,
                    f"không tìm thấy đơn vị chủ trì “{name}”.")
            leads += ids or [name]
        coordinators = []
        for k, line in enumerate(split_lines(c.get("coordinators"))):
            name, _, duty = line.partition(":")
            ids = units.get(name.strip())
            if not ids:
                add(f"{here}.coordinators[{k}].unitId", "UNKNOWN_COORDINATOR", RO_TRACH_NHIEM,
                    f"không tìm thấy đơn vị phối hợp “{name.strip()}”.")
            coordinators += [Coordinator(u, duty.strip()) for u in ids or [name.strip()]]
        owner = c.get("owner") or None
        if owner and len(leads) == 1 and leads[0] in known:
            # several units: the plan's validation refuses an owner; an unknown unit, its name
            found = resolve_official(session, leads[0], owner)
            if found.holders:
                add(f"{here}.ownerId", "AMBIGUOUS_OWNER", RO_NGUOI,
                    many_holders(owner, found.unit_name, found.holders))
            elif found.official_id is None:
                add(f"{here}.ownerId", "UNKNOWN_OWNER", RO_NGUOI,
                    f"không tìm thấy người chịu trách nhiệm “{owner}” trong đơn vị chủ trì "
                    "(ghi họ tên, tên đăng nhập, hoặc chức danh như “Chánh Văn phòng”, “Phó "
                    "Trưởng phòng Kinh tế”, “Công chức Phòng Văn hóa - Xã hội”).")
            owner = found.official_id or owner
        products = split_lines(c.get("products"))
        per = {key: _lines_for(split_lines(c.get(key)), len(products))
               for key in ("terms", "kinds", "measures")}
        for key, values in per.items():
            if values is None:  # said of each product, in place of its own missing value
                lines = len(split_lines(c.get(key)))
                for j in range(len(products)):
                    add(f"{here}.products[{j}].{_FIELD[key]}", "PRODUCT_LINES_MISMATCH",
                        RO_THOI_GIAN if key == "terms" else RO_SAN_PHAM,
                        f"cột “{_LABEL[key]}” có {lines} dòng cho {len(products)} sản phẩm: "
                        "cần một dòng cho mỗi sản phẩm, hoặc một dòng chung.")
                per[key] = [None] * len(products)
        items.append(PlanItem(
            # The duties one a line, without the bullets a sheet shows them with.
            lead_unit_ids=tuple(leads),
            description="\n".join(split_lines(c.get("description"))) or None,
            products=tuple(
                PlanProduct(description=p, kind=per["kinds"][j], measure=per["measures"][j],
                            term=per["terms"][j], title=c.get("title"))
                for j, p in enumerate(products)),
            owner_id=owner, coordinators=tuple(coordinators), row=r.row,
        ))
    meta = sheet.meta
    issued_on = None
    if meta.get("issued_on"):
        issued_on = _date(meta["issued_on"])
        if issued_on is None:
            row = sheet.meta_rows.get("issued_on")
            issues.append(FieldIssue("issuedOn", "INVALID_DATE",
                                     f"Dòng {row}: ngày ban hành “{meta['issued_on']}” không "
                                     "hợp lệ (ghi dd/mm/yyyy).", RO_THOI_GIAN, row))
    reporting = read_reporting(meta.get("reporting"), issues, sheet.meta_rows.get("reporting"))
    draft = PlanDraft(number=meta.get("number", ""), issued_on=issued_on,
                      subject=meta.get("subject", ""), basis=meta.get("basis"),
                      items=tuple(items), reporting=reporting)
    return Resolved(draft, issues)



_LABEL = {"terms": "Thời hạn", "kinds": "Loại sản phẩm", "measures": "Tiêu chí đánh giá"}
_FIELD = {"terms": "deadline", "kinds": "kind", "measures": "measure"}


def _unit_names(r: SheetRow) -> list[str]:
    names = split_lines(r.cells.get("lead", "").replace(";", "\n"))
    for line in split_lines(r.cells.get("coordinators")):
        names.append(line.partition(":")[0].strip())
    return names


def _date(text: str) -> date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


# YAML and JSON: the fields of createPlan ------------------------------------------------------


def read_document(data: bytes, suffix: str) -> PlanDraft:
    """A plan written as `createPlan`'s input (camelCase keys, unit and official ids)."""
    try:
        text = data.decode("utf-8-sig")
        doc = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (UnicodeDecodeError, ValueError, yaml.YAMLError):
        raise file_error("PARSE_ERROR", "Tệp kế hoạch sai cú pháp.") from None
    except RecursionError:  # nested deeper than the parser's stack
        raise file_error("PARSE_ERROR", "Tệp kế hoạch lồng nhau quá sâu.") from None
    issues: list[FieldIssue] = []
    draft = plan_from_mapping(doc, issues)
    if issues or draft is None:
        raise _fail(issues or [FieldIssue("file", "INVALID_TYPE",
                                          "Tệp phải là một bảng khóa–giá trị.")])
    return draft


def _str(v: Any, where: str, issues: list[FieldIssue], row: int | None = None) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    issues.append(FieldIssue(where, "INVALID_TYPE", "Giá trị phải là một chuỗi ký tự.", "", row))
    return None


def _list(v: Any, where: str, issues: list[FieldIssue], row: int | None = None) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, list):
        return v
    issues.append(FieldIssue(where, "INVALID_TYPE", "Giá trị phải là một danh sách.", "", row))
    return []


def plan_from_mapping(doc: Any, issues: list[FieldIssue]) -> PlanDraft | None:
    if not isinstance(doc, dict):
        return None
    raw_items = _list(doc.get("items"), "items", issues)
    # YAML aliases make a few KB stand for millions of tasks: refuse on the counts first.
    check_size(len(raw_items), [_raw_shape(raw) for raw in raw_items])
    items: list[PlanItem] = []
    for i, raw in enumerate(raw_items):
        row, here = i + 1, f"items[{i}]"
        if not isinstance(raw, dict):
            issues.append(FieldIssue(here, "INVALID_TYPE", "Mỗi dòng phải là một bảng khóa–giá "
                                                           "trị.", "", row))
            continue
        leads = [_str(u, f"{here}.leadUnitIds", issues, row) or ""
                 for u in _list(raw.get("leadUnitIds"), f"{here}.leadUnitIds", issues, row)]
        coordinators = []
        for k, c in enumerate(_list(raw.get("coordinators"), f"{here}.coordinators", issues,
                                    row)):
            where = f"{here}.coordinators[{k}]"
            if not isinstance(c, dict):
                issues.append(FieldIssue(where, "INVALID_TYPE", "Phải là một bảng khóa–giá trị.",
                                         "", row))
                continue
            coordinators.append(Coordinator(_str(c.get("unitId"), where, issues, row) or "",
                                            _str(c.get("duty"), where, issues, row) or ""))
        products = []
        for j, p in enumerate(_list(raw.get("products"), f"{here}.products", issues, row)):
            where = f"{here}.products[{j}]"
            if not isinstance(p, dict):
                issues.append(FieldIssue(where, "INVALID_TYPE", "Phải là một bảng khóa–giá trị.",
                                         "", row))
                continue
            products.append(PlanProduct(
                description=_str(p.get("description"), where, issues, row) or "",
                kind=_str(p.get("kind"), where, issues, row),
                measure=_str(p.get("measure"), where, issues, row),
                title=_str(p.get("title"), where, issues, row),
                term=_str(p.get("term"), where, issues, row),
                deadline=_deadline(p, where, issues, row),
            ))
        items.append(PlanItem(
            lead_unit_ids=tuple(leads), description=_str(raw.get("description"), here, issues,
                                                         row),
            products=tuple(products), owner_id=_str(raw.get("ownerId"), here, issues, row),
            coordinators=tuple(coordinators), row=row,
        ))
    issued = doc.get("issuedOn")
    issued_on = issued if isinstance(issued, date) else _date(str(issued)) if issued else None
    if issued and issued_on is None:
        issues.append(FieldIssue("issuedOn", "INVALID_DATE", "Ngày ban hành không hợp lệ."))
    return PlanDraft(
        number=_str(doc.get("number"), "number", issues) or "", issued_on=issued_on,
        subject=_str(doc.get("subject"), "subject", issues) or "",
        basis=_str(doc.get("basis"), "basis", issues), items=tuple(items),
        fulfils_task_id=_str(doc.get("fulfilsTaskId"), "fulfilsTaskId", issues),
        reporting=read_reporting(_str(doc.get("reporting"), "reporting", issues), issues),
    )


def _raw_shape(raw: Any) -> tuple[int, int]:
    if not isinstance(raw, dict):
        return 0, 0
    leads, products = raw.get("leadUnitIds"), raw.get("products")
    return (len(leads) if isinstance(leads, list) else 0,
            len(products) if isinstance(products, list) else 0)


def _deadline(p: dict[str, Any], where: str, issues: list[FieldIssue], row: int) -> DeadlineSpec:
    on_date = p.get("deadlineDate")
    working = p.get("workingDays")
    at = p.get("deadline")
    spec = DeadlineSpec()
    try:
        if on_date is not None:
            spec = replace(spec, on_date=on_date if isinstance(on_date, date)
                           else date.fromisoformat(str(on_date)))
        if working is not None:
            if isinstance(working, bool) or not isinstance(working, int):
                raise ValueError
            spec = replace(spec, working_days=working)
        if at is not None:
            spec = replace(spec, at=at if isinstance(at, datetime)
                           else datetime.fromisoformat(str(at)))
    except ValueError:
        issues.append(FieldIssue(f"{where}.deadline", "INVALID_DEADLINE",
                                 "Thời hạn không hợp lệ.", RO_THOI_GIAN, row))
    return spec
