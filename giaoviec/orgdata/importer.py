"""Load or update units and officials from a YAML or CSV file (`giaoviec import`).

The whole file is validated first, so a bad file never leaves half an organisation: reading
is giaoviec.orgdata.org_file, checking giaoviec.orgdata.org_checks; this module writes, and
records the hand-overs (giaoviec.orgdata.handovers) in the same transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from domain.substitution import departure
from giaoviec.orgdata.handovers import record_handovers
from giaoviec.orgdata.org_checks import (
    Issues,
    check_officials,
    check_tracking_units,
    check_units,
    compute_paths,
    file_order,
)
from giaoviec.orgdata.org_file import read_org_file, validation_failure
from giaoviec.store.models import Official, Task, Unit

__all__ = ["import_org", "record_handovers"]


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
    unit_raws, official_raws, shape_issues = read_org_file(Path(path))
    issues = Issues()
    issues.items.extend(shape_issues)

    file_units = check_units(unit_raws, issues)
    raws_by_key = {r.key: r for r in unit_raws}
    existing_units = {u.id: u for u in session.exec(select(Unit)).all()}
    parents: dict[str, str | None] = {uid: u.parent_id for uid, u in existing_units.items()}
    parents.update({u.id: u.parent for u in file_units})
    # Units dropped for a field error still count as known, so one typo is one issue.
    unit_ids = set(parents) | {str(r.data["id"]).strip() for r in unit_raws
                               if r.data.get("id") not in (None, "")}
    paths = compute_paths(parents, unit_ids, file_units, raws_by_key, issues)
    existing_officials = {o.id: o for o in session.exec(select(Official)).all()}
    file_officials = check_officials(official_raws, unit_ids, existing_officials, issues)
    check_tracking_units(file_units, paths, raws_by_key, issues)
    if issues.items:
        raise validation_failure(sorted(issues.items, key=file_order))

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


def import_summary(counts: dict[str, int]) -> str:
    """What an import did, in words an office reads: "Đã nạp tệp tổ chức: 5 đơn vị (tạo mới 5,
    cập nhật 0, giữ nguyên 0); …"."""
    def part(noun: str, total: int, created: int, updated: int) -> str:
        return (f"{total} {noun} (tạo mới {created}, cập nhật {updated}, "
                f"giữ nguyên {total - created - updated})")

    text = "Đã nạp tệp tổ chức: " + "; ".join((
        part("đơn vị", counts["units"], counts["units_created"], counts["units_updated"]),
        part("cán bộ", counts["officials"], counts["officials_created"],
             counts["officials_updated"]))) + "."
    if counts.get("handovers"):
        text += (f" Có {counts['handovers']} nhiệm vụ của cán bộ thôi công tác hoặc chuyển đơn "
                 "vị cần bàn giao.")
    return text
