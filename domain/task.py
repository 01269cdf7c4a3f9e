"""A task and its six "rõ": the draft an assigner submits, and its validation.

Validation collects every problem at once, each with its field, its "rõ" and a stable code,
so the assigner fixes everything in one pass. Every text and date a user gives is bounded
here: a hostile value is refused before it can reach a workflow, a timer or the database.
"""


from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from domain.calendar import WorkingCalendar
from domain.errors import Code, DomainError, FieldIssue, validation_error
from domain.inputs import LATEST_YEAR, Add, check_text, date_issue, instant_issue
from domain.org import Actor, Role, can_assign, is_above
from domain.ro import (
    RO_NGUOI,
    RO_SAN_PHAM,
    RO_THAM_QUYEN,
    RO_THOI_GIAN,
    RO_TRACH_NHIEM,
    RO_VIEC,
)
from domain.text import is_blank
from domain.timezone import as_aware, at_local, local_date

__all__ = [
    "RO_NGUOI", "RO_SAN_PHAM", "RO_THAM_QUYEN", "RO_THOI_GIAN", "RO_TRACH_NHIEM", "RO_VIEC",
]

MAX_TITLE = 500
MAX_TEXT = 10_000  # a task's description
MAX_SHORT = 500  # basis, product kind, milestone title
MAX_NOTE = 2_000  # duties, product description and measure, reasons, notes
MAX_WORKING_DAYS = 2_000
MAX_COORDINATORS = 50
MAX_MILESTONES = 50


@dataclass(frozen=True)
class Coordinator:
    unit_id: str
    duty: str


@dataclass(frozen=True)
class Milestone:
    title: str
    due: date


@dataclass(frozen=True)
class Product:
    kind: str
    description: str
    measure: str | None = None


@dataclass(frozen=True)
class DeadlineSpec:
    """Exactly one of: an instant, a date (end of that working day), N working days."""

    at: datetime | None = None
    on_date: date | None = None
    working_days: int | None = None


@dataclass(frozen=True)
class TaskDraft:
    title: str
    description: str | None
    lead_unit_id: str
    owner_id: str
    basis: str | None
    deadline: DeadlineSpec
    product: Product | None
    coordinators: Sequence[Coordinator] = field(default_factory=tuple)
    milestones: Sequence[Milestone] = field(default_factory=tuple)


@dataclass(frozen=True)
class OrgFacts:
    """What validation needs to know about the organisation, looked up by the caller."""

    lead_unit_path: tuple[str, ...] | None  # None: no such unit
    owner_unit_id: str | None  # None: no such official (or not active)
    known_unit_ids: frozenset[str]  # which coordinator units exist
    owner_roles: frozenset[Role] = frozenset()
    # Where each known coordinator unit sits: it must be within the assigner's authority.
    coordinator_paths: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _blank(value: str | None) -> bool:
    return is_blank(value)


def resolve_deadline(spec: DeadlineSpec, calendar: WorkingCalendar, now: datetime) -> datetime:
    if spec.at is not None:
        return as_aware(spec.at)
    if spec.on_date is not None:
        return calendar.deadline_for_date(spec.on_date)
    assert spec.working_days is not None
    return calendar.deadline_in_working_days(now, spec.working_days)


