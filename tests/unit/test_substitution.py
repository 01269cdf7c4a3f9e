"""domain.substitution: who may stand in, for whom one acts, how it is signed, who takes over."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel

from domain.errors import Code, DomainError
from domain.lifecycle import Relation
from domain.org import Actor, Role
from domain.substitution import (
    Span,
    acting_for,
    check_substitution,
    departure,
    handover_target,
    signed_as,
    substitute_on,
)
from giaoviec.orgdata.importer import import_org
from giaoviec.store.db import make_engine
from giaoviec.store.models import Official
from tests.org_fixture import seed_small_org

CT = Actor("ct", ("tinh",), frozenset({Role.CHAIRMAN}), "province")
PCT = Actor("pct", ("tinh",), frozenset({Role.VICE_CHAIRMAN}), "province")
CVP = Actor("cvp", ("tinh", "vp"), frozenset({Role.UNIT_HEAD}), "office")
GD = Actor("gd", ("tinh", "snv"), frozenset({Role.UNIT_HEAD}), "department")
CB1 = Actor("cb1", ("tinh", "snv"), frozenset({Role.OFFICER}), "department")
CB2 = Actor("cb2", ("tinh", "snv"), frozenset({Role.OFFICER}), "department")
STC = Actor("stc", ("tinh", "stc"), frozenset({Role.OFFICER}), "department")
TODAY = date(2026, 11, 24)


def codes(setter: Actor, principal: Actor, substitute: Actor | None, start: date, end: date,
          reason: str | None = "Nghỉ phép", existing: tuple[Span, ...] = ()) -> set[str]:
    with pytest.raises(DomainError) as err:
        check_substitution(setter, principal, substitute, start, end, reason, TODAY, existing)
    return {f.code for f in err.value.fields} or {err.value.code}


def test_who_may_name_whom_and_for_how_long() -> None:
    check_substitution(CB1, CB1, CB2, TODAY, TODAY, "Nghỉ phép", TODAY, ())
    check_substitution(GD, CB1, GD, TODAY, TODAY + timedelta(days=3), "Ốm", TODAY, ())
    assert codes(CB2, CB1, CB2, TODAY, TODAY) == {Code.FORBIDDEN}
    assert codes(CB1, CB1, STC, TODAY, TODAY) == {"SUBSTITUTE_OUTSIDE_UNIT"}
    assert codes(CB1, CB1, CB1, TODAY, TODAY) == {"SELF_SUBSTITUTE"}
    assert codes(CB1, CB1, None, TODAY, TODAY, reason=None) == {
        "UNKNOWN_SUBSTITUTE", "MISSING_REASON"}
    assert codes(CB1, CB1, CB2, TODAY - timedelta(days=9), TODAY - timedelta(days=1)) == {
        "RANGE_IN_PAST"}
    assert codes(CB1, CB1, CB2, TODAY, TODAY + timedelta(days=366)) == {"RANGE_TOO_LONG"}
    assert codes(CB1, CB1, CB2, date(9999, 1, 1), date(9999, 1, 2)) == {"DATE_OUT_OF_RANGE"}
    taken = (Span("gd", TODAY + timedelta(days=5), TODAY + timedelta(days=9)),)
    assert codes(CB1, CB1, CB2, TODAY, TODAY + timedelta(days=5), existing=taken) == {
        "OVERLAPPING_SUBSTITUTION"}
    check_substitution(CB1, CB1, CB2, TODAY, TODAY + timedelta(days=4), "Nghỉ", TODAY, taken)
    assert substitute_on(taken, TODAY + timedelta(days=9)) == "gd"
    assert substitute_on(taken, TODAY + timedelta(days=10)) is None


def test_own_relations_first_then_those_of_whom_one_stands_in_for() -> None:
    mine = {Relation.OWNER}
    boss = {Relation.ASSIGNER}
    assert acting_for(mine, [("ct", boss)]) == (mine, None)
    assert acting_for(set(), [("cb1", set()), ("ct", boss)]) == (boss, "ct")
    assert acting_for(set(), [("cb1", set())]) == (set(), None)


def test_kt_for_a_deputy_tl_for_another_leader_and_by_name_for_an_officer() -> None:
    assert signed_as(CT, "Chủ tịch UBND tỉnh", "Nguyễn Văn An", PCT) == "KT. Chủ tịch UBND tỉnh"
    assert signed_as(CT, "Chủ tịch UBND tỉnh", "Nguyễn Văn An", CVP) == "TL. Chủ tịch UBND tỉnh"
    assert signed_as(CB1, None, "Hoàng Văn Em", CB2) == "Thay đồng chí Hoàng Văn Em"


def test_an_officer_standing_in_for_his_head_is_no_deputy() -> None:
    pgd = Actor("pgd", ("tinh", "snv"), frozenset({Role.DEPUTY_HEAD}), "department")
    assert signed_as(GD, "Giám đốc Sở Nội vụ", "Phạm Thị Dung", pgd) == "KT. Giám đốc Sở Nội vụ"
    assert signed_as(GD, "Giám đốc Sở Nội vụ", "Phạm Thị Dung", CB1) == (
        "Thay đồng chí Phạm Thị Dung")


def test_who_takes_over_and_why() -> None:
    members = [("gd", ["unit_head"]), ("cb1", ["officer"])]
    assert handover_target("cb1", members, "ct", True) == "gd"
    assert handover_target("gd", members, "ct", True) == "ct"  # the head himself left
    assert handover_target("gd", members, "ct", False) is None
    assert departure(True, "snv", False, "snv") == "deactivated"
    assert departure(True, "snv", True, "stc") == "moved"
    assert departure(True, "snv", True, "snv") is None
    assert departure(False, "snv", False, "stc") is None  # long gone: handed over before


def test_an_import_says_who_is_no_longer_active_and_refuses_what_it_cannot_read(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'org.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        seed_small_org(s)
        csv = tmp_path / "can-bo.csv"
        csv.write_text("username,full_name,unit_id,roles,active\n"
                       "snv.cb1,Hoàng Văn Em,snv,officer,không\n"
                       "snv.cb2,Vũ Thị Giang,snv,officer,có lẽ\n", encoding="utf-8")
        with pytest.raises(DomainError) as err:
            import_org(s, csv)
        assert [(f.field, f.code) for f in err.value.fields] == [
            ("officials[1].active", "INVALID_TYPE")]
        csv.write_text("username,full_name,unit_id,roles,active\n"
                       "snv.cb1,Hoàng Văn Em,snv,officer,không\n", encoding="utf-8")
        assert import_org(s, csv)["officials_updated"] == 1
        official = s.get(Official, "snv.cb1")
        assert official is not None and official.active is False
    engine.dispose()
