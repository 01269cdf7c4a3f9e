"""What the briefing says, gathered once from the read model; every renderer reads only this.
User text (titles, names, reasons) is cleaned here, on the way in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from activities.briefing import nd30
from activities.briefing.text import day, moment, number
from domain.calendar import WorkingCalendar
from domain.org import Role
from domain.periods import Period
from domain.tally import Figures, UnitTally, judge
from domain.text import clean_for_report as clean
from domain.timeliness import Timeliness, overdue_phrase
from domain.timezone import to_local
from giaoviec.reads.counts import Clock, timeliness_condition
from giaoviec.reads.facts import fact_of
from giaoviec.store.models import Official, Task, Unit

KIND_TITLE = "BÁO CÁO"
KIND_CODE = "BC"
COLUMNS = [
    ("Đơn vị", None),
    ("Tổng số", "total"),
    ("Hoàn thành đúng hạn", "completed_on_time"),
    ("Hoàn thành quá hạn", "completed_late"),
    ("Chưa hoàn thành, trong hạn", "open_in_time"),
    ("Chưa hoàn thành, quá hạn", "open_overdue"),
    ("Sắp đến hạn", "due_soon"),
    ("Đến hạn trong kỳ", "due_in_period"),
    ("Giao trong kỳ", "assigned_in_period"),
    ("Hoàn thành trong kỳ", "completed_in_period"),
    ("Tỷ lệ đúng hạn (%)", "on_time_rate"),
]
OVERDUE_COLUMNS = ["Nhiệm vụ", "Đơn vị chủ trì", "Người chịu trách nhiệm", "Hạn xử lý",
                   "Số ngày làm việc quá hạn", "Số lần đã nhắc"]
FLAGGED_MARK = " (nêu tên tại giao ban)"


@dataclass
class Row:
    name: str
    figures: Figures
    change_overdue: int | None = None  # against the previous period
    change_rate: float | None = None

    def value(self, key: str) -> object:
        return getattr(self.figures, key)

    def cells(self) -> list[object]:
        """The row as the figures table shows it, in COLUMNS order."""
        return [self.name, *[self.value(key or "") for _, key in COLUMNS[1:]]]


@dataclass
class OverdueItem:
    title: str
    unit: str
    owner: str
    deadline: str
    days_overdue: int
    reminders: int
    flagged: bool

    @property
    def overdue_text(self) -> str:
        return overdue_phrase(self.days_overdue)


@dataclass
class ExtensionItem:
    title: str
    unit: str
    owner: str
    deadline: str
    requested: str
    reason: str


@dataclass
class BriefingData:
    period: Period
    revision: int
    issuer_parent: str  # cơ quan chủ quản, "" for a People's Committee
    issuer_lines: list[str]  # the issuing body, e.g. ["ỦY BAN NHÂN DÂN", "TỈNH AN GIANG"]
    number: str  # "47/BC-UBND"
    place_date: str  # "An Giang, ngày 23 tháng 11 năm 2026"
    subject: str  # trích yếu
    total: Row
    rows: list[Row]
    overdue: list[OverdueItem]
    extensions: list[ExtensionItem]
    flagged: list[OverdueItem]
    ranking: list[Row]
    recipients: list[str]  # nơi nhận, as printed: "- …;" lines ending "- Lưu: VT, VP."
    signature_lines: list[str]  # "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"
    signer_name: str
    generated_at: str
    summary_line: str = ""
    period_range: str = ""
    kind_title: str = KIND_TITLE
    notes: list[str] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return " ".join(self.issuer_lines)

    @classmethod
    def build(
        cls, session: Session, period: Period, root: UnitTally, at: datetime, now: datetime,
        revision: int, calendar: WorkingCalendar, previous: dict[str, dict],  # type: ignore[type-arg]
        *, sequence: int | None = None, signer_id: str | None = None,
    ) -> BriefingData:
        """`sequence` is the briefing's number in the issuer's yearly register (default: the
        period's number, e.g. the week); `signer_id` picks the signer (default: the head)."""
        root_unit = session.get(Unit, root.unit.id)
        assert root_unit is not None
        parent = session.get(Unit, root_unit.parent_id) if root_unit.parent_id else None
        units = {u.id: u for u in session.exec(
            select(Unit).where(col(Unit.path).startswith(root_unit.path))).all()}
        # Only what the briefing names: overdue tasks, and pending extension requests.
        clock = Clock.at(at, calendar)
        tasks = session.exec(select(Task).where(
            col(Task.lead_unit_path).startswith(root_unit.path),
            or_(timeliness_condition(Timeliness.OVERDUE, clock),
                col(Task.extension_requested_deadline).is_not(None)))).all()
        people = {o.id: o for o in session.exec(select(Official).where(
            col(Official.unit_id).in_(list(units)))).all()}

        def row(t: UnitTally) -> Row:
            prev = previous.get(t.unit.id)
            prev_f = Figures.from_dict(prev) if prev else None
            rate, before = t.rolled.on_time_rate, prev_f.on_time_rate if prev_f else None
            return Row(clean(t.unit.name), t.rolled,
                       t.rolled.open_overdue - prev_f.open_overdue if prev_f else None,
                       round(rate - before, 1) if rate is not None and before is not None
                       else None)

        def unit_name(unit_id: str) -> str:
            return clean(units[unit_id].name)

        rows = [row(c) for c in root.children]
        if root.own.total:
            rows.insert(0, Row(f"{clean(root.unit.name)} (trực tiếp)", root.own))
        overdue, flagged, extensions = [], [], []
        for task in tasks:
            if judge(fact_of(task), at, calendar) is not Timeliness.OVERDUE:
                continue
            item = OverdueItem(
                clean(task.title), unit_name(task.lead_unit_id), _name(people, task.owner_id),
                day(task.deadline), calendar.working_days_overdue(task.deadline, at),
                task.overdue_reminders, task.flagged)
            overdue.append(item)
            if task.flagged:
                flagged.append(item)
        for task in tasks:
            if task.extension_requested_deadline is not None and task.state not in (
                    "completed", "cancelled"):
                extensions.append(ExtensionItem(
                    clean(task.title), unit_name(task.lead_unit_id),
                    _name(people, task.owner_id), day(task.deadline),
                    day(task.extension_requested_deadline), clean(task.extension_reason)))
        overdue.sort(key=lambda i: (-i.days_overdue, i.unit, i.title))
        # Ranked by on-time rate over what was due or completed in the period; a unit with
        # nothing to rate has no place in the ranking (it shows "—" in the table).
        ranked = sorted((r for r in rows if r.figures.on_time_rate is not None),
                        key=lambda r: (-(r.figures.on_time_rate or 0), r.figures.open_overdue,
                                       r.name))

        issuer_name = clean(root_unit.name)
        parent_name = clean(parent.name) if parent else None
        committee = nd30.split_committee(issuer_name)
        office = next((u for u in units.values()
                       if u.parent_id == root_unit.id and u.kind == "office"), None)
        signer, deputy = _signer(
            [o for o in people.values() if o.unit_id == root_unit.id and o.active],
            signer_id, committee=committee is not None)
        issuer_parent, issuer_lines = nd30.issuer_lines(issuer_name, parent_name)
        place = nd30.place_name(issuer_name if committee or not parent_name else parent_name)
        f = root.rolled
        summary = (f"Tổng số {f.total} nhiệm vụ: hoàn thành đúng hạn {f.completed_on_time}, "
                   f"hoàn thành quá hạn {f.completed_late}, chưa hoàn thành trong hạn "
                   f"{f.open_in_time}, chưa hoàn thành quá hạn {f.open_overdue}; "
                   f"tỷ lệ đúng hạn {number(f.on_time_rate)}%.")
        return cls(
            period=period, revision=revision,
            issuer_parent=issuer_parent, issuer_lines=issuer_lines,
            number=nd30.document_number(sequence or period.number, KIND_CODE,
                                        nd30.abbreviation(issuer_name)),
            place_date=nd30.date_line(place, to_local(now).date()),
            subject=f"Kết quả kiểm đếm nhiệm vụ {period.label}",
            total=row(root), rows=rows, overdue=overdue, extensions=extensions,
            flagged=flagged, ranking=ranked,
            recipients=nd30.recipient_lines(
                _recipients(issuer_name, parent_name),
                nd30.abbreviation(clean(office.name)) if office else ""),
            signature_lines=nd30.signature_lines(issuer_name, deputy=deputy),
            signer_name=clean(signer.full_name) if signer else "",
            generated_at=moment(at), summary_line=summary,
            period_range=(f"từ ngày {period.first_day:%d/%m/%Y} "
                          f"đến ngày {period.last_day:%d/%m/%Y}"),
            notes=["Bản điều chỉnh: số liệu đã thay đổi so với bản trước của cùng kỳ."]
            if revision > 1 else [],
        )


def _name(people: dict[str, Official], official_id: str) -> str:
    person = people.get(official_id)
    return clean(person.full_name if person else official_id)


def _signer(members: Sequence[Official], signer_id: str | None, *,
            committee: bool) -> tuple[Official | None, bool]:
    """Who signs and whether as a deputy (KT.): the chosen official, else the head (the
    chairman of a People's Committee, the head of any other body), else the first deputy."""
    head_role = Role.CHAIRMAN if committee else Role.UNIT_HEAD
    heads = sorted((o for o in members if head_role in o.role_list), key=lambda o: o.id)
    deputies = sorted((o for o in members if Role.VICE_CHAIRMAN in o.role_list
                       and head_role not in o.role_list), key=lambda o: o.id)
    chosen = [o for o in (*heads, *deputies) if o.id == signer_id]
    person = next(iter((*chosen, *heads, *deputies)), None)
    return person, person is not None and head_role not in person.role_list


def _recipients(issuer_name: str, parent_name: str | None) -> list[str]:
    committee = nd30.split_committee(issuer_name)
    if committee is not None:
        level = committee[0]
        return [f"Chủ tịch, các PCT UBND {level}".strip(), "Các cơ quan, đơn vị, địa phương"]
    head = nd30.head_title(issuer_name).capitalize()
    own = [f"{head}, các Phó {head}", "Các phòng, đơn vị trực thuộc"]
    return [f"{parent_name} (để báo cáo)", *own] if parent_name else own