def validate_draft(
    draft: TaskDraft,
    assigner: Actor,
    facts: OrgFacts,
    calendar: WorkingCalendar,
    now: datetime,
    *,
    signed_on: date | None = None,
) -> datetime:
    """Check all six "rõ"; return the resolved deadline or raise one error: FORBIDDEN (naming
    the "rõ thẩm quyền" field) when the assigner has no authority, else VALIDATION with every
    failing field. `signed_on`: the task is a term of a document signed that day (a plan keyed
    in later), whose deadline may have passed since but not come before it
    (`earliest_deadline`)."""
    issues: list[FieldIssue] = []

    def add(field_name: str, code: str, ro: str, message: str) -> None:
        issues.append(FieldIssue(field_name, code, message, ro))

    _check_work(draft, add)
    _check_people(draft.lead_unit_id, draft.owner_id, facts, add)
    _check_authority(draft.lead_unit_id, draft.owner_id, assigner, facts, add)
    check_text(add, "basis", draft.basis, limit=MAX_SHORT, ro=RO_THAM_QUYEN, label="Căn cứ",
               missing=("MISSING_BASIS",
                        "Thiếu căn cứ giao việc (ví dụ: Kế hoạch số 208/KH-UBND)."))
    _check_responsibility(draft, facts, add, assigner)
    deadline = _check_time(draft, calendar, now, add, signed_on)
    _check_product(draft, add)
    raise_if_any(issues)
    assert deadline is not None
    return deadline


def raise_if_any(issues: list[FieldIssue], subject: str = "Nhiệm vụ") -> None:
    """No authority is FORBIDDEN (an outsider learns nothing more); anything else VALIDATION
    about `subject` (a task, a plan, a recurring duty…), each issue once."""
    unique = list(dict.fromkeys(issues))
    denied = [i for i in unique if i.code in AUTHORITY_CODES]
    if denied:
        raise DomainError(Code.FORBIDDEN, denied[0].message, denied)
    if unique:
        raise validation_error(unique, subject)


def validate_reassignment(
    actor: Actor, lead_unit_id: str, owner_id: str, facts: OrgFacts
) -> None:
    """A new lead unit and owner: the same "rõ người" and "rõ thẩm quyền" rules as assigning."""
    issues: list[FieldIssue] = []

    def add(field_name: str, code: str, ro: str, message: str) -> None:
        issues.append(FieldIssue(field_name, code, message, ro))

    _check_people(lead_unit_id, owner_id, facts, add)
    _check_authority(lead_unit_id, owner_id, actor, facts, add)
    raise_if_any(issues)


AUTHORITY_CODES = frozenset({"NO_AUTHORITY", "OWNER_OUTRANKS_ASSIGNER"})


def _check_work(draft: TaskDraft, add: Add) -> None:
    if not _blank(draft.title) and len(draft.title) > MAX_TITLE:
        add("title", "TITLE_TOO_LONG", RO_VIEC, f"Tên nhiệm vụ dài quá {MAX_TITLE} ký tự.")
    elif _blank(draft.title):
        add("title", "MISSING_TITLE", RO_VIEC, "Thiếu tên nhiệm vụ.")
    if not _blank(draft.description) and len(draft.description or "") > MAX_TEXT:
        add("description", "DESCRIPTION_TOO_LONG", RO_VIEC,
            f"Nội dung nhiệm vụ dài quá {MAX_TEXT} ký tự.")
    elif _blank(draft.description):
        add("description", "MISSING_DESCRIPTION", RO_VIEC, "Thiếu nội dung nhiệm vụ.")


def _check_people(lead_unit_id: str, owner_id: str, facts: OrgFacts, add: Add) -> None:
    if _blank(lead_unit_id):
        add("leadUnitId", "MISSING_LEAD_UNIT", RO_NGUOI, "Thiếu đơn vị chủ trì.")
    elif facts.lead_unit_path is None:
        add("leadUnitId", "UNKNOWN_LEAD_UNIT", RO_NGUOI, "Không tìm thấy đơn vị chủ trì.")
    if _blank(owner_id):
        add("ownerId", "MISSING_OWNER", RO_NGUOI, "Thiếu người chịu trách nhiệm chính.")
    elif facts.owner_unit_id is None:
        add("ownerId", "UNKNOWN_OWNER", RO_NGUOI,
            "Không tìm thấy người chịu trách nhiệm chính.")
    elif facts.lead_unit_path is not None and facts.owner_unit_id != lead_unit_id:
        add("ownerId", "OWNER_NOT_IN_LEAD_UNIT", RO_NGUOI,
            "Người chịu trách nhiệm chính phải thuộc đơn vị chủ trì.")


