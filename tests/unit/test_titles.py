"""domain.titles: who a title written in a plan's sheet names within the lead unit."""

from __future__ import annotations

from domain.titles import MAX_LISTED, Member, Rank, many_holders, read_title, title_holders

OFFICE = "Văn phòng HĐND và UBND"
STAFF = [
    Member("cvp", "Trịnh Văn Ôn", "Chánh Văn phòng", frozenset({"unit_head"})),
    Member("pcvp", "Lưu Thị Hạnh", None, frozenset({"deputy_head"})),
    Member("vp1", "Đỗ Văn Bình", None, frozenset({"officer", "office_staff"})),
    Member("vp2", "Hà Thị Cúc", None, frozenset({"officer"})),
]


def ids(found: list[Member] | None) -> list[str] | None:
    return None if found is None else [m.id for m in found]


def test_heads_deputies_and_officers_by_their_titles() -> None:
    assert ids(title_holders("Chánh Văn phòng", OFFICE, STAFF)) == ["cvp"]
    assert ids(title_holders("phó chánh văn phòng.", OFFICE, STAFF)) == ["pcvp"]
    assert ids(title_holders("Công chức Văn phòng", OFFICE, STAFF)) == ["vp1", "vp2"]
    assert ids(title_holders("Trưởng phòng Kinh tế", OFFICE, STAFF)) == []  # another unit
    assert ids(title_holders("Phó Giám đốc", OFFICE, STAFF)) == ["pcvp"]
    assert title_holders("Đỗ Văn Bình", OFFICE, STAFF) is None  # a name, not a title
    # A title recorded for one officer does not hide another of the same rank.
    titled = [*STAFF[:2], Member("vp1", "Đỗ Văn Bình", "Công chức Văn phòng",
                                 frozenset({"officer"})), STAFF[3]]
    assert ids(title_holders("Công chức Văn phòng", OFFICE, titled)) == ["vp1", "vp2"]
    assert ids(title_holders("Kế toán", OFFICE, [Member("kt", "A", "Kế toán", frozenset())])) == [
        "kt"]
    assert read_title("Phó Trưởng phòng Văn hóa – Xã hội") == (
        Rank.DEPUTY, "phong van hoa - xa hoi")
    assert ids(title_holders("Giám đốc Trung tâm", "Trung tâm Phục vụ hành chính công", [
        Member("gd", "A", None, frozenset({"unit_head"}))])) == ["gd"]


def test_a_title_many_hold_is_refused_naming_a_bounded_list() -> None:
    many = [Member(f"cb{i}", f"Cán bộ {i}", None, frozenset({"officer"})) for i in range(8)]
    text = many_holders("Công chức Văn phòng", OFFICE, many)
    assert text.startswith("“Công chức Văn phòng” là chức danh của 8 người trong “Văn phòng")
    assert text.count("(cb") == MAX_LISTED and "và 3 người khác" in text
