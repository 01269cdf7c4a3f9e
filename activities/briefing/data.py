"""What the briefing says, gathered once from the read model; every renderer reads only this.
User text (titles, names, reasons) is cleaned here, on the way in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from activities.briefing import nd30
from activities.briefing.text import day, moment, number
from domain.calendar import WorkingCalendar
from domain.org import ROLE_LABELS_VI, Role, parse_roles, signs_as_deputy
from domain.periods import Period, PeriodKind
from domain.tally import Figures, UnitTally, awaiting_since, judge
from domain.text import clean_for_report as clean
from domain.timeliness import Timeliness, overdue_phrase
from domain.timezone import to_local
from giaoviec.reads.counts import Clock, instant, timeliness_condition
from giaoviec.reads.facts import fact_of
from giaoviec.reads.org import tracking_unit_of
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
DRAFT_MARK = "DỰ THẢO"
RANKING_TITLE = "VII. XẾP HẠNG ĐƠN VỊ THEO TỶ LỆ HOÀN THÀNH ĐÚNG HẠN"
# How a leader is named when he has no title of his own, highest first.
LEADER_ORDER = (Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.UNIT_HEAD)


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
    # A product submitted late and awaiting approval: "đã nộp ngày …, chờ xác nhận".
    note: str = ""

    @property
    def title_cell(self) -> str:
        """The title as the overdue table prints it, with its flag and its note."""
        return (self.title + (FLAGGED_MARK if self.flagged else "")
                + (f" ({self.note})" if self.note else ""))

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
class Section:
    """A section of the briefing told in lines (every format prints the same words):
    `lines` are (level, text) — 0 a heading such as a leader's name, 1 an item; `empty` is
    printed when there are none."""

    title: str
    empty: str
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class BriefingData:
    period: Period
    revision: int
    issuer_parent: str  # cơ quan chủ quản, "" for a People's Committee
    issuer_lines: list[str]  # the issuing body, e.g. ["ỦY BAN NHÂN DÂN", "TỈNH AN GIANG"]
    number: str  # "05/BC-VP"; "" while a draft
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
    # After the overdue table: late completions, what awaits each leader, names for giao ban.
    sections: list[Section] = field(default_factory=list)
    # A draft carries no number ("Số:      /BC-VP") and says "DỰ THẢO" in every format.
    draft: bool = False
    number_suffix: str = ""
    addressee: str = ""  # "Chủ tịch UBND xã Hòa Xá" ("Kính gửi: …"), "" when none
    issuer_unit_id: str = ""

    @property
    def number_line(self) -> str:
        return f"Số: {self.number}" if self.number else f"Số:{' ' * 6}{self.number_suffix}"

    @property
    def issuer(self) -> str:
        return " ".join(self.issuer_lines)

    @classmethod
    def build(
        cls, session: Session, period: Period, root: UnitTally, at: datetime, now: datetime,
        revision: int, calendar: WorkingCalendar, previous: dict[str, dict],  # type: ignore[type-arg]
        *, sequence: int | None = None, signer_id: str | None = None, corrects: str = "",
    ) -> BriefingData:
        """A draft (no number, "DỰ THẢO") unless `sequence`, its number in the issuing unit's
        yearly register, is given; `signer_id` picks the signer (default: the head);
        `corrects` names the issued report this one corrects ("05/BC-VP ngày 23/11/2026")."""
        root_unit = session.get(Unit, root.unit.id)
        assert root_unit is not None
        parent = session.get(Unit, root_unit.parent_id) if root_unit.parent_id else None
        units = {u.id: u for u in session.exec(
            select(Unit).where(col(Unit.path).startswith(root_unit.path))).all()}
        # Only what the briefing names: overdue tasks, pending extension requests, products
        # awaiting approval, and tasks completed in the period (the late ones are named).
        clock = Clock.at(at, calendar)
        tasks = session.exec(select(Task).where(
            col(Task.lead_unit_path).startswith(root_unit.path),
            or_(timeliness_condition(Timeliness.OVERDUE, clock),
                col(Task.extension_requested_deadline).is_not(None),
                Task.state == "submitted",
                and_(Task.state == "completed",
                     col(Task.completed_at) >= instant(period.start)))
        ).order_by(col(Task.deadline), col(Task.id))).all()
        people = {o.id: o for o in session.exec(select(Official).where(or_(
            col(Official.unit_id).in_(list(units)),
            col(Official.id).in_({t.assigner_id for t in tasks})))).all()}

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
            fact = fact_of(task)
            if judge(fact, at, calendar) is not Timeliness.OVERDUE:
                continue
            submitted = awaiting_since(fact, at)
            item = OverdueItem(
                clean(task.title), unit_name(task.lead_unit_id), _name(people, task.owner_id),
                day(task.deadline), calendar.working_days_overdue(task.deadline, at),
                task.overdue_reminders, task.flagged,
                note=f"đã nộp ngày {day(submitted)}, chờ xác nhận" if submitted else "")
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

        committee_name = clean(root_unit.name)
        parent_name = clean(parent.name) if parent else None
        committee = nd30.split_committee(committee_name)
        issuer_unit = issuing_unit(session, root_unit, period)
        issuer_name = clean(issuer_unit.name)
        by_tracking = issuer_unit.id != root_unit.id
        members = session.exec(select(Official).where(
            Official.unit_id == issuer_unit.id, col(Official.active).is_(True))).all()
        signer, deputy = _signer(members, signer_id,
                                 committee=committee is not None and not by_tracking)
        if by_tracking:  # the tracking unit's report to the body's head
            issuer_parent, issuer_lines = nd30.issuer_lines(issuer_name, committee_name)
            head = nd30.head_title(committee_name).capitalize()
            addressee = f"{head} {committee_name}"
            recipients = nd30.recipient_lines(_tracking_recipients(committee_name),
                                              nd30.abbreviation(issuer_name))
        else:
            issuer_parent, issuer_lines = nd30.issuer_lines(issuer_name, parent_name)
            addressee = ""
            office = next((u for u in units.values()
                           if u.parent_id == root_unit.id and u.kind == "office"), None)
            recipients = nd30.recipient_lines(
                _recipients(issuer_name, parent_name),
                nd30.abbreviation(clean(office.name)) if office else "")
        place = nd30.place_name(committee_name if committee or not parent_name
                                else parent_name)
        code = f"{KIND_CODE}-{nd30.abbreviation(issuer_name)}"
        f = root.rolled
        summary = (f"Tổng số {f.total} nhiệm vụ: hoàn thành đúng hạn {f.completed_on_time}, "
                   f"hoàn thành quá hạn {f.completed_late}, chưa hoàn thành trong hạn "
                   f"{f.open_in_time}, chưa hoàn thành quá hạn {f.open_overdue}; "
                   f"tỷ lệ đúng hạn {number(f.on_time_rate)}%.")
        return cls(
            period=period, revision=revision,
            issuer_parent=issuer_parent, issuer_lines=issuer_lines,
            number=nd30.document_number(sequence, *code.split("-", 1)) if sequence else "",
            number_suffix=f"/{code}", draft=sequence is None, addressee=addressee,
            issuer_unit_id=issuer_unit.id,
            place_date=nd30.date_line(place, to_local(now).date()),
            subject=f"Kết quả kiểm đếm nhiệm vụ {period.label}",
            total=row(root), rows=rows, overdue=overdue, extensions=extensions,
            flagged=flagged, ranking=ranked,
            recipients=recipients,
            signature_lines=nd30.signature_lines(issuer_name, deputy=deputy),
            signer_name=clean(signer.full_name) if signer else "",
            generated_at=moment(at), summary_line=summary,
            period_range=(f"từ ngày {period.first_day:%d/%m/%Y} "
                          f"đến ngày {period.last_day:%d/%m/%Y}"),
            notes=[f"Văn bản này điều chỉnh, thay thế Báo cáo số {corrects}: số liệu đã thay đổi "
                   "sau khi ban hành."] if corrects else [],
            sections=[
                _late_section(tasks, period, at, calendar, unit_name, people),
                _decisions_section(tasks, at, calendar, unit_name, people),
                _flagged_section(flagged),
            ],
        )


def _late_section(tasks: Sequence[Task], period: Period, at: datetime,
                  calendar: WorkingCalendar, unit_name: Callable[[str], str],
                  people: dict[str, Official]) -> Section:
    """Tasks completed late in the period, by name: who, and how many working days late."""
    lines: list[tuple[int, str]] = []
    for task in tasks:
        fact = fact_of(task)
        done = task.completed_at
        if done is None or not period.contains(done) or \
                judge(fact, at, calendar) is not Timeliness.COMPLETED_LATE:
            continue
        delivered = task.submitted_at or done
        late = calendar.working_days_overdue(task.deadline, delivered)
        lines.append((1, f"“{clean(task.title)}” ({unit_name(task.lead_unit_id)}, "
                         f"{_name(people, task.owner_id)}): hạn {day(task.deadline)}, nộp ngày "
                         f"{day(delivered)}, {overdue_phrase(late)}."))
    return Section("IV. NHIỆM VỤ HOÀN THÀNH QUÁ HẠN TRONG KỲ",
                   "Không có nhiệm vụ hoàn thành quá hạn trong kỳ.", lines)


def _decisions_section(tasks: Sequence[Task], at: datetime, calendar: WorkingCalendar,
                       unit_name: Callable[[str], str],
                       people: dict[str, Official]) -> Section:
    """What awaits each leader's decision at the instant: products to approve (submitted,
    not yet approved) and extension requests, under the leader who assigned the task."""
    waiting: dict[str, list[str]] = {}
    for task in tasks:
        fact = fact_of(task)
        where = f"{unit_name(task.lead_unit_id)}, {_name(people, task.owner_id)}"
        standing = judge(fact, at, calendar)
        is_open = standing in (Timeliness.IN_TIME, Timeliness.DUE_SOON, Timeliness.OVERDUE)
        submitted = awaiting_since(fact, at) if is_open else None
        if submitted is not None:
            waiting.setdefault(task.assigner_id, []).append(
                f"Xác nhận sản phẩm “{clean(task.title)}” ({where}), nộp ngày {day(submitted)}, "
                f"hạn {day(task.deadline)}.")
        if task.extension_requested_deadline is not None and is_open:
            waiting.setdefault(task.assigner_id, []).append(
                f"Gia hạn nhiệm vụ “{clean(task.title)}” ({where}) từ {day(task.deadline)} đến "
                f"{day(task.extension_requested_deadline)}: {clean(task.extension_reason)}")
    lines: list[tuple[int, str]] = []
    for leader_id in sorted(waiting, key=lambda i: _leader(people, i)):
        lines.append((0, f"{_leader(people, leader_id)}:"))
        lines += [(1, item) for item in waiting[leader_id]]
    return Section("V. VIỆC CHỜ LÃNH ĐẠO QUYẾT ĐỊNH", "Không có việc chờ lãnh đạo quyết định.",
                   lines)


def _flagged_section(flagged: Sequence[OverdueItem]) -> Section:
    return Section("VI. NHIỆM VỤ NÊU TÊN TẠI GIAO BAN", "Không có nhiệm vụ nêu tên.", [
        (1, f"“{item.title}” ({item.unit}, {item.owner}), {item.overdue_text}, đã nhắc "
            f"{item.reminders} lần.") for item in flagged])


def _leader(people: dict[str, Official], official_id: str) -> str:
    """A leader as the briefing names him: his title (or role) and name."""
    person = people.get(official_id)
    if person is None:
        return clean(official_id)
    roles = parse_roles(person.role_list)
    title = person.title or next((ROLE_LABELS_VI[r] for r in LEADER_ORDER if r in roles), "")
    return clean(f"Đồng chí {person.full_name}, {title}" if title
                 else f"Đồng chí {person.full_name}")


def issuing_unit(session: Session, body: Unit, period: Period) -> Unit:
    """Who issues a body's briefing for a period: the 6-month and annual reports to the level
    above are the body's own (BC-UBND, "TM. ỦY BAN NHÂN DÂN"); every other (the weekly
    kiểm đếm) is its tracking unit's report to its head ("05/BC-VP")."""
    if period.kind in (PeriodKind.HALF, PeriodKind.YEAR):
        return body
    return tracking_unit_of(session, body)


