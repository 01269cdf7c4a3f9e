"""domain.plan_terms: a plan's terms as the seeds write them — counted from the plan's issue
date, "trước ngày" as the last working day before, periodic terms as recurring duties,
"Theo yêu cầu" untracked with why (issue 19, item 9)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.calendar import WorkingCalendar
from domain.errors import DomainError
from domain.plan import check_plan
from domain.plan_terms import (
    WEEKLY_REPORTING,
    Deadline,
    Periodic,
    Untracked,
    read_term,
)
from domain.recurrence import DueDate, Frequency, Recurrence
from tests.unit.test_plan import CHAIRMAN, FACTS, item, plan, product

CAL = WorkingCalendar()
KEYED = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # keyed in on Tuesday 24/11/2026
ISSUED = date(2026, 11, 16)  # signed a week earlier


@pytest.mark.parametrize(("term", "due"), [
    # seed 001: "trong thời hạn 01 tháng kể từ ngày Kế hoạch được ban hành"
    ("trong thời hạn 01 tháng kể từ ngày Kế hoạch được ban hành", date(2026, 12, 16)),
    ("01 tháng kể từ ngày ký", date(2026, 12, 16)),
    ("10 ngày làm việc kể từ ngày ký", date(2026, 12, 1)),  # 24/11 is a day off
    # seed 004: "chậm nhất sau 05 ngày kể từ ngày Kế hoạch này được ban hành"
    ("chậm nhất sau 05 ngày kể từ ngày Kế hoạch này được ban hành", date(2026, 11, 21)),
    ("Trước ngày 05/12", date(2026, 12, 4)),  # 05/12/2026 is a Saturday: Friday 04/12
    ("trước ngày 05 tháng 12", date(2026, 12, 4)),
    ("Trước ngày 10/12/2026", date(2026, 12, 9)),
    ("Quý IV/2026", date(2026, 12, 31)),
    ("Trong tháng 12/2026", date(2026, 12, 31)),
    ("Năm 2026", date(2026, 12, 31)),
])
def test_terms_count_from_the_issue_date(term: str, due: date) -> None:
    reading = read_term(term, ISSUED, CAL)
    assert isinstance(reading, Deadline) and reading.spec.on_date == due


@pytest.mark.parametrize(("term", "recurrence"), [
    ("Hằng tuần", Recurrence(Frequency.WEEKLY, weekday=5)),
    ("Hằng tháng", Recurrence(Frequency.MONTHLY, day=31)),
    ("Hằng tháng, trước ngày 25", Recurrence(Frequency.MONTHLY, day=24)),
    ("Hằng quý", Recurrence(Frequency.QUARTERLY, day=31, month_in_quarter=3)),
    ("06 tháng, năm", Recurrence(Frequency.YEARLY, dates=(
        DueDate(6, 5, "6 tháng đầu năm"), DueDate(12, 5, "năm")))),
    ("định kỳ 6 tháng (trước ngày 15/6) và hằng năm (trước ngày 15/12)",
     Recurrence(Frequency.YEARLY, dates=(DueDate(6, 15, "6 tháng đầu năm"),
                                         DueDate(12, 15, "năm")))),
    ("Định kỳ hằng năm", Recurrence(Frequency.YEARLY, dates=(DueDate(12, 5, "năm"),))),
    ("Thường xuyên", WEEKLY_REPORTING),
    ("định kỳ theo quy định", WEEKLY_REPORTING),
])
def test_periodic_terms_are_recurring_duties(term: str, recurrence: Recurrence) -> None:
    assert read_term(term, ISSUED, CAL) == Periodic(recurrence)


def test_a_plan_keyed_late_keeps_its_deadlines_and_turns_periodic_rows_into_duties() -> None:
    draft = plan(
        # seed 001: each unit's own plan "trong thời hạn 01 tháng kể từ ngày … ban hành"
        item("snv", products=(product("Kế hoạch triển khai tại đơn vị",
                                      "01 tháng kể từ ngày Kế hoạch được ban hành"),)),
        # seed 001: the Văn phòng's weekly kiểm đếm
        item("vp", products=(product("Báo cáo kiểm đếm nhiệm vụ hằng tuần", "Hằng tuần"),
                             product("Báo cáo đột xuất", "Theo yêu cầu"),
                             product("Báo cáo năm", "Trước ngày 05/12"))),
        item("stc", products=(product("Báo cáo tình hình", "Thường xuyên"),)),
        issued_on=ISSUED,
    )
    valid = check_plan(draft, CHAIRMAN, FACTS, CAL, KEYED)
    assert [(t.row, t.unit_id, t.deadline.date()) for t in valid.tasks] == [
        (1, "snv", date(2026, 12, 16)),  # not 24/12: the plan was signed on 16/11
        (2, "vp", date(2026, 12, 4)),
    ]
    assert [(r.row, r.position, r.unit_id, r.draft.recurrence, r.draft.title)
            for r in valid.rules] == [
        (2, 0, "vp", Recurrence(Frequency.WEEKLY, weekday=5),
         "Báo cáo kiểm đếm nhiệm vụ hằng tuần"),
        (3, 0, "stc", WEEKLY_REPORTING, "Báo cáo tình hình"),
    ]
    rule = valid.rules[0].draft
    assert rule.unit_ids == ("vp",) and rule.starts_on == ISSUED
    assert rule.basis == "Kế hoạch số 112/KH-UBND ngày 16/11/2026"
    assert rule.product_kind == "báo cáo"
    assert [(u.row, u.description, u.term) for u in valid.untracked] == [
        (2, "Báo cáo đột xuất", "Theo yêu cầu")]
    assert "khi có yêu cầu" in valid.untracked[0].why


def test_an_unreadable_term_is_refused_naming_the_forms_that_work() -> None:
    assert read_term("sớm nhất có thể", ISSUED, CAL) is None
    assert read_term("05 ngày kể từ ngày nhận được văn bản", ISSUED, CAL) is None
    with pytest.raises(DomainError) as caught:
        check_plan(plan(item("vp", products=(product(term="sớm nhất có thể"),))),
                   CHAIRMAN, FACTS, CAL, KEYED)
    [issue] = caught.value.fields
    assert issue.code == "INVALID_TERM" and issue.row == 1
    for form in ("kể từ ngày", "trước ngày 05/12", "hằng tuần", "06 tháng, năm", "thường xuyên",
                 "theo yêu cầu"):
        assert form in issue.message


def test_untracked_reading_says_why() -> None:
    reading = read_term("Theo yêu cầu", ISSUED, CAL)
    assert isinstance(reading, Untracked) and "Theo yêu cầu" in reading.why
