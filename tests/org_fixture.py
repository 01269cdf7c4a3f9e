"""A small, hand-made organisation for tests (the demo seed is tested on its own)."""

from __future__ import annotations

from sqlmodel import Session

from giaoviec.store.models import Official, Unit

UNITS = [
    # id, name, kind, parent
    ("tinh", "UBND tỉnh Thử Nghiệm", "province", None),
    ("vp", "Văn phòng UBND tỉnh", "office", "tinh"),
    ("snv", "Sở Nội vụ", "department", "tinh"),
    ("snv-tccb", "Phòng Tổ chức cán bộ", "division", "snv"),
    ("stc", "Sở Tài chính", "department", "tinh"),
    ("xa1", "UBND xã Hòa Xá", "commune", "tinh"),
]
OFFICIALS = [
    # id, full name, unit, roles
    ("chutich", "Nguyễn Văn An", "tinh", "chairman"),
    ("pct", "Trần Thị Bình", "tinh", "vice_chairman"),
    ("vp.cv", "Lê Văn Cường", "vp", "office_staff"),
    ("gd.snv", "Phạm Thị Dung", "snv", "unit_head"),
    ("snv.cb1", "Hoàng Văn Em", "snv", "officer"),
    ("snv.cb2", "Vũ Thị Giang", "snv", "officer"),
    ("tp.tccb", "Đặng Văn Hải", "snv-tccb", "unit_head"),
    ("tccb.cb", "Bùi Thị Hoa", "snv-tccb", "officer"),
    ("gd.stc", "Đỗ Văn Khánh", "stc", "unit_head"),
    ("stc.cb", "Ngô Thị Lan", "stc", "officer"),
    ("ct.xa1", "Dương Văn Minh", "xa1", "chairman"),
    ("xa1.cb", "Lý Thị Ngọc", "xa1", "officer"),
]


def unit_path(unit_id: str) -> str:
    parents = {u[0]: u[3] for u in UNITS}
    chain: list[str] = []
    current: str | None = unit_id
    while current is not None:
        chain.append(current)
        current = parents[current]
    return "/" + "/".join(reversed(chain)) + "/"


def seed_small_org(session: Session) -> None:
    for order, (uid, name, kind, parent) in enumerate(UNITS):
        session.add(Unit(id=uid, name=name, kind=kind, parent_id=parent, path=unit_path(uid),
                         sort_order=order))
    session.flush()
    for oid, full_name, unit_id, roles in OFFICIALS:
        session.add(Official(id=oid, username=oid, full_name=full_name, unit_id=unit_id,
                             roles=roles, email=f"{oid}@giaoviec.local"))
    session.commit()
