"""Organisation data: demo and national seeds from `vietnam-provinces`.

The seeds give every environment (demo, tests, load tests) a realistic tree of People's
Committees after the 2025 reform. Loading a province's own file is `giaoviec.orgdata.importer`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select
from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

from domain.errors import not_found
from domain.org import Role
from giaoviec.store.models import Official, Unit

AN_GIANG = 91
EMAIL_DOMAIN = "giaoviec.local"

# --------------------------------------------------------------------------- package data


@lru_cache(maxsize=1)
def _divisions() -> tuple[dict[str, Any], ...]:
    """Provinces with their communes, as `vietnam-provinces` ships them (official order)."""
    data = json.loads(NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    return tuple(data)


def _province(code: int) -> dict[str, Any]:
    for p in _divisions():
        if p["code"] == code:
            return p
    raise not_found(f"Không có tỉnh, thành phố mã {code} trong danh mục hành chính.")


def _level(division: dict[str, Any]) -> str:
    """The word that follows "UBND": tỉnh, thành phố, xã, phường or đặc khu."""
    kind = str(division["division_type"])
    return "thành phố" if kind == "thành phố trung ương" else kind


def _committee_name(division: dict[str, Any]) -> str:
    """The People's Committee of a division: "Xã Mỹ Hòa Hưng" → "UBND xã Mỹ Hòa Hưng"."""
    name, level = str(division["name"]), _level(division)
    if name.lower().startswith(level + " "):
        name = name[len(level) + 1 :]
    return f"UBND {level} {name}"


def _slug(codename: str) -> str:
    """Initials of the package's codename: "an_giang" → "ag", "ho_chi_minh" → "hcm"."""
    return "".join(part[0] for part in codename.split("_") if part)


# --------------------------------------------------------------------------- names

# Fixed lists, walked with fixed strides, so every run gives the same people. Every family
# name carries a diacritic, so each full name shows the text survived the round trip intact.
_HO = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ",
    "Ngô", "Dương", "Lý", "Trương", "Đinh", "Lâm", "Tạ", "Châu",
)
_DEM_NAM = ("Văn", "Minh", "Hữu", "Đức", "Quốc", "Thanh", "Công", "Xuân", "Tấn", "Trọng")
_DEM_NU = ("Thị", "Ngọc", "Thu", "Kim", "Thanh", "Bích", "Mỹ", "Thùy")
_TEN_NAM = (
    "An", "Bình", "Cường", "Dũng", "Hùng", "Hải", "Hiếu", "Khoa", "Long", "Lộc", "Nghĩa",
    "Phúc", "Quang", "Sơn", "Tâm", "Thắng", "Trung", "Tuấn", "Vinh", "Việt", "Khải", "Đạt",
)
_TEN_NU = (
    "Anh", "Châu", "Dung", "Hạnh", "Hằng", "Hương", "Lan", "Linh", "Loan", "Mai", "Nga",
    "Nhung", "Phương", "Thảo", "Trang", "Uyên", "Vân", "Yến",
)