def _check_authority(
    lead_unit_id: str, owner_id: str, assigner: Actor, facts: OrgFacts, add: Add
) -> None:
    path = facts.lead_unit_path
    if path is None:
        return
    if not can_assign(assigner, path):
        add("leadUnitId", "NO_AUTHORITY", RO_THAM_QUYEN,
            "Người giao không có thẩm quyền giao việc cho đơn vị này.")
    elif facts.owner_unit_id == lead_unit_id and is_above(
        Actor(owner_id, path, facts.owner_roles), assigner
    ):
        add("ownerId", "OWNER_OUTRANKS_ASSIGNER", RO_THAM_QUYEN,
            "Không giao việc cho người có chức vụ cao hơn người giao.")


def _check_responsibility(draft: TaskDraft, facts: OrgFacts, add: Add,
                          assigner: Actor | None = None) -> None:
    if len(draft.coordinators) > MAX_COORDINATORS:
        add("coordinators", "TOO_MANY_COORDINATORS", RO_TRACH_NHIEM,
            f"Tối đa {MAX_COORDINATORS} đơn vị phối hợp.")
        return
    seen: set[str] = set()
    for i, c in enumerate(draft.coordinators):
        where = f"coordinators[{i}]"
        if c.unit_id == draft.lead_unit_id:
            add(f"{where}.unitId", "COORDINATOR_IS_LEAD", RO_TRACH_NHIEM,
                "Đơn vị chủ trì không đồng thời là đơn vị phối hợp.")
        elif c.unit_id in seen:
            add(f"{where}.unitId", "DUPLICATE_COORDINATOR", RO_TRACH_NHIEM,
                "Một đơn vị phối hợp được nêu hai lần.")
        elif c.unit_id not in facts.known_unit_ids:
            add(f"{where}.unitId", "UNKNOWN_COORDINATOR", RO_TRACH_NHIEM,
                "Không tìm thấy đơn vị phối hợp.")
        elif assigner is not None and (path := facts.coordinator_paths.get(c.unit_id)) \
                and not can_assign(assigner, path):
            # Coordination is a duty the assigner gives: only to units he may give work to.
            add(f"{where}.unitId", "COORDINATOR_OUTSIDE_AUTHORITY", RO_TRACH_NHIEM,
                "Người giao không có thẩm quyền giao nhiệm vụ phối hợp cho đơn vị này.")
        seen.add(c.unit_id)
        check_text(add, f"{where}.duty", c.duty, limit=MAX_NOTE, ro=RO_TRACH_NHIEM,
                   label="Nhiệm vụ của đơn vị phối hợp",
                   missing=("MISSING_COORDINATOR_DUTY",
                            "Thiếu nhiệm vụ cụ thể của đơn vị phối hợp."))


def _check_time(
    draft: TaskDraft, calendar: WorkingCalendar, now: datetime, add: Add,
    signed_on: date | None = None,
) -> datetime | None:
    deadline = _check_deadline(draft.deadline, calendar, now, add, signed_on)
    if len(draft.milestones) > MAX_MILESTONES:
        add("milestones", "TOO_MANY_MILESTONES", RO_THOI_GIAN,
            f"Tối đa {MAX_MILESTONES} mốc tiến độ.")
        return deadline
    # Milestones are checked even without a usable deadline, so every issue comes at once.
    for i, m in enumerate(draft.milestones):
        check_text(add, f"milestones[{i}].title", m.title, limit=MAX_SHORT, ro=RO_THOI_GIAN,
                   label="Tên mốc tiến độ",
                   missing=("MISSING_MILESTONE_TITLE", "Thiếu tên mốc tiến độ."))
        out_of_range = date_issue(f"milestones[{i}].due", m.due)
        if out_of_range is not None:
            add(out_of_range.field, out_of_range.code, out_of_range.ro, out_of_range.message)
        elif deadline is not None and m.due > local_date(deadline):
            add(f"milestones[{i}].due", "MILESTONE_AFTER_DEADLINE", RO_THOI_GIAN,
                "Mốc tiến độ không được sau thời hạn xử lý.")
        elif m.due < local_date(now):
            add(f"milestones[{i}].due", "MILESTONE_IN_PAST", RO_THOI_GIAN,
                "Mốc tiến độ đã qua.")
    return deadline


