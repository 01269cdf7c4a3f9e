"""domain.plan and domain.plan_wording: the office's wording of deadlines and products, and a
plan validated whole."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.calendar import WorkingCalendar
from domain.errors import Code, DomainError, FieldIssue
from domain.org import Actor, Role
from domain.plan import (
    PlanDraft,
    PlanFacts,
    PlanItem,
    PlanProduct,
    UnitFacts,
    plan_basis,
    validate_plan,
    with_named,
)
from domain.plan_terms import Deadline, read_term
from domain.plan_wording import add_months, product_kind, split_lines, unit_group
from domain.task import Coordinator, DeadlineSpec

CAL = WorkingCalendar()
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # Tuesday 24/11/2026, 10:00 in Hà Nội
TODAY = date(2026, 11, 24)
CHAIRMAN = Actor("chutich", ("tinh",), frozenset({Role.CHAIRMAN}), "province")
FACTS = PlanFacts(
    units={
        "tinh": UnitFacts(("tinh",), ("chutich",), "UBND tỉnh"),
        "vp": UnitFacts(("tinh", "vp"), ("cvp",), "Văn phòng"),
        "snv": UnitFacts(("tinh", "snv"), ("gd.snv",), "Sở Nội vụ"),
        "stc": UnitFacts(("tinh", "stc"), ("gd.stc",), "Sở Tài chính"),
        "xa1": UnitFacts(("tinh", "xa1"), (), "UBND xã không có chủ tịch"),
        "khac": UnitFacts(("tinh-khac", "khac"), ("ct.khac",), "Tỉnh khác"),
    },
    officials={
        "cvp": ("vp", frozenset({Role.UNIT_HEAD})),
        "gd.snv": ("snv", frozenset({Role.UNIT_HEAD})),
        "snv.cb1": ("snv", frozenset({Role.OFFICER})),
        "gd.stc": ("stc", frozenset({Role.UNIT_HEAD})),
        "ct.khac": ("khac", frozenset({Role.CHAIRMAN})),
    },
)


def product(description: str = "Báo cáo kết quả", term: str | None = "01 tháng",
            **kw: object) -> PlanProduct:
    return PlanProduct(description=description, term=term, measure="Trình UBND tỉnh", **kw)  # type: ignore[arg-type]


def item(*units: str, products: tuple[PlanProduct, ...] | None = None, **kw: object) -> PlanItem:
    values: dict[str, object] = {"description": "Tổ chức thực hiện Kế hoạch."}
    values.update(kw)
    return PlanItem(lead_unit_ids=units, products=products or (product(),), **values)  # type: ignore[arg-type]


def plan(*items: PlanItem, **kw: object) -> PlanDraft:
    values: dict[str, object] = {"number": "112/KH-UBND", "issued_on": TODAY,
                                 "subject": "Chấn chỉnh lề lối làm việc",
                                 "basis": "Kế hoạch số 208/KH-UBND"}
    values.update(kw)
    return PlanDraft(items=items, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("term", "expected"), [
    ("01 tháng", DeadlineSpec(on_date=date(2026, 12, 24))),
    ("trong thời hạn 01 tháng", DeadlineSpec(on_date=date(2026, 12, 24))),
    ("10 ngày làm việc", DeadlineSpec(on_date=date(2026, 12, 8))),
    ("Trong 5 ngày", DeadlineSpec(on_date=date(2026, 11, 29))),
    ("2 tuần", DeadlineSpec(on_date=date(2026, 12, 8))),
    ("05/12", DeadlineSpec(on_date=date(2026, 12, 5))),
    ("Trước ngày 05/12.", DeadlineSpec(on_date=date(2026, 12, 4))),  # 05/12 is a Saturday
    ("05/6", DeadlineSpec(on_date=date(2027, 6, 5))),  # this year's 05/6 is past: the next
    ("24/11", DeadlineSpec(on_date=TODAY)),
    ("29/02", DeadlineSpec(on_date=date(2028, 2, 29))),
    ("31/12/2026", DeadlineSpec(on_date=date(2026, 12, 31))),
    ("31/04", None),
    ("sớm", None),
])
def test_the_office_wording_of_a_deadline(term: str, expected: DeadlineSpec | None) -> None:
    reading = read_term(term, TODAY, CAL)
    assert (reading.spec if isinstance(reading, Deadline) else reading) == expected


def test_months_keep_the_day_or_take_the_last_of_a_short_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


@pytest.mark.parametrize(("text", "kind"), [
    ("Báo cáo kiểm đếm nhiệm vụ hằng tuần", "báo cáo"),
    ("Kế hoạch, tài liệu và sản phẩm tuyên truyền", "kế hoạch"),
    ("Dự toán kinh phí thực hiện Kế hoạch", "dự toán"),
    ("cơ sở dữ liệu dùng chung", "cơ sở dữ liệu"),
    ("Báo cáochuyên đề", None),
    ("Tổ chức hội nghị", None),
])
def test_the_kind_of_a_product_is_the_word_it_begins_with(text: str, kind: str | None) -> None:
    assert product_kind(text) == kind


def test_cells_and_groups_as_offices_write_them() -> None:
    assert split_lines("+ Báo cáo tuần\n\n- Báo cáo năm \n• Dự toán") == [
        "Báo cáo tuần", "Báo cáo năm", "Dự toán"]
    assert unit_group("Các sở, ban, ngành tỉnh") == frozenset({"department"})
    assert unit_group("UBND các xã, phường, đặc khu") == frozenset(
        {"commune", "ward", "special_zone"})
    assert unit_group("Sở Tài chính") is None
    assert plan_basis("112/KH-UBND", date(2026, 6, 15)) == "Kế hoạch số 112/KH-UBND ngày 15/06/2026"


def test_a_valid_plan_gives_one_task_per_product_and_lead_unit() -> None:
    draft = plan(
        item("vp", products=(product("Báo cáo tuần", "31/12"), product("Báo cáo năm", "05/12")),
             coordinators=(Coordinator("snv", "Cung cấp số liệu"),)),
        item("snv", "stc", products=(product("Kế hoạch triển khai của đơn vị", "01 tháng"),)),
        item("snv", owner_id="snv.cb1", products=(product("Dự toán", None,
                                                          deadline=DeadlineSpec(working_days=5)),)),
    )
    planned = validate_plan(draft, CHAIRMAN, FACTS, CAL, NOW)
    got = [(p.row, p.position, p.unit_id, p.draft.owner_id, p.draft.product.kind,  # type: ignore[union-attr]
            p.deadline.date()) for p in planned]
    assert got == [
        (1, 0, "vp", "cvp", "báo cáo", date(2026, 12, 31)),
        (1, 1, "vp", "cvp", "báo cáo", date(2026, 12, 7)),  # 05/12 is a Saturday: Monday
        (2, 0, "snv", "gd.snv", "kế hoạch", date(2026, 12, 24)),
        (2, 0, "stc", "gd.stc", "kế hoạch", date(2026, 12, 24)),
        (3, 0, "snv", "snv.cb1", "dự toán", date(2026, 12, 1)),
    ]
    assert {p.draft.basis for p in planned} == {"Kế hoạch số 112/KH-UBND ngày 24/11/2026"}
    assert planned[0].draft.title == "Báo cáo tuần"
    assert planned[0].draft.coordinators == (Coordinator("snv", "Cung cấp số liệu"),)


def test_every_fault_is_named_with_its_row_and_nothing_passes() -> None:
    draft = plan(
        item("vp"),  # row 1: fine
        item("snv", description=None),  # row 2: rõ việc
        item("nowhere"),  # row 3: no such unit
        item("stc", products=(product(term="sớm"),)),  # row 4: a term not understood
        item("xa1"),  # row 5: nobody heads it
        item("snv", "stc", owner_id="gd.snv"),  # row 6: one owner for two units
        item("stc", products=(product(term="01 tháng", deadline=DeadlineSpec(working_days=3)),)),
        basis=None,
    )
    with pytest.raises(DomainError) as caught:
        validate_plan(draft, CHAIRMAN, FACTS, CAL, NOW)
    err = caught.value
    assert err.code == Code.VALIDATION
    found = {(f.row, f.field, f.code) for f in err.fields}
    assert found == {
        (None, "basis", "MISSING_BASIS"),
        (2, "items[1].description", "MISSING_DESCRIPTION"),
        (3, "items[2].leadUnitIds[0]", "UNKNOWN_LEAD_UNIT"),
        (3, "items[2].ownerId", "MISSING_OWNER"),
        (4, "items[3].products[0].deadline", "INVALID_TERM"),
        (5, "items[4].ownerId", "UNIT_WITHOUT_HEAD"),
        (6, "items[5].ownerId", "OWNER_FOR_MANY_UNITS"),
        (7, "items[6].products[0].deadline", "AMBIGUOUS_DEADLINE"),
    }
    assert len(err.fields) == len(found)  # each fault once, not once per product or unit
    assert "Kế hoạch chưa hợp lệ" in err.message


def test_a_unit_outside_the_issuers_authority_is_forbidden_with_its_row() -> None:
    with pytest.raises(DomainError) as caught:
        validate_plan(plan(item("vp"), item("khac")), CHAIRMAN, FACTS, CAL, NOW)
    assert caught.value.code == Code.FORBIDDEN
    assert [(f.row, f.code) for f in caught.value.fields] == [(2, "NO_AUTHORITY")]


def test_an_empty_plan_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        validate_plan(plan(number=" ", subject=""), CHAIRMAN, FACTS, CAL, NOW)
    assert {f.code for f in caught.value.fields} == {
        "EMPTY_PLAN", "MISSING_PLAN_NUMBER", "MISSING_PLAN_SUBJECT"}


def test_names_from_a_file_replace_the_plain_not_found() -> None:
    named = [FieldIssue("items[0].leadUnitIds[0]", "UNKNOWN_LEAD_UNIT",
                        "Dòng 8: không tìm thấy đơn vị chủ trì “Phòng X”.", "rõ người", 8)]
    with pytest.raises(DomainError) as caught:
        validate_plan(plan(item("Phòng X", row=8), item("snv", description="", row=9)),
                      CHAIRMAN, FACTS, CAL, NOW)
    merged = with_named(named, caught.value)
    assert [(f.row, f.code, f.message[:6]) for f in merged.fields] == [
        (8, "UNKNOWN_LEAD_UNIT", "Dòng 8"), (8, "MISSING_OWNER", "Thiếu "),
        (9, "MISSING_DESCRIPTION", "Thiếu ")]


def test_a_plan_fulfils_only_an_open_plan_task_of_its_issuer_once() -> None:
    from domain.lifecycle import TaskState
    from domain.plan_cascade import FulfilsFacts, fulfils_issues, orders_a_plan

    assert orders_a_plan("Kế hoạch") and not orders_a_plan("báo cáo")
    ok = FulfilsFacts(True, "kế hoạch", TaskState.IN_PROGRESS, True, None)
    assert fulfils_issues(ok) == []
    assert [i.code for i in fulfils_issues(FulfilsFacts(False))] == ["UNKNOWN_TASK"]
    bad = FulfilsFacts(True, "báo cáo", TaskState.COMPLETED, False, "p1")
    assert [i.code for i in fulfils_issues(bad)] == [
        "FULFILS_NOT_A_PLAN_TASK", "FULFILS_NOT_YOURS", "FULFILS_CLOSED_TASK",
        "ALREADY_FULFILLED"]
    with pytest.raises(DomainError) as caught:  # and with the plan's other faults, at once
        validate_plan(plan(item("vp"), fulfils_task_id="t1"), CHAIRMAN, FACTS, CAL, NOW)
    assert [f.code for f in caught.value.fields] == ["UNKNOWN_TASK"]


@pytest.mark.parametrize("text", [
    "Các cơ quan, đơn vị thuộc xã", "Các phòng, đơn vị thuộc xã",
    "các cơ quan, đơn vị liên quan thuộc xã", "Các cơ quan, đơn vị thuộc phường",
    "Các phòng chuyên môn thuộc UBND phường", "Các cơ quan, đơn vị thuộc đặc khu.",
])
def test_a_communes_group_names_stand_for_all_its_units(text: str) -> None:
    from domain.plan_wording import EVERY_UNIT

    assert unit_group(text) == EVERY_UNIT


def test_owners_by_title_and_kinds_from_the_communes_wording() -> None:
    from domain.titles import Rank, read_title

    assert read_title("Chánh Văn phòng") == (Rank.HEAD, "van phong")
    assert read_title("Trưởng phòng Kinh tế") == (Rank.HEAD, "phong kinh te")
    assert read_title("Phó Trưởng phòng Kinh tế") == (Rank.DEPUTY, "phong kinh te")
    assert read_title("Nguyễn Văn An") is None
    assert product_kind("Dự thảo Kế hoạch kiểm tra công vụ") == "dự thảo"
    assert product_kind("Lịch công tác tuần") == "lịch"


def test_a_signed_plan_keyed_in_after_a_term_is_accepted_overdue_from_the_start() -> None:
    """Signed 02/11, keyed in 24/11: "10 ngày làm việc" (16/11) has elapsed. The plan is taken
    whole, that row's task keeps the plan's own term (overdue from the start, with a warning);
    a deadline before the signing day is still refused."""
    from domain.plan_warnings import OVERDUE_AT_ENTRY, entry_warnings

    signed = date(2026, 11, 2)
    draft = plan(item("vp", products=(product("Báo cáo nhanh", "10 ngày làm việc"),
                                      product("Báo cáo tháng", "01 tháng"))),
                 issued_on=signed)
    planned = validate_plan(draft, CHAIRMAN, FACTS, CAL, NOW)
    assert [p.deadline.date() for p in planned] == [date(2026, 11, 16), date(2026, 12, 2)]
    warnings = entry_warnings([(p.row, p.draft.title, p.deadline) for p in planned], NOW)
    assert [(w.row, w.code) for w in warnings] == [(1, OVERDUE_AT_ENTRY)]
    assert "16/11/2026" in warnings[0].message and "quá hạn" in warnings[0].message
    before = plan(item("vp", products=(product("Báo cáo", "30/10/2026"),)), issued_on=signed)
    with pytest.raises(DomainError) as caught:
        validate_plan(before, CHAIRMAN, FACTS, CAL, NOW)
    assert [(f.row, f.code) for f in caught.value.fields] == [(1, "DEADLINE_BEFORE_SIGNING")]
    assert "02/11/2026" in caught.value.fields[0].message
    # Unsigned (no issue date): a deadline already gone is refused as before.
    with pytest.raises(DomainError) as caught:
        validate_plan(plan(item("vp", products=(product("Báo cáo", "20/11/2026"),)),
                           issued_on=None), CHAIRMAN, FACTS, CAL, NOW)
    assert [f.code for f in caught.value.fields] == ["DEADLINE_IN_PAST"]


def test_ongoing_duties_recur_on_the_plans_reporting_cycle() -> None:
    from domain.plan import check_plan
    from domain.plan_terms import REPORTING_CYCLES, WEEKLY_REPORTING, reporting_cycle
    from domain.recurrence import Frequency

    assert reporting_cycle(None) == reporting_cycle(" ") == WEEKLY_REPORTING
    assert reporting_cycle("Hằng tháng") == REPORTING_CYCLES[Frequency.MONTHLY]
    assert reporting_cycle("hằng quý.") == REPORTING_CYCLES[Frequency.QUARTERLY]
    assert reporting_cycle("MONTHLY") == REPORTING_CYCLES[Frequency.MONTHLY]
    assert reporting_cycle("thỉnh thoảng") is None
    ongoing = item("vp", products=(product("Báo cáo chuyển đổi số", "Thường xuyên"),))
    for cycle in (REPORTING_CYCLES[Frequency.MONTHLY], WEEKLY_REPORTING):
        (rule,) = check_plan(plan(ongoing, reporting=cycle), CHAIRMAN, FACTS, CAL, NOW).rules
        assert rule.draft.recurrence == cycle


def test_a_plan_giving_a_unit_the_same_duty_twice_is_refused_at_the_later_row() -> None:
    from domain.recurrence import Frequency, Recurrence, duty_key

    weekly = Recurrence(Frequency.WEEKLY, weekday=5)
    assert duty_key("Báo cáo  Tuần", weekly) == duty_key("bao cao tuan", weekly)
    assert duty_key("Báo cáo tuần", weekly) != duty_key("Báo cáo tuần", Recurrence(
        Frequency.MONTHLY, day=31))
    twice = plan(item("vp", products=(product("Báo cáo kiểm đếm", "Hằng tuần"),)),
                 item("snv", products=(product("Báo cáo kiểm đếm", "Hằng tuần"),)),
                 item("vp", products=(product("Báo cáo  kiểm đếm", "hằng tuần"),)))
    with pytest.raises(DomainError) as caught:
        validate_plan(twice, CHAIRMAN, FACTS, CAL, NOW)
    assert [(f.row, f.code) for f in caught.value.fields] == [(3, "DUPLICATE_RULE")]
    assert "dòng 1" in caught.value.fields[0].message