def _tracking_recipients(body_name: str) -> list[str]:
    """Nơi nhận of the tracking unit's weekly report, by the body's level."""
    committee = nd30.split_committee(body_name)
    if committee is None:  # a department: its head, deputies and divisions
        head = nd30.head_title(body_name).capitalize()
        return [f"{head}, các Phó {head} {body_name}", f"Các phòng, đơn vị thuộc {body_name}"]
    level = committee[0] or "xã"
    leaders = f"Chủ tịch, các Phó Chủ tịch UBND {level}"
    if level in ("tỉnh", "thành phố"):
        return [leaders, f"Các sở, ban, ngành {level}", "UBND các xã, phường, đặc khu"]
    return [leaders, f"Các phòng, đơn vị thuộc {level}"]


def _name(people: dict[str, Official], official_id: str) -> str:
    person = people.get(official_id)
    return clean(person.full_name if person else official_id)


def _signer(members: Sequence[Official], signer_id: str | None, *,
            committee: bool) -> tuple[Official | None, bool]:
    """Who signs and whether as a deputy (KT.): the chosen official, else the head (the
    chairman of a People's Committee, the head of any other body), else the first deputy
    (domain.org.signs_as_deputy: a vice-chairman or a deputy head, never an officer)."""
    eligible = sorted(((deputy, o) for o in members
                       if (deputy := signs_as_deputy(o.role_list, committee=committee))
                       is not None), key=lambda pair: (pair[0], pair[1].id))
    chosen = [pair for pair in eligible if pair[1].id == signer_id]
    deputy, person = next(iter((*chosen, *eligible)), (False, None))
    return person, bool(deputy)


def _recipients(issuer_name: str, parent_name: str | None) -> list[str]:
    committee = nd30.split_committee(issuer_name)
    if committee is not None:
        level = committee[0]
        return [f"Chủ tịch, các PCT UBND {level}".strip(), "Các cơ quan, đơn vị, địa phương"]
    head = nd30.head_title(issuer_name).capitalize()
    own = [f"{head}, các Phó {head}", "Các phòng, đơn vị trực thuộc"]
    return [f"{parent_name} (để báo cáo)", *own] if parent_name else own
