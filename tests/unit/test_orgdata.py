"""Organisation seeds (demo, national) and YAML/CSV import."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from domain.errors import Code, DomainError
from domain.org import UNIT_KINDS
from giaoviec.config import get_settings
from giaoviec.orgdata.importer import import_org
from giaoviec.orgdata.seed import seed_demo, seed_national
from giaoviec.programs import cli
from giaoviec.store.db import make_engine
from giaoviec.store.models import Official, Task, Unit


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'org.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def count(session: Session, model: type[SQLModel]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def assert_paths_consistent(session: Session) -> None:
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    for u in units.values():
        expected = "/" if u.parent_id is None else units[u.parent_id].path
        assert u.path == f"{expected}{u.id}/", u.id


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- demo seed


def test_demo_seed_builds_an_giang_with_chairman_at_root(session: Session) -> None:
    counts = seed_demo(session)

    assert counts == {"units": count(session, Unit), "officials": count(session, Official)}
    root = session.get(Unit, "ag")
    assert root is not None
    assert (root.name, root.kind, root.parent_id) == ("UBND tỉnh An Giang", "province", None)
    chairman = session.exec(select(Official).where(Official.username == "chutich")).one()
    assert chairman.role_list == ["chairman"]
    assert chairman.unit_id == "ag"
    assert chairman.email == "chutich@giaoviec.local"
    for username in ("phochutich1", "phochutich2"):
        vice = session.exec(select(Official).where(Official.username == username)).one()
        assert (vice.roles, vice.unit_id) == ("vice_chairman", "ag")

    kinds = [u.kind for u in session.exec(select(Unit)).all()]
    assert kinds.count("office") == 1 + 102  # the province's Văn phòng and each commune's
    assert kinds.count("department") >= 8
    assert kinds.count("commune") == 102  # An Giang after the 2025 reform
    gd = session.exec(select(Official).where(Official.username == "gd.snv")).one()
    assert (gd.unit_id, gd.roles, gd.title) == ("ag-snv", "unit_head", "Giám đốc Sở")
    staff = session.exec(select(Official).where(Official.roles == "office_staff")).all()
    assert {o.username for o in staff} == {"vanphong1", "vanphong2"}


def test_demo_paths_follow_the_parent_chain(session: Session) -> None:
    seed_demo(session)
    assert_paths_consistent(session)
    assert session.get(Unit, "ag-snv").path == "/ag/ag-snv/"  # type: ignore[union-attr]


def test_every_commune_has_its_chairman_and_vice(session: Session) -> None:
    seed_demo(session)
    communes = session.exec(select(Unit).where(Unit.kind == "commune")).all()
    for c in communes:
        assert c.id == f"xa-{c.code}"
        assert c.name.startswith(("UBND xã ", "UBND phường ", "UBND đặc khu "))
        people = session.exec(select(Official).where(Official.unit_id == c.id)).all()
        roles = sorted(o.roles for o in people)
        assert roles.count("chairman") == 1 and roles.count("vice_chairman") == 1
        assert 1 <= roles.count("officer") <= 2
        chairman = next(o for o in people if o.roles == "chairman")
        assert chairman.username == f"ct.{c.code}"
        assert chairman.title.startswith("Chủ tịch UBND ")  # type: ignore[union-attr]


def test_every_commune_has_its_office_phong_and_centre(session: Session) -> None:
    seed_demo(session)
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    people: dict[str, list[Official]] = {}
    for o in session.exec(select(Official)).all():
        people.setdefault(o.unit_id, []).append(o)
    wards = 0
    for c in (u for u in units.values() if u.kind == "commune"):
        inside = {u.id.removeprefix(c.id + "-"): u for u in units.values()
                  if u.parent_id == c.id}
        assert sorted(inside) == ["hcc", "kt", "vhxh", "vp"], c.id
        assert (inside["vp"].name, inside["vp"].kind) == ("Văn phòng HĐND và UBND", "office")
        assert inside["vhxh"].name == "Phòng Văn hóa - Xã hội"
        assert (inside["hcc"].name, inside["hcc"].kind) == (
            "Trung tâm Phục vụ hành chính công", "center")
        ward = c.name.startswith("UBND phường ")
        wards += ward
        assert inside["kt"].name == (
            "Phòng Kinh tế, Hạ tầng và Đô thị" if ward else "Phòng Kinh tế")
        for unit in inside.values():
            roles = sorted(o.roles for o in people[unit.id])
            assert roles.count("unit_head") == 1 and roles.count("deputy_head") == 1
            assert roles.count("officer") >= 1
        chief = next(o for o in people[inside["vp"].id] if o.roles == "unit_head")
        deputy = next(o for o in people[inside["vp"].id] if o.roles == "deputy_head")
        assert (chief.username, chief.title) == (f"cvp.{c.code}", "Chánh Văn phòng")
        assert (deputy.username, deputy.title) == (f"pcvp.{c.code}", "Phó Chánh Văn phòng")
        assert_tracked_by(session, c.id, inside["vp"].id)
    assert wards > 0  # An Giang has wards, so the ward's phòng is exercised


def assert_tracked_by(session: Session, committee_id: str, office_id: str) -> None:
    from giaoviec.reads.org import tracking_unit_of

    assert tracking_unit_of(session, session.get(Unit, committee_id)).id == office_id  # type: ignore[arg-type]


def test_second_seed_is_a_no_op(session: Session) -> None:
    seed_demo(session)
    before = (count(session, Unit), count(session, Official))
    assert seed_demo(session) == {"units": 0, "officials": 0}
    assert seed_national(session) == {"units": 0, "officials": 0}
    assert (count(session, Unit), count(session, Official)) == before


def test_usernames_unique_and_names_vietnamese(session: Session) -> None:
    seed_demo(session)
    officials = session.exec(select(Official)).all()
    usernames = [o.username for o in officials]
    assert len(usernames) == len(set(usernames))
    assert all(u.isascii() for u in usernames)
    for o in officials:
        assert not o.full_name.isascii(), o.full_name  # họ/tên carry their diacritics
        assert unicodedata.is_normalized("NFC", o.full_name)
        assert len(o.full_name.split()) == 3
        assert o.email == f"{o.username}@giaoviec.local"
    for u in session.exec(select(Unit)).all():
        assert unicodedata.is_normalized("NFC", u.name)
        assert u.id.isascii() and "/" not in u.id


def test_demo_seed_is_deterministic_and_limits_communes(tmp_path: Path) -> None:
    def people(db: str) -> list[tuple[str, str, str | None]]:
        engine = make_engine(f"sqlite:///{tmp_path / db}")
        SQLModel.metadata.create_all(engine)
        with Session(engine) as s:
            seed_demo(s, max_communes=5)
            assert count(s, Unit) - len(
                s.exec(select(Unit).where(Unit.kind != "commune")).all()
            ) == 5
            rows = [(o.username, o.full_name, o.title)
                    for o in s.exec(select(Official).order_by(Official.username)).all()]
        engine.dispose()
        return rows

    assert people("a.db") == people("b.db")


def test_demo_seed_other_province(session: Session) -> None:
    seed_demo(session, province_code=1, max_communes=3)
    root = session.exec(select(Unit).where(Unit.kind == "province")).one()
    assert (root.id, root.name) == ("hn", "UBND thành phố Hà Nội")
    assert len(session.exec(select(Unit).where(Unit.kind == "commune")).all()) == 3
    assert_paths_consistent(session)


# --------------------------------------------------------------------------- national seed


def test_national_seed_has_every_province_and_commune(session: Session) -> None:
    # Part of the normal suite on purpose: bulk inserts keep it to about a second.
    started = time.monotonic()
    counts = seed_national(session)
    elapsed = time.monotonic() - started

    # Each commune: a chairman, a vice-chairman and four units of four or five people.
    assert counts == {"units": 34 + 3321 * 5, "officials": 34 + 3321 * (2 + 4 * 3 + 1)}
    assert len(session.exec(select(Unit).where(Unit.kind == "province")).all()) == 34
    assert len(session.exec(select(Unit).where(Unit.kind == "office")).all()) == 3321
    assert len(session.exec(select(Official).where(
        Official.roles == "deputy_head")).all()) == 3321 * 4
    assert len(session.exec(select(Unit).where(Unit.kind == "commune")).all()) == 3321
    chairmen = session.exec(select(Official).where(Official.roles == "chairman")).all()
    assert len(chairmen) == 3355
    assert len({o.unit_id for o in chairmen}) == 3355
    hcm = session.get(Unit, "p79")
    assert hcm is not None and hcm.name == "UBND thành phố Hồ Chí Minh"
    assert_paths_consistent(session)
    assert elapsed < 30


# --------------------------------------------------------------------------- import

ORG_YAML = """\
units:
  # children before their parent on purpose
  - {id: tt-tccb, name: Phòng Tổ chức cán bộ, kind: division, parent: tt-snv}
  - {id: tt-snv, name: Sở Nội vụ, kind: department, parent: tt}
  - {id: tt, name: UBND tỉnh Thử Nghiệm, kind: province, parent: null, code: 99}
  - {id: xa-1, name: UBND xã Hòa Bình, kind: commune, parent: tt, code: "00001"}
