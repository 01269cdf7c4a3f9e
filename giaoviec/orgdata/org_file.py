"""Reading an organisation file (`giaoviec import`): YAML or CSV into raw records, each with
where it came from, and the file-level problems (bad syntax, unknown format, wrong shape)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from domain.errors import Code, DomainError, FieldIssue, not_found


@dataclass
class Raw:
    """One record as read from the file, with where it came from for error messages."""

    key: str  # "units[3]"
    place: str  # "dòng 5" / "mục 4", for people
    data: dict[str, Any]


def validation_failure(issues: list[FieldIssue]) -> DomainError:
    return DomainError(
        Code.VALIDATION,
        f"Tệp dữ liệu tổ chức có {len(issues)} lỗi; chưa ghi dữ liệu nào.",
        issues,
    )


def file_error(code: str, message: str) -> DomainError:
    return validation_failure([FieldIssue(field="file", code=code, message=message)])


_UNIT_CSV = ("unit_id", "name", "kind", "parent_id")
_OFFICIAL_CSV = ("username", "full_name", "unit_id", "roles")
# CSV columns → the YAML keys the validators speak.
_UNIT_RENAME = {"unit_id": "id", "parent_id": "parent"}
_OFFICIAL_RENAME = {"official_id": "id", "unit_id": "unit"}


# Records of units, of officials, and problems with the file's shape found while reading.
Parsed = tuple[list[Raw], list[Raw], list[FieldIssue]]


def _read_csv(text: str) -> Parsed:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    is_units = all(h in header for h in _UNIT_CSV)
    is_officials = all(h in header for h in _OFFICIAL_CSV)
    if is_units == is_officials:
        raise file_error(
            "UNKNOWN_CSV_HEADER",
            "Không nhận ra loại tệp CSV: dòng tiêu đề phải có "
            f"“{','.join(_UNIT_CSV)}” (đơn vị) hoặc “{','.join(_OFFICIAL_CSV)}” (cán bộ).",
        )
    section, rename = ("units", _UNIT_RENAME) if is_units else ("officials", _OFFICIAL_RENAME)
    rows: list[Raw] = []
    for row in reader:
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue  # blank lines that spreadsheets leave at the end
        data = {rename.get(k, k): v for k, v in row.items() if k is not None and v is not None}
        rows.append(Raw(f"{section}[{len(rows)}]", f"dòng {reader.line_num}", data))
    return (rows, [], []) if is_units else ([], rows, [])


def _read_yaml(text: str) -> Parsed:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (dòng {mark.line + 1}, cột {mark.column + 1})" if mark is not None else ""
        raise file_error("PARSE_ERROR", f"Tệp YAML sai cú pháp{where}.") from exc
    if not isinstance(doc, dict) or not ({"units", "officials"} & doc.keys()):
        raise file_error("EMPTY", "Tệp YAML phải có danh sách “units” và/hoặc “officials”.")
    out: list[list[Raw]] = []
    issues: list[FieldIssue] = []
    for section in ("units", "officials"):
        items = doc.get(section) or []
        if not isinstance(items, list):
            issues.append(
                FieldIssue(section, "INVALID_TYPE", f"“{section}” phải là một danh sách.")
            )
            items = []
        raws: list[Raw] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                issues.append(FieldIssue(
                    f"{section}[{i}]", "INVALID_TYPE",
                    f"Mục {i + 1} của “{section}” phải là một bảng khóa–giá trị.",
                ))
                continue
            raws.append(Raw(f"{section}[{i}]", f"mục {i + 1} của “{section}”", item))
        out.append(raws)
    return out[0], out[1], issues


def read_org_file(path: Path) -> Parsed:
    if not path.is_file():
        raise not_found(f"Không tìm thấy tệp “{path}”.")
    # utf-8-sig: spreadsheets often save CSV with a byte-order mark.
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return _read_yaml(text)
    if suffix == ".csv":
        return _read_csv(text)
    raise file_error("UNSUPPORTED_FORMAT", "Chỉ nhận tệp .yaml, .yml hoặc .csv.")
