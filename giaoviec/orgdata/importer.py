"""Load or update units and officials from a YAML or CSV file (`giaoviec import`).

The whole file is validated first, so a bad file never leaves half an organisation.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import update
from sqlmodel import Session, col, select

from domain.errors import Code, DomainError, FieldIssue, not_found
from domain.lifecycle import TERMINAL_STATES
from domain.org import Role
from domain.substitution import departure
from domain.text import fold
from giaoviec.store.models import HandOver, Official, Task, Unit, utcnow

_CLOSED = [s.value for s in TERMINAL_STATES]

# --------------------------------------------------------------------------- import

_ID_RE = re.compile(r"^[^\s/]+$")  # "/" is the path separator, so it may not appear in an id
_USERNAME_RE = re.compile(r"^\S+$")
_ROLE_SPLIT = re.compile(r"[\s,;]+")
_VALID_ROLES = frozenset(r.value for r in Role)
_MISSING = object()


@dataclass
class _Raw:
    """One record as read from the file, with where it came from for error messages."""

    key: str  # "units[3]"
    place: str  # "dòng 5" / "mục 4", for people
    data: dict[str, Any]


@dataclass
class _UnitIn:
    key: str
    id: str
    name: str
    kind: str
    parent: str | None
    optional: dict[str, Any]  # code / sort_order, only when the file gives them


@dataclass
class _OfficialIn:
    key: str
    id: str
    username: str
    full_name: str
    unit: str
    roles: str
    optional: dict[str, Any]  # title / email, only when the file gives them


class _Issues:
    def __init__(self) -> None:
        self.items: list[FieldIssue] = []

    def add(self, raw: _Raw, name: str, code: str, message: str) -> None:
        place = raw.place[:1].upper() + raw.place[1:]
        self.items.append(FieldIssue(field=f"{raw.key}.{name}", code=code,
                                     message=f"{place}: {message}"))

    def text(
        self, raw: _Raw, name: str, label: str, max_len: int, *, required: bool = True
    ) -> Any:
        """A cleaned string; None for an absent or empty optional value; _MISSING when a
        required value is absent or any value is invalid (the issue is then recorded)."""
        if name not in raw.data:
            if required:
                self.add(raw, name, "MISSING_FIELD", f"thiếu trường bắt buộc “{label}”.")
                return _MISSING
            return None
        value = raw.data[name]
        if isinstance(value, (bool, list, dict)):
            self.add(raw, name, "INVALID_TYPE", f"“{label}” phải là một chuỗi ký tự.")
            return _MISSING
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                self.add(raw, name, "MISSING_FIELD", f"trường bắt buộc “{label}” đang để trống.")
                return _MISSING
            return None
        if len(text) > max_len:
            self.add(raw, name, "TOO_LONG", f"“{label}” dài quá {max_len} ký tự.")
            return _MISSING
        return text


def _fail(issues: list[FieldIssue]) -> DomainError:
    return DomainError(
        Code.VALIDATION,
        f"Tệp dữ liệu tổ chức có {len(issues)} lỗi; chưa ghi dữ liệu nào.",
        issues,
    )


def _file_error(code: str, message: str) -> DomainError:
    return _fail([FieldIssue(field="file", code=code, message=message)])


_UNIT_CSV = ("unit_id", "name", "kind", "parent_id")
_OFFICIAL_CSV = ("username", "full_name", "unit_id", "roles")
# CSV columns → the YAML keys the validators speak.
_UNIT_RENAME = {"unit_id": "id", "parent_id": "parent"}
_OFFICIAL_RENAME = {"official_id": "id", "unit_id": "unit"}


# Records of units, of officials, and problems with the file's shape found while reading.
_Parsed = tuple[list[_Raw], list[_Raw], list[FieldIssue]]


def _read_csv(text: str) -> _Parsed:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    is_units = all(h in header for h in _UNIT_CSV)
    is_officials = all(h in header for h in _OFFICIAL_CSV)
    if is_units == is_officials:
        raise _file_error(
            "UNKNOWN_CSV_HEADER",
            "Không nhận ra loại tệp CSV: dòng tiêu đề phải có "
            f"“{','.join(_UNIT_CSV)}” (đơn vị) hoặc “{','.join(_OFFICIAL_CSV)}” (cán bộ).",
        )
    section, rename = ("units", _UNIT_RENAME) if is_units else ("officials", _OFFICIAL_RENAME)
    rows: list[_Raw] = []
    for row in reader:
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue  # blank lines that spreadsheets leave at the end
        data = {rename.get(k, k): v for k, v in row.items() if k is not None and v is not None}
        rows.append(_Raw(f"{section}[{len(rows)}]", f"dòng {reader.line_num}", data))
    return (rows, [], []) if is_units else ([], rows, [])


def _read_yaml(text: str) -> _Parsed:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (dòng {mark.line + 1}, cột {mark.column + 1})" if mark is not None else ""
        raise _file_error("PARSE_ERROR", f"Tệp YAML sai cú pháp{where}.") from exc
    if not isinstance(doc, dict) or not ({"units", "officials"} & doc.keys()):
        raise _file_error("EMPTY", "Tệp YAML phải có danh sách “units” và/hoặc “officials”.")
    out: list[list[_Raw]] = []
    issues: list[FieldIssue] = []
    for section in ("units", "officials"):
        items = doc.get(section) or []
        if not isinstance(items, list):
            issues.append(
                FieldIssue(section, "INVALID_TYPE", f"“{section}” phải là một danh sách.")
            )
            items = []
        raws: list[_Raw] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                issues.append(FieldIssue(
                    f"{section}[{i}]", "INVALID_TYPE",
                    f"Mục {i + 1} của “{section}” phải là một bảng khóa–giá trị.",
                ))
                continue
            raws.append(_Raw(f"{section}[{i}]", f"mục {i + 1} của “{section}”", item))
        out.append(raws)
    return out[0], out[1], issues


def _read(path: Path) -> _Parsed:
    if not path.is_file():
        raise not_found(f"Không tìm thấy tệp “{path}”.")
    # utf-8-sig: spreadsheets often save CSV with a byte-order mark.
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return _read_yaml(text)
    if suffix == ".csv":
        return _read_csv(text)
    raise _file_error("UNSUPPORTED_FORMAT", "Chỉ nhận tệp .yaml, .yml hoặc .csv.")


def _check_units(raws: Sequence[_Raw], issues: _Issues) -> list[_UnitIn]:
    units: list[_UnitIn] = []
    seen: set[str] = set()
    for raw in raws:
        uid = issues.text(raw, "id", "mã đơn vị", 64)
        if uid is not _MISSING and not _ID_RE.match(uid):
            issues.add(raw, "id", "INVALID_ID",
                       f"mã đơn vị “{uid}” không được chứa khoảng trắng hay dấu “/”.")
            uid = _MISSING
        elif uid is not _MISSING and uid in seen:
            issues.add(raw, "id", "DUPLICATE_ID", f"mã đơn vị “{uid}” bị trùng trong tệp.")
            uid = _MISSING
        name = issues.text(raw, "name", "tên đơn vị", 255)
        kind = issues.text(raw, "kind", "loại đơn vị", 32)
        parent = issues.text(raw, "parent", "đơn vị cấp trên", 64, required=False)
        optional: dict[str, Any] = {}
        if "code" in raw.data:
            code = issues.text(raw, "code", "mã hành chính", 32, required=False)
            if code is not _MISSING:
                optional["code"] = code
        if raw.data.get("tracking_unit") not in (None, ""):
            # The unit it names to track its tasks and prepare its briefing (default: its
            # Văn phòng); set once every unit exists, checked to lie inside it.
            tracking = issues.text(raw, "tracking_unit", "đơn vị theo dõi", 64, required=False)
            if tracking is not _MISSING:
                optional["tracking_unit_id"] = tracking
        if raw.data.get("sort_order") not in (None, ""):
            try:
                optional["sort_order"] = int(raw.data["sort_order"])
            except (TypeError, ValueError):
                issues.add(raw, "sort_order", "INVALID_TYPE", "“thứ tự” phải là số nguyên.")
        if uid is not _MISSING:
            seen.add(uid)
        if _MISSING not in (uid, name, kind, parent):
            units.append(_UnitIn(raw.key, uid, name, kind, parent, optional))
    return units


def _compute_paths(
    parents: dict[str, str | None], known: set[str], file_units: Sequence[_UnitIn],
    raws: dict[str, _Raw], issues: _Issues,
) -> dict[str, str]:
    """The path of every unit whose chain reaches a root; reports unknown parents and loops.

    `parents` is the tree after the import (stored rows overlaid with the file); `known` also
    holds ids of file units dropped for other errors, which are not reported twice.
    """
    for u in file_units:
        if u.parent is not None and u.parent not in known:
            issues.add(raws[u.key], "parent", "UNKNOWN_PARENT",
                       f"đơn vị cấp trên “{u.parent}” của “{u.id}” không có trong tệp "
                       "lẫn trong dữ liệu hiện có.")
    file_keys = {u.id: u.key for u in file_units}
    paths: dict[str, str] = {}
    broken: set[str] = set()
    for start in parents:
        chain: list[str] = []
        node: str | None = start
        prefix: str | None = None
        # Walk up to a root or to a unit already placed; stop at anything that cannot be placed.
        while True:
            if node is None:
                prefix = "/"
                break
            if node in paths:
                prefix = paths[node]
                break
            if node in broken or node not in parents:
                break
            if node in chain:
                # The stored tree has no loops, so a loop always runs through a file unit.
                loop = chain[chain.index(node):]
                shown = " → ".join([*loop, node])
                for member in loop:
                    if member in file_keys:
                        issues.add(raws[file_keys[member]], "parent", "CYCLE",
                                   f"đơn vị “{member}” nằm trong vòng lặp cấp trên: {shown}.")
                break
            chain.append(node)
            node = parents[node]
        if prefix is None:
            broken.update(chain)
            continue
        for uid in reversed(chain):
            prefix = paths[uid] = prefix + uid + "/"
    return paths


def _split_roles(value: Any) -> list[str] | None:
    if isinstance(value, str):
        items = _ROLE_SPLIT.split(value)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = [p for v in value for p in _ROLE_SPLIT.split(v)]
    else:
        return None
    return list(dict.fromkeys(i.strip() for i in items if i.strip()))


def _check_officials(
    raws: Sequence[_Raw], unit_ids: set[str], existing: dict[str, Official], issues: _Issues
) -> list[_OfficialIn]:
    by_username = {o.username: o.id for o in existing.values()}
    out: list[_OfficialIn] = []
    seen_ids: set[str] = set()
    seen_usernames: set[str] = set()
    for raw in raws:
        username = issues.text(raw, "username", "tên đăng nhập", 128)
        if username is not _MISSING and not _USERNAME_RE.match(username):
            issues.add(raw, "username", "INVALID_USERNAME",
                       f"tên đăng nhập “{username}” không được chứa khoảng trắng.")
            username = _MISSING
        oid = issues.text(raw, "id", "mã cán bộ", 64, required=False)
        derived = oid is None
        if derived and username is not _MISSING:
            # No id given: the official already known by this username, else the username.
            oid = by_username.get(username, username)
        if isinstance(oid, str) and not _ID_RE.match(oid):
            issues.add(raw, "id", "INVALID_ID", f"mã cán bộ “{oid}” không hợp lệ.")
            oid = _MISSING
        if isinstance(oid, str):
            if derived and username in seen_usernames:
                oid = _MISSING  # the repeated username below says it all
            elif oid in seen_ids:
                issues.add(raw, "id", "DUPLICATE_ID", f"mã cán bộ “{oid}” bị trùng trong tệp.")
                oid = _MISSING
            else:
                seen_ids.add(oid)
        if isinstance(username, str):
            owner = by_username.get(username)
            if username in seen_usernames:
                issues.add(raw, "username", "DUPLICATE_USERNAME",
                           f"tên đăng nhập “{username}” bị trùng trong tệp.")
                username = _MISSING
            elif owner is not None and isinstance(oid, str) and owner != oid:
                issues.add(raw, "username", "DUPLICATE_USERNAME",
                           f"tên đăng nhập “{username}” đã thuộc về cán bộ “{owner}”.")
                username = _MISSING
            else:
                seen_usernames.add(username)
        full_name = issues.text(raw, "full_name", "họ và tên", 255)
        unit = issues.text(raw, "unit", "đơn vị", 64)
        if isinstance(unit, str) and unit not in unit_ids:
            issues.add(raw, "unit", "UNKNOWN_UNIT",
                       f"đơn vị “{unit}” không có trong tệp lẫn trong dữ liệu hiện có.")
        roles: list[str] | None = None
        if "roles" not in raw.data or raw.data["roles"] in (None, "", []):
            issues.add(raw, "roles", "MISSING_FIELD", "thiếu vai trò (“roles”).")
        else:
            roles = _split_roles(raw.data["roles"])
            if not roles:
                issues.add(raw, "roles", "INVALID_TYPE",
                           "vai trò phải là danh sách hoặc chuỗi cách nhau bởi dấu cách.")
                roles = None
            elif unknown := [r for r in roles if r not in _VALID_ROLES]:
                issues.add(raw, "roles", "UNKNOWN_ROLE",
                           f"vai trò không hợp lệ: {', '.join(unknown)} "
                           f"(hợp lệ: {', '.join(r.value for r in Role)}).")
                roles = None
        optional: dict[str, Any] = {}
        if raw.data.get("active") not in (None, ""):
            active = _flag(raw.data["active"])
            if active is None:
                issues.add(raw, "active", "INVALID_TYPE",
                           "“đang công tác” (active) phải là true/false (có/không).")
            else:
                optional["active"] = active
        for key, label, max_len in (("title", "chức vụ", 255), ("email", "thư điện tử", 255)):
            if key in raw.data:
                value = issues.text(raw, key, label, max_len, required=False)
                if key == "email" and isinstance(value, str) and "@" not in value:
                    issues.add(raw, key, "INVALID_EMAIL", f"địa chỉ thư “{value}” không hợp lệ.")
                    value = _MISSING
                if value is not _MISSING:
                    optional[key] = value
        values = (oid, username, full_name, unit)
        if all(isinstance(v, str) for v in values) and roles and unit in unit_ids:
            out.append(_OfficialIn(raw.key, oid, username, full_name, unit, " ".join(roles),
                                   optional))
    return out


_TRUE = {"true", "1", "yes", "co", "x"}
_FALSE = {"false", "0", "no", "khong"}


def _flag(value: Any) -> bool | None:
    """true/false, 1/0, có/không — as a YAML boolean or as CSV text."""
    if isinstance(value, bool):
        return value
    text = fold(str(value))
    return True if text in _TRUE else False if text in _FALSE else None


def _file_order(issue: FieldIssue) -> tuple[int, int]:
    """Units before officials, each in file order, so a list of problems reads top to bottom."""
    m = re.match(r"(units|officials)\[(\d+)\]", issue.field)
    if m is None:
        return (-1 if issue.field == "file" else 2, 0)
    return (0 if m.group(1) == "units" else 1, int(m.group(2)))


def _assign(row: Any, values: dict[str, Any]) -> bool:
    """Set the fields that differ; True when anything changed."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def import_org(session: Session, path: Path) -> dict[str, int]:
    """Import or update (by id) units and officials from a YAML or CSV file. Commits.

    Everything is checked before anything is written: any problem raises one VALIDATION
    DomainError listing every issue. Returns counts of rows in the file and of rows created
    or changed; importing the same file twice changes nothing the second time.
    """
    unit_raws, official_raws, shape_issues = _read(Path(path))
    issues = _Issues()
    issues.items.extend(shape_issues)

    file_units = _check_units(unit_raws, issues)
    raws_by_key = {r.key: r for r in unit_raws}
    existing_units = {u.id: u for u in session.exec(select(Unit)).all()}
    parents: dict[str, str | None] = {uid: u.parent_id for uid, u in existing_units.items()}
    parents.update({u.id: u.parent for u in file_units})
    # Units dropped for a field error still count as known, so one typo is one issue.
    unit_ids = set(parents) | {str(r.data["id"]).strip() for r in unit_raws
                               if r.data.get("id") not in (None, "")}
    paths = _compute_paths(parents, unit_ids, file_units, raws_by_key, issues)
    for u in file_units:
        target = u.optional.get("tracking_unit_id")
        if target is not None and (target == u.id or target not in paths or u.id not in paths
                                   or not paths[target].startswith(paths[u.id])):
            issues.add(raws_by_key[u.key], "tracking_unit", "UNKNOWN_UNIT",
                       f"đơn vị theo dõi “{target}” phải là một đơn vị thuộc “{u.id}”.")
    existing_officials = {o.id: o for o in session.exec(select(Official)).all()}
    file_officials = _check_officials(official_raws, unit_ids, existing_officials, issues)
    if issues.items:
        raise _fail(sorted(issues.items, key=_file_order))

    counts = {"units": len(file_units), "officials": len(file_officials), "units_created": 0,
              "units_updated": 0, "officials_created": 0, "officials_updated": 0}
    # New units first, shallowest first, so every foreign key points at a row already there;
    # only then move existing units, whose new parent may be one of the new units.
    # (The unit of work inserts rows of one table in the order they were added.)
    next_order = max((u.sort_order for u in existing_units.values()), default=-1) + 1
    tracking = {u.id: u.optional.pop("tracking_unit_id") for u in file_units
                if "tracking_unit_id" in u.optional}
    for position, u in sorted(enumerate(file_units), key=lambda p: paths[p[1].id].count("/")):
        if u.id not in existing_units:
            values = {"sort_order": next_order + position, **u.optional}
            session.add(Unit(id=u.id, name=u.name, kind=u.kind, parent_id=u.parent,
                             path=paths[u.id], **values))
            counts["units_created"] += 1
    session.flush()
    touched: set[str] = set()
    for u in file_units:
        if u.id in existing_units and _assign(existing_units[u.id], {
            "name": u.name, "kind": u.kind, "parent_id": u.parent, **u.optional,
        }):
            touched.add(u.id)
    session.flush()
    # A moved unit moves its whole subtree: refresh every stale path, and the tasks that
    # copy their lead unit's path for subtree queries.
    for uid, row in existing_units.items():
        if row.path != paths[uid]:
            row.path = paths[uid]
            touched.add(uid)
            session.exec(
                update(Task).where(Task.lead_unit_id == uid).values(lead_unit_path=paths[uid])
            )
    session.flush()
    for uid, target in tracking.items():  # every unit exists now
        row = existing_units.get(uid) or session.get(Unit, uid)
        if row is not None and _assign(row, {"tracking_unit_id": target}):
            touched.add(uid)
    counts["units_updated"] = len(touched & set(existing_units))
    session.flush()

    departures: list[tuple[str, str]] = []
    for o in file_officials:
        values = {"username": o.username, "full_name": o.full_name, "unit_id": o.unit,
                  "roles": o.roles, **o.optional}
        row = existing_officials.get(o.id)
        if row is None:
            session.add(Official(id=o.id, **values))
            counts["officials_created"] += 1
            continue
        was_active, old_unit = row.active, row.unit_id
        if _assign(row, values):
            counts["officials_updated"] += 1
            reason = departure(was_active, old_unit, row.active, row.unit_id)
            if reason is not None:
                departures.append((row.id, reason))
    session.flush()
    counts["handovers"] = record_handovers(session, departures)
    session.commit()
    return counts


def record_handovers(session: Session, departures: Sequence[tuple[str, str]]) -> int:
    """Every open task of an official who left its lead unit, to be handed to the unit's head
    (giaoviec.services.handover): recorded with the import, in the same transaction, so none
    is forgotten."""
    now = utcnow()
    made = 0
    for official_id, reason in departures:
        official = session.get(Official, official_id)
        assert official is not None
        tasks = session.exec(select(Task).where(
            Task.owner_id == official_id, col(Task.state).not_in(_CLOSED))).all()
        for task in tasks:
            if official.active and task.lead_unit_id == official.unit_id:
                continue  # moved into the very unit that leads it: still his
            if session.get(HandOver, (task.id, official_id)) is None:
                session.add(HandOver(task_id=task.id, from_official_id=official_id,
                                     reason=reason, created_at=now))
                made += 1
    return made