officials:
  - {username: chutich, full_name: Nguyễn Văn Ánh, unit: tt, roles: [chairman],
     title: Chủ tịch UBND tỉnh}
  - {id: o-2, username: gd.snv, full_name: Trần Thị Bích, unit: tt-snv, roles: unit_head}
  - {username: tccb.cb1, full_name: Lê Hoàng Đạt, unit: tt-tccb, roles: "officer office_staff",
     email: dat@example.vn}
"""


def test_yaml_import_computes_paths_and_roles(session: Session, tmp_path: Path) -> None:
    counts = import_org(session, write(tmp_path, "org.yaml", ORG_YAML))

    assert counts["units"] == counts["units_created"] == 4
    assert counts["officials"] == counts["officials_created"] == 3
    assert session.get(Unit, "tt-tccb").path == "/tt/tt-snv/tt-tccb/"  # type: ignore[union-attr]
    assert session.get(Unit, "tt").code == "99"  # type: ignore[union-attr]
    assert session.get(Unit, "xa-1").code == "00001"  # type: ignore[union-attr]
    assert_paths_consistent(session)
    chutich = session.get(Official, "chutich")  # id defaults to the username
    assert chutich is not None
    assert (chutich.full_name, chutich.roles, chutich.title) == (
        "Nguyễn Văn Ánh", "chairman", "Chủ tịch UBND tỉnh")
    assert session.get(Official, "o-2").username == "gd.snv"  # type: ignore[union-attr]
    cb = session.exec(select(Official).where(Official.username == "tccb.cb1")).one()
    assert (cb.roles, cb.email) == ("officer office_staff", "dat@example.vn")


def test_csv_import_units_then_officials(session: Session, tmp_path: Path) -> None:
    units = write(tmp_path, "units.csv", (
        "\ufeffunit_id,name,kind,parent_id,code\n"  # spreadsheets add a byte-order mark
        "snv,Sở Nội vụ,department,tinh,\n"
        "tinh,UBND tỉnh Thử Nghiệm,province,,99\n"
        "\n"
    ))
    officials = write(tmp_path, "officials.csv", (
        "username,full_name,unit_id,roles,title\n"
        "chutich,Nguyễn Văn Ánh,tinh,chairman,Chủ tịch UBND tỉnh\n"
        "gd.snv,Phạm Thị Dung,snv,unit_head;officer,Giám đốc Sở\n"
    ))

    assert import_org(session, units)["units_created"] == 2
    assert import_org(session, officials)["officials_created"] == 2

    assert session.get(Unit, "snv").path == "/tinh/snv/"  # type: ignore[union-attr]
    assert session.get(Unit, "tinh").code == "99"  # type: ignore[union-attr]
    assert session.get(Unit, "snv").code is None  # type: ignore[union-attr]
    gd = session.get(Official, "gd.snv")
    assert gd is not None
    assert (gd.full_name, gd.roles, gd.unit_id) == ("Phạm Thị Dung", "unit_head officer", "snv")


def test_reimport_is_idempotent_and_updates_in_place(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, "org.yaml", ORG_YAML)
    import_org(session, path)
    snapshot = [(u.id, u.name, u.path, u.parent_id, u.code, u.sort_order)
                for u in session.exec(select(Unit).order_by(Unit.id)).all()]

    again = import_org(session, path)

    assert again == {"units": 4, "officials": 3, "units_created": 0, "units_updated": 0,
                     "officials_created": 0, "officials_updated": 0, "handovers": 0}
    assert [(u.id, u.name, u.path, u.parent_id, u.code, u.sort_order)
            for u in session.exec(select(Unit).order_by(Unit.id)).all()] == snapshot
    assert count(session, Official) == 3

    renamed = write(tmp_path, "rename.yaml", ORG_YAML.replace("Nguyễn Văn Ánh", "Nguyễn Văn Ân"))
    assert import_org(session, renamed)["officials_updated"] == 1
    assert session.get(Official, "chutich").full_name == "Nguyễn Văn Ân"  # type: ignore[union-attr]


def test_moving_a_unit_repaths_its_subtree_and_tasks(session: Session, tmp_path: Path) -> None:
    import_org(session, write(tmp_path, "org.yaml", ORG_YAML))
    now = datetime(2026, 4, 1, tzinfo=UTC)
    session.add(Task(id="t1", client_key="k1", title="Rà soát", state="assigned",
                     lead_unit_id="tt-tccb", lead_unit_path="/tt/tt-snv/tt-tccb/",
                     owner_id="tccb.cb1", assigner_id="chutich", deadline=now,
                     original_deadline=now, created_at=now, updated_at=now))
    session.commit()

    # Sở Nội vụ moves under a new unit that appears only in this file.
    moved = write(tmp_path, "move.yaml", """\