def vietnamese_name(i: int) -> str:
    """The i-th demo official's full name (họ, tên đệm, tên); about 2 in 5 are women."""
    ho = _HO[(i * 7 + i // 11) % len(_HO)]
    if i % 5 in (1, 3):
        return f"{ho} {_DEM_NU[(i * 3) % len(_DEM_NU)]} {_TEN_NU[(i * 5) % len(_TEN_NU)]}"
    return f"{ho} {_DEM_NAM[(i * 3) % len(_DEM_NAM)]} {_TEN_NAM[(i * 5) % len(_TEN_NAM)]}"


# --------------------------------------------------------------------------- demo structure


@dataclass(frozen=True)
class _Dept:
    slug: str
    name: str
    head_title: str
    divisions: tuple[tuple[str, str], ...]  # (slug, name)


_DEPARTMENTS: tuple[_Dept, ...] = (
    _Dept("snv", "Sở Nội vụ", "Giám đốc Sở",
          (("tccb", "Phòng Tổ chức cán bộ"), ("cchc", "Phòng Cải cách hành chính"))),
    _Dept("stc", "Sở Tài chính", "Giám đốc Sở",
          (("qlns", "Phòng Quản lý ngân sách"), ("dt", "Phòng Đầu tư"))),
    _Dept("sxd", "Sở Xây dựng", "Giám đốc Sở", (("qlxd", "Phòng Quản lý xây dựng"),)),
    _Dept("syt", "Sở Y tế", "Giám đốc Sở",
          (("nvy", "Phòng Nghiệp vụ Y"), ("khtc", "Phòng Kế hoạch - Tài chính"))),
    _Dept("sgddt", "Sở Giáo dục và Đào tạo", "Giám đốc Sở",
          (("gdpt", "Phòng Giáo dục phổ thông"),)),
    _Dept("snnmt", "Sở Nông nghiệp và Môi trường", "Giám đốc Sở",
          (("qldd", "Phòng Quản lý đất đai"), ("mt", "Phòng Môi trường"))),
    _Dept("skhcn", "Sở Khoa học và Công nghệ", "Giám đốc Sở",
          (("cds", "Phòng Chuyển đổi số"),)),
    _Dept("svhttdl", "Sở Văn hóa, Thể thao và Du lịch", "Giám đốc Sở",
          (("qlvh", "Phòng Quản lý văn hóa"), ("qldl", "Phòng Quản lý du lịch"))),
    _Dept("tt", "Thanh tra tỉnh", "Chánh Thanh tra tỉnh",
          (("tcd", "Phòng Tiếp công dân và Xử lý đơn thư"),)),
)


@dataclass
class _OrgBuilder:
    """Collects rows for one bulk insert; paths follow from the parent given before the child."""

    units: list[dict[str, Any]] = field(default_factory=list)
    officials: list[dict[str, Any]] = field(default_factory=list)
    _paths: dict[str, str] = field(default_factory=dict)

    def unit(
        self, uid: str, name: str, kind: str, parent: str | None, code: str | None = None
    ) -> str:
        path = (self._paths[parent] if parent else "/") + uid + "/"
        self._paths[uid] = path
        self.units.append({
            "id": uid, "name": name, "kind": kind, "parent_id": parent, "path": path,
            "code": code, "sort_order": len(self.units),
        })
        return uid

    def official(self, username: str, unit_id: str, role: Role, title: str) -> None:
        self.officials.append({
            "id": username, "username": username, "full_name": vietnamese_name(len(self.officials)),
            "title": title, "email": f"{username}@{EMAIL_DOMAIN}", "unit_id": unit_id,
            "roles": role.value, "active": True,
        })

    def write(self, session: Session) -> dict[str, int]:
        # Core-style bulk INSERTs: one executemany per table instead of one ORM object per row.
        if self.units:
            session.exec(insert(Unit), params=self.units)
        if self.officials:
            session.exec(insert(Official), params=self.officials)
        session.commit()
        return {"units": len(self.units), "officials": len(self.officials)}


# A commune's own units, as the seeds name them (Nghị định 150/2025): (slug, name, kind, head's
# title, deputy's title, officer's title). A ward's economic phòng also covers its
# infrastructure and urban affairs.
_COMMUNE_UNITS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("vp", "Văn phòng HĐND và UBND", "office", "Chánh Văn phòng", "Phó Chánh Văn phòng",
     "Công chức Văn phòng HĐND và UBND"),
    ("kt", "Phòng Kinh tế", "division", "Trưởng phòng Kinh tế", "Phó Trưởng phòng Kinh tế",
     "Công chức Phòng Kinh tế"),
    ("vhxh", "Phòng Văn hóa - Xã hội", "division", "Trưởng phòng Văn hóa - Xã hội",
     "Phó Trưởng phòng Văn hóa - Xã hội", "Công chức Phòng Văn hóa - Xã hội"),
    ("hcc", "Trung tâm Phục vụ hành chính công", "center", "Giám đốc Trung tâm",
     "Phó Giám đốc Trung tâm", "Viên chức Trung tâm Phục vụ hành chính công"),
)
_WARD_ECONOMY = ("kt", "Phòng Kinh tế, Hạ tầng và Đô thị", "division",
                 "Trưởng phòng Kinh tế, Hạ tầng và Đô thị",
                 "Phó Trưởng phòng Kinh tế, Hạ tầng và Đô thị",
                 "Công chức Phòng Kinh tế, Hạ tầng và Đô thị")
# Usernames of a commune's people by unit slug: head, deputy, officers.
COMMUNE_PEOPLE = {"vp": ("cvp", "pcvp", ("vp", "vp2")), "kt": ("tpkt", "ptpkt", ("kt",)),
                  "vhxh": ("tpvh", "ptpvh", ("vh",)), "hcc": ("gdhcc", "pgdhcc", ("hcc",))}


def _commune_units(b: _OrgBuilder, cid: str, ward: bool, person: str) -> None:
    """The Văn phòng, the two phòng and the public-service centre of a commune, each with its
    head, a deputy and officers; `person` is the username pattern ("{}.30313")."""
    for unit in _COMMUNE_UNITS:
        slug, name, kind, head, deputy, officer = _WARD_ECONOMY if (
            ward and unit[0] == "kt") else unit
        uid = b.unit(f"{cid}-{slug}", name, kind, cid)
        head_id, deputy_id, officers = COMMUNE_PEOPLE[slug]
        b.official(person.format(head_id), uid, Role.UNIT_HEAD, head)
        b.official(person.format(deputy_id), uid, Role.DEPUTY_HEAD, deputy)
        for officer_id in officers:
            b.official(person.format(officer_id), uid, Role.OFFICER, officer)


def _has_units(session: Session) -> bool:
    return session.exec(select(Unit.id).limit(1)).first() is not None


def seed_demo(
    session: Session, *, province_code: int | None = None, max_communes: int | None = None
) -> dict[str, int]:
    """Create a demo province (default An Giang) when the organisation is empty.

    Returns {"units": n, "officials": m}; both zero when units already exist, so running it at
    every start-up is safe. Commits.
    """
    if _has_units(session):
        return {"units": 0, "officials": 0}
    prov = _province(province_code or AN_GIANG)
    level = _level(prov)
    b = _OrgBuilder()

    root = b.unit(_slug(prov["codename"]), _committee_name(prov), "province", None,
                  str(prov["code"]))
    b.official("chutich", root, Role.CHAIRMAN, f"Chủ tịch UBND {level}")
    for n in (1, 2):
        b.official(f"phochutich{n}", root, Role.VICE_CHAIRMAN, f"Phó Chủ tịch UBND {level}")

    office = b.unit(f"{root}-vp", f"Văn phòng UBND {level}", "office", root)
    b.official("chanhvanphong", office, Role.UNIT_HEAD, f"Chánh Văn phòng UBND {level}")
    for n in (1, 2):
        b.official(f"vanphong{n}", office, Role.OFFICE_STAFF, "Chuyên viên Văn phòng")
    # Who keeps the system's settings, such as the working calendar's yearly overrides.
    b.official("quantri", office, Role.ADMIN, "Quản trị hệ thống")

    for d_index, dept in enumerate(_DEPARTMENTS):
        dept_id = b.unit(f"{root}-{dept.slug}", dept.name, "department", root)
        b.official(f"gd.{dept.slug}", dept_id, Role.UNIT_HEAD, dept.head_title)
        # Two or three officers, alternating, so unit sizes differ a little as they do in life.
        for n in range(1, 3 + (d_index % 2 == 0)):
            title = "Chuyên viên chính" if n == 1 else "Chuyên viên"
            b.official(f"{dept.slug}.cb{n}", dept_id, Role.OFFICER, title)
        for div_slug, div_name in dept.divisions:
            div_id = b.unit(f"{dept_id}-{div_slug}", div_name, "division", dept_id)
            b.official(f"tp.{dept.slug}.{div_slug}", div_id, Role.UNIT_HEAD, "Trưởng phòng")
            b.official(f"{dept.slug}.{div_slug}.cb1", div_id, Role.OFFICER, "Chuyên viên")

    wards = prov["wards"] if max_communes is None else prov["wards"][: max(max_communes, 0)]
    for w_index, ward in enumerate(wards):
        code = str(ward["code"])
        wl = _level(ward)
        cid = b.unit(f"xa-{code}", _committee_name(ward), "commune", root, code)
        b.official(f"ct.{code}", cid, Role.CHAIRMAN, f"Chủ tịch UBND {wl}")
        b.official(f"pct.{code}", cid, Role.VICE_CHAIRMAN, f"Phó Chủ tịch UBND {wl}")
        b.official(f"cb1.{code}", cid, Role.OFFICER, f"Công chức Văn phòng HĐND và UBND {wl}")
        if w_index % 2 == 0:
            b.official(f"cb2.{code}", cid, Role.OFFICER, f"Công chức Phòng Kinh tế UBND {wl}")
    # Each commune's own units after every commune, so the people above keep their names.
    for ward in wards:
        _commune_units(b, f"xa-{ward['code']}", _level(ward) == "phường", f"{{}}.{ward['code']}")
    return b.write(session)


def seed_national(session: Session) -> dict[str, int]:
    """All 34 provinces and 3,321 communes for national-scale tests: a chairman at each
    province; at each commune a chairman, a vice-chairman and its own units (`_commune_units`).

    Ids carry the province code ("p91", "p91-xa-30313", "p91.ct.30313") so they never clash
    with each other or with the demo province. No-op (zeros) when units already exist. Commits.
    """
    if _has_units(session):
        return {"units": 0, "officials": 0}
    b = _OrgBuilder()
    communes: list[tuple[str, str, str]] = []  # (id, level, username pattern)
    for prov in _divisions():
        pc = prov["code"]
        root = b.unit(f"p{pc}", _committee_name(prov), "province", None, str(pc))
        b.official(f"p{pc}.chutich", root, Role.CHAIRMAN, f"Chủ tịch UBND {_level(prov)}")
        for ward in prov["wards"]:
            code = str(ward["code"])
            cid = b.unit(f"p{pc}-xa-{code}", _committee_name(ward), "commune", root, code)
            b.official(f"p{pc}.ct.{code}", cid, Role.CHAIRMAN, f"Chủ tịch UBND {_level(ward)}")
            communes.append((cid, _level(ward), f"p{pc}.{{}}.{code}"))
    for cid, level, person in communes:
        b.official(person.format("pct"), cid, Role.VICE_CHAIRMAN, f"Phó Chủ tịch UBND {level}")
        _commune_units(b, cid, level == "phường", person)
    return b.write(session)
