"""Who issues the weekly kiểm đếm: the tracking unit (by default the UBND's Văn phòng), to the
chairman — "Số: 05/BC-VP", "Kính gửi: Chủ tịch UBND xã …", signed "CHÁNH VĂN PHÒNG" or
"KT. CHÁNH VĂN PHÒNG / PHÓ CHÁNH VĂN PHÒNG", nơi nhận by level; the 6-month and annual
reports stay the UBND's own (BC-UBND, "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH")."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from giaoviec.store.models import Official, Unit
from tests.org_fixture import seed_small_org
from tests.tally.test_briefing_files import briefing
from tests.tally.test_tally_store import population


@pytest.fixture
def commune(engine: Engine) -> Engine:
    """Xã Hòa Xá with its Văn phòng HĐND và UBND (a Chánh and a Phó Chánh Văn phòng) and its
    Phòng Văn hóa - Xã hội."""
    with Session(engine) as s:
        seed_small_org(s)
        population(s)
        s.add(Unit(id="xa1-vp", name="Văn phòng HĐND và UBND", kind="office", parent_id="xa1",
                   path="/tinh/xa1/xa1-vp/", sort_order=1))
        s.add(Unit(id="xa1-vhxh", name="Phòng Văn hóa - Xã hội", kind="division",
                   parent_id="xa1", path="/tinh/xa1/xa1-vhxh/", sort_order=2))
        s.flush()
        for oid, name, unit, roles in (
                ("xa1.cvp", "Đinh Văn Sơn", "xa1-vp", "unit_head"),
                ("xa1.pcvp", "Lâm Thị Tuyết", "xa1-vp", "deputy_head"),
                ("xa1.vp1", "Hà Văn Út", "xa1-vp", "officer"),
                ("xa1.tpvh", "Kiều Thị Vân", "xa1-vhxh", "unit_head")):
            s.add(Official(id=oid, username=oid, full_name=name, unit_id=unit, roles=roles))
        s.commit()
    return engine


def test_the_weekly_report_is_the_office_s_to_the_chairman(commune: Engine) -> None:
    data = briefing(commune, "xa1", sequence=5)
    assert data.number == "05/BC-VP" and data.number_line == "Số: 05/BC-VP"
    assert (data.issuer_parent, data.issuer_lines) == ("UBND XÃ HÒA XÁ",
                                                      ["VĂN PHÒNG HĐND VÀ UBND"])
    assert data.addressee == "Chủ tịch UBND xã Hòa Xá"
    assert data.signature_lines == ["CHÁNH VĂN PHÒNG"] and data.signer_name == "Đinh Văn Sơn"
    assert data.recipients == ["- Chủ tịch, các Phó Chủ tịch UBND xã;",
                               "- Các phòng, đơn vị thuộc xã;", "- Lưu: VT, VP."]
    assert data.place_date.startswith("Hòa Xá, ngày")
    deputy = briefing(commune, "xa1", sequence=5, signer_id="xa1.pcvp")
    assert deputy.signature_lines == ["KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG"]
    assert deputy.signer_name == "Lâm Thị Tuyết"
    # An officer of the office never signs, even when asked for.
    officer = briefing(commune, "xa1", sequence=5, signer_id="xa1.vp1")
    assert officer.signer_name == "Đinh Văn Sơn"


def test_a_committee_that_names_another_tracking_unit_has_it_issue(commune: Engine) -> None:
    with Session(commune) as s:
        xa1 = s.get(Unit, "xa1")
        assert xa1 is not None
        xa1.tracking_unit_id = "xa1-vhxh"
        s.add(xa1)
        s.commit()
    data = briefing(commune, "xa1", sequence=2)
    assert data.number == "02/BC-VHXH" and data.issuer_lines == ["PHÒNG VĂN HÓA - XÃ HỘI"]
    assert data.signature_lines == ["TRƯỞNG PHÒNG"] and data.signer_name == "Kiều Thị Vân"


@pytest.mark.parametrize("period", ["2026-H2", "2026"])
def test_six_month_and_annual_reports_stay_the_committee_s(commune: Engine, period: str) -> None:
    data = briefing(commune, "xa1", sequence=3, period_key=period)
    assert data.number == "03/BC-UBND" and data.addressee == ""
    assert data.issuer_lines == ["ỦY BAN NHÂN DÂN", "XÃ HÒA XÁ"]
    assert data.signature_lines == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert data.signer_name == "Dương Văn Minh"


def test_the_province_s_office_reports_the_same_way(commune: Engine) -> None:
    data = briefing(commune, "tinh", sequence=9)
    assert data.number == "09/BC-VP" and data.addressee == "Chủ tịch UBND tỉnh Thử Nghiệm"
    assert data.recipients[:3] == ["- Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
                                   "- Các sở, ban, ngành tỉnh;",
                                   "- UBND các xã, phường, đặc khu;"]