units:
  - {id: tt-snv, name: Sở Nội vụ, kind: department, parent: tt-khoi}
  - {id: tt-khoi, name: Khối nội chính, kind: group, parent: tt}
""")
    counts = import_org(session, moved)

    assert counts["units_created"] == 1
    assert counts["units_updated"] == 2  # Sở Nội vụ itself and its division below
    assert session.get(Unit, "tt-tccb").path == "/tt/tt-khoi/tt-snv/tt-tccb/"  # type: ignore[union-attr]
    assert_paths_consistent(session)
    assert session.get(Task, "t1").lead_unit_path == "/tt/tt-khoi/tt-snv/tt-tccb/"  # type: ignore[union-attr]


def test_import_into_seeded_demo_uses_existing_units(session: Session, tmp_path: Path) -> None:
    seed_demo(session, max_communes=2)
    path = write(tmp_path, "more.yaml", """\
units:
  - {id: ag-snv-tg, name: Phòng Tôn giáo, kind: division, parent: ag-snv}
officials:
  - {username: snv.tg.cb1, full_name: Hồ Thị Thu, unit: ag-snv-tg, roles: officer}
  - {username: gd.snv, full_name: Lê Văn Mới, unit: ag-snv, roles: unit_head}
""")
    counts = import_org(session, path)

    assert (counts["units_created"], counts["officials_created"], counts["officials_updated"]) \
        == (1, 1, 1)
    assert session.get(Unit, "ag-snv-tg").path == "/ag/ag-snv/ag-snv-tg/"  # type: ignore[union-attr]
    assert session.get(Official, "gd.snv").full_name == "Lê Văn Mới"  # type: ignore[union-attr]


BAD_YAML = """\
units:
  - {id: a, name: Đơn vị A, kind: province, parent: null}
  - {id: b, name: Đơn vị B, kind: department, parent: c}
  - {id: c, name: Đơn vị C, kind: department, parent: b}
  - {id: d, name: Đơn vị D, kind: department, parent: khong-co}
  - {id: a, name: Trùng mã, kind: department, parent: null}
  - {id: e, kind: department, parent: a}