def earliest_deadline(now: datetime, signed_on: date | None) -> datetime:
    """The one rule for a deadline already gone: a task's must be after `now`; a term of a
    document signed on `signed_on` (a plan keyed in after one of its terms elapsed) must only
    fall on or after the day it was signed — it is then overdue from the start."""
    return as_aware(now) if signed_on is None else at_local(signed_on, time(0))


def _check_deadline(
    spec: DeadlineSpec, calendar: WorkingCalendar, now: datetime, add: Add,
    signed_on: date | None = None,
) -> datetime | None:
    given = [v for v in (spec.at, spec.on_date, spec.working_days) if v is not None]
    if not given:
        add("deadline", "MISSING_DEADLINE", RO_THOI_GIAN, "Thiếu thời hạn xử lý.")
        return None
    if len(given) > 1:
        add("deadline", "AMBIGUOUS_DEADLINE", RO_THOI_GIAN,
            "Chỉ nêu một trong ba: thời điểm, ngày, hoặc số ngày làm việc.")
        return None
    if spec.working_days is not None and not 1 <= spec.working_days <= MAX_WORKING_DAYS:
        add("workingDays", "INVALID_WORKING_DAYS", RO_THOI_GIAN,
            f"Số ngày làm việc phải từ 1 đến {MAX_WORKING_DAYS}.")
        return None
    bad = (instant_issue("deadline", spec.at) if spec.at is not None
           else date_issue("deadlineDate", spec.on_date) if spec.on_date is not None else None)
    if bad is not None:
        add(bad.field, bad.code, bad.ro, bad.message)
        return None
    deadline = resolve_deadline(spec, calendar, now)
    if deadline.year > LATEST_YEAR:  # N working days, or a date moved past a holiday
        add("deadline", "DATE_OUT_OF_RANGE", RO_THOI_GIAN,
            f"Thời hạn phải trước hết năm {LATEST_YEAR}.")
        return None
    if deadline <= earliest_deadline(now, signed_on):
        if signed_on is None:
            add("deadline", "DEADLINE_IN_PAST", RO_THOI_GIAN, "Thời hạn xử lý đã qua.")
        else:
            add("deadline", "DEADLINE_BEFORE_SIGNING", RO_THOI_GIAN,
                f"Thời hạn xử lý trước ngày ký ban hành ({signed_on:%d/%m/%Y}).")
    return deadline


def _check_product(draft: TaskDraft, add: Add) -> None:
    p = draft.product
    if p is None:
        add("product", "MISSING_PRODUCT", RO_SAN_PHAM, "Thiếu sản phẩm đầu ra.")
        return
    check_text(add, "product.kind", p.kind, limit=MAX_SHORT, ro=RO_SAN_PHAM,
               label="Loại sản phẩm",
               missing=("MISSING_PRODUCT_KIND", "Thiếu loại sản phẩm (báo cáo, kế hoạch, văn "
                                                "bản, quyết định, số liệu…)."))
    check_text(add, "product.description", p.description, limit=MAX_NOTE, ro=RO_SAN_PHAM,
               label="Mô tả sản phẩm",
               missing=("MISSING_PRODUCT_DESCRIPTION", "Thiếu mô tả sản phẩm đầu ra."))
    # The plans ask for "sản phẩm đầu ra định lượng được": how the product is measured.
    check_text(add, "product.measure", p.measure, limit=MAX_NOTE, ro=RO_SAN_PHAM,
               label="Tiêu chí đo lường sản phẩm",
               missing=("MISSING_PRODUCT_MEASURE",
                        "Thiếu tiêu chí đo lường, nghiệm thu sản phẩm đầu ra."))
