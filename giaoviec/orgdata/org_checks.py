"""Checking an organisation file's records before anything is written: every unit and
official field, the tree the units make with the stored ones (unknown parents, loops), and
usernames unique across file and database. Every problem is collected, none raised here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.errors import FieldIssue
from domain.org import UNIT_KINDS, Role
from domain.text import fold
from giaoviec.orgdata.org_file import Raw
from giaoviec.store.models import Official

_ID_RE = re.compile(r"^[^\s/]+$")  # "/" is the path separator, so it may not appear in an id
_USERNAME_RE = re.compile(r"^\S+$")
_ROLE_SPLIT = re.compile(r"[\s,;]+")
_VALID_ROLES = frozenset(r.value for r in Role)
_MISSING = object()


@dataclass
class UnitIn:
    key: str
    id: str
    name: str
    kind: str
    parent: str | None
    optional: dict[str, Any]  # code / sort_order / tracking unit, when the file gives them


@dataclass
class OfficialIn:
    key: str
    id: str
    username: str
    full_name: str
    unit: str
    roles: str
    optional: dict[str, Any]  # title / email, only when the file gives them


class Issues:
    def __init__(self) -> None:
        self.items: list[FieldIssue] = []

    def add(self, raw: Raw, name: str, code: str, message: str) -> None:
        place = raw.place[:1].upper() + raw.place[1:]
        self.items.append(FieldIssue(field=f"{raw.key}.{name}", code=code,
                                     message=f"{place}: {message}"))

    def text(
        self, raw: Raw, name: str, label: str, max_len: int, *, required: bool = True
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


def check_units(raws: Sequence[Raw], issues: Issues) -> list[UnitIn]:
    units: list[UnitIn] = []
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
        if kind is not _MISSING and kind not in UNIT_KINDS:
            valid = "; ".join(f"{k} ({label})" for k, label in UNIT_KINDS.items())
            issues.add(raw, "kind", "UNKNOWN_KIND",
                       f"loại đơn vị “{kind}” không có; các loại hợp lệ: {valid}.")
            kind = _MISSING
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
            units.append(UnitIn(raw.key, uid, name, kind, parent, optional))
    return units


def compute_paths(
    parents: dict[str, str | None], known: set[str], file_units: Sequence[UnitIn],
    raws: dict[str, Raw], issues: Issues,
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


def check_officials(
    raws: Sequence[Raw], unit_ids: set[str], existing: dict[str, Official], issues: Issues
) -> list[OfficialIn]:
    by_username = {o.username: o.id for o in existing.values()}
    out: list[OfficialIn] = []
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
            out.append(OfficialIn(raw.key, oid, username, full_name, unit, " ".join(roles),
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


def file_order(issue: FieldIssue) -> tuple[int, int]:
    """Units before officials, each in file order, so a list of problems reads top to bottom."""
    m = re.match(r"(units|officials)\[(\d+)\]", issue.field)
    if m is None:
        return (-1 if issue.field == "file" else 2, 0)
    return (0 if m.group(1) == "units" else 1, int(m.group(2)))


def check_tracking_units(file_units: Sequence[UnitIn], paths: dict[str, str],
                         raws_by_key: dict[str, Raw], issues: Issues) -> None:
    """A unit's tracking unit must be one of the units inside it."""
    for u in file_units:
        target = u.optional.get("tracking_unit_id")
        if target is not None and (target == u.id or target not in paths or u.id not in paths
                                   or not paths[target].startswith(paths[u.id])):
            issues.add(raws_by_key[u.key], "tracking_unit", "UNKNOWN_UNIT",
                       f"đơn vị theo dõi “{target}” phải là một đơn vị thuộc “{u.id}”.")