officials:
  - {username: u1, full_name: Nguyễn Văn Một, unit: a, roles: [chairman, sep]}
  - {username: u2, full_name: Trần Thị Hai, unit: z, roles: officer}
  - {username: u1, full_name: Lê Văn Ba, unit: a, roles: officer}
  - {username: u4, unit: a}
"""


def test_bad_file_lists_every_problem_and_writes_nothing(
    session: Session, tmp_path: Path
) -> None:
    seed_demo(session, max_communes=1)
    before = (count(session, Unit), count(session, Official))

    with pytest.raises(DomainError) as caught:
        import_org(session, write(tmp_path, "bad.yaml", BAD_YAML))

    err = caught.value
    assert err.code == Code.VALIDATION
    assert "chưa ghi dữ liệu nào" in err.message
    found = {(i.field, i.code) for i in err.fields}
    assert found == {
        ("units[1].parent", "CYCLE"),
        ("units[2].parent", "CYCLE"),
        ("units[3].parent", "UNKNOWN_PARENT"),
        ("units[4].id", "DUPLICATE_ID"),
        ("units[5].name", "MISSING_FIELD"),
        ("officials[0].roles", "UNKNOWN_ROLE"),
        ("officials[1].unit", "UNKNOWN_UNIT"),
        ("officials[2].username", "DUPLICATE_USERNAME"),
        ("officials[3].full_name", "MISSING_FIELD"),
        ("officials[3].roles", "MISSING_FIELD"),
    }
    for issue in err.fields:
        assert not issue.message.isascii(), issue.message  # Vietnamese, with diacritics
    assert "khong-co" in next(i.message for i in err.fields if i.code == "UNKNOWN_PARENT")
    session.rollback()
    assert (count(session, Unit), count(session, Official)) == before
    assert session.get(Unit, "b") is None


def test_username_taken_by_another_official_is_refused(
    session: Session, tmp_path: Path
) -> None:
    seed_demo(session, max_communes=1)
    path = write(tmp_path, "clash.yaml", """\
officials:
  - {id: new-1, username: chutich, full_name: Ngô Văn Khác, unit: ag, roles: officer}
""")
    with pytest.raises(DomainError) as caught:
        import_org(session, path)
    assert [(i.field, i.code) for i in caught.value.fields] == [
        ("officials[0].username", "DUPLICATE_USERNAME")]
    assert session.get(Official, "new-1") is None


def test_csv_errors_name_the_line_and_unknown_header_is_refused(
    session: Session, tmp_path: Path
) -> None:
    officials = write(tmp_path, "officials.csv", (
        "username,full_name,unit_id,roles\n"
        "a,Nguyễn Văn A,nowhere,officer;boss\n"
    ))
    with pytest.raises(DomainError) as caught:
        import_org(session, officials)
    assert {(i.field, i.code) for i in caught.value.fields} == {
        ("officials[0].unit", "UNKNOWN_UNIT"), ("officials[0].roles", "UNKNOWN_ROLE")}
    assert all(i.message.startswith("Dòng 2:") for i in caught.value.fields)

    with pytest.raises(DomainError) as caught:
        import_org(session, write(tmp_path, "what.csv", "a,b,c\n1,2,3\n"))
    assert caught.value.fields[0].code == "UNKNOWN_CSV_HEADER"
    assert count(session, Official) == 0


COMMUNE_YAML = """
units:
  - {id: xa, name: UBND xã Hòa Bình, kind: commune, tracking_unit: xa-vhxh}
  - {id: xa-vp, name: Văn phòng HĐND và UBND, kind: office, parent: xa}
  - {id: xa-vhxh, name: Phòng Văn hóa - Xã hội, kind: division, parent: xa}
officials:
  - {username: cvp, full_name: Đinh Văn Sơn, unit: xa-vp, roles: unit_head}
  - {username: pcvp, full_name: Lâm Thị Tuyết, unit: xa-vp, roles: deputy_head,
     title: Phó Chánh Văn phòng}
"""


def test_a_commune_names_its_tracking_unit_and_has_deputies(session: Session,
                                                            tmp_path: Path) -> None:
    import_org(session, write(tmp_path, "xa.yaml", COMMUNE_YAML))
    assert session.get(Unit, "xa").tracking_unit_id == "xa-vhxh"  # type: ignore[union-attr]
    assert session.get(Official, "pcvp").roles == "deputy_head"  # type: ignore[union-attr]
    again = import_org(session, write(tmp_path, "xa.yaml", COMMUNE_YAML))
    assert again["units_updated"] == 0  # the same file twice changes nothing
    outside = COMMUNE_YAML.replace("tracking_unit: xa-vhxh", "tracking_unit: nowhere")
    with pytest.raises(DomainError) as err:
        import_org(session, write(tmp_path, "bad.yaml", outside))
    assert [(i.field, i.code) for i in err.value.fields] == [("units[0].tracking_unit",
                                                             "UNKNOWN_UNIT")]


# --------------------------------------------------------------------------- README's org file
# Its commune example imports as written (YAML and CSV), unknown unit kinds are refused naming
# the valid ones, and `giaoviec import` answers in Vietnamese.

README = Path(__file__).resolve().parents[2] / "README.md"


def section_blocks() -> list[tuple[str, str]]:
    """(language, text) of each fenced block in README's organisation-file section."""
    text = README.read_text(encoding="utf-8")
    start = text.index("## The organisation file")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```(\w+)\n(.*?)```", text[start:end], flags=re.S)


def check_commune(session: Session) -> None:
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    assert {u.kind for u in units.values()} == {"commune", "office", "division", "center"}
    assert all(u.parent_id == "hoaxa" for uid, u in units.items() if uid != "hoaxa")
    cvp = session.get(Official, "hoaxa.cvp")
    pcvp = session.get(Official, "hoaxa.pcvp")
    assert cvp is not None and (cvp.unit_id, cvp.roles) == ("hoaxa-vp", "unit_head")
    assert pcvp is not None and (pcvp.title, pcvp.roles) == ("Phó Chánh Văn phòng",
                                                             "deputy_head")


def test_readme_yaml_commune_imports(session: Session, tmp_path: Path) -> None:
    (lang, text), = [b for b in section_blocks() if b[0] == "yaml"]
    path = tmp_path / "xa.yaml"
    path.write_text(text, encoding="utf-8")
    counts = import_org(session, path)
    assert (counts["units_created"], counts["officials_created"]) == (5, 14)
    check_commune(session)


def test_readme_csv_commune_imports(session: Session, tmp_path: Path) -> None:
    units, officials = [b[1] for b in section_blocks() if b[0] == "csv"]
    (tmp_path / "units.csv").write_text(units, encoding="utf-8")
    (tmp_path / "officials.csv").write_text(officials, encoding="utf-8")
    assert import_org(session, tmp_path / "units.csv")["units_created"] == 5
    assert import_org(session, tmp_path / "officials.csv")["officials_created"] == 10
    check_commune(session)
    assert session.get(Unit, "hoaxa").tracking_unit_id == "hoaxa-vp"  # type: ignore[union-attr]


def test_unknown_unit_kind_is_refused_naming_the_valid_ones(session: Session,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("units:\n  - {id: x, name: UBND xã X, kind: xa, parent: null}\n",
                    encoding="utf-8")
    with pytest.raises(DomainError) as caught:
        import_org(session, path)
    (issue,) = caught.value.fields
    assert (issue.field, issue.code) == ("units[0].kind", "UNKNOWN_KIND")
    assert "“xa”" in issue.message
    assert all(kind in issue.message for kind in UNIT_KINDS)
    assert session.get(Unit, "x") is None


def test_cli_import_answers_in_vietnamese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GIAOVIEC_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    (_, text), = [b for b in section_blocks() if b[0] == "yaml"]
    path = tmp_path / "xa.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        assert cli.main(["import", str(path)]) == 0
        first = capsys.readouterr().out
        assert cli.main(["import", str(path)]) == 0
        again = capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    assert first.strip() == ("Đã nạp tệp tổ chức: 5 đơn vị (tạo mới 5, cập nhật 0, giữ nguyên "
                             "0); 14 cán bộ (tạo mới 14, cập nhật 0, giữ nguyên 0).")
    assert "giữ nguyên 5" in again and "giữ nguyên 14" in again
    assert "{" not in first + again  # no Python dict
