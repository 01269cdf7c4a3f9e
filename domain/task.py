"""A task and its six "rõ": the draft an assigner submits, and its validation.

Validation collects every problem at once, each with its field, its "rõ" and a stable code,
so the assigner fixes everything in one pass.
"""


from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.calendar import WorkingCalendar
from domain.errors import FieldIssue, validation_error
from domain.org import Actor, can_assign
from domain.timezone import as_aware, local_date

RO_VIEC = "rõ việc"
RO_NGUOI = "rõ người"
RO_THAM_QUYEN = "rõ thẩm quyền"
RO_TRACH_NHIEM = "rõ trách nhiệm"
RO_THOI_GIAN = "rõ thời gian"
RO_SAN_PHAM = "rõ sản phẩm"

MAX_TITLE = 500
MAX_TEXT = 10_000
MAX_WORKING_DAYS = 2_000


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
    owner_unit_id: str | None  # None: no such official
    known_unit_ids: frozenset[str]  # which coordinator units exist


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


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
) -> datetime:
    """Check all six "rõ"; return the resolved deadline or raise one VALIDATION/FORBIDDEN error."""
    issues: list[FieldIssue] = []

    def add(field_name: str, code: str, ro: str, message: str) -> None:
        issues.append(FieldIssue(field_name, code, message, ro))

    _check_work(draft, add)
    _check_people(draft, facts, add)
    _check_authority(draft, assigner, facts, add)
    _check_responsibility(draft, facts, add)
    deadline = _check_time(draft, calendar, now, add)
    _check_product(draft, add)
    if issues:
        raise validation_error(issues)
    assert deadline is not None
    return deadline


Add = Callable[[str, str, str, str], None]


def _check_work(draft: TaskDraft, add: Add) -> None:
    if _blank(draft.title):
        add("title", "MISSING_TITLE", RO_VIEC, "Thiếu tên nhiệm vụ.")
    elif len(draft.title) > MAX_TITLE:
        add("title", "TITLE_TOO_LONG", RO_VIEC, f"Tên nhiệm vụ dài quá {MAX_TITLE} ký tự.")
    if _blank(draft.description):
        add("description", "MISSING_DESCRIPTION", RO_VIEC, "Thiếu nội dung nhiệm vụ.")
    elif draft.description and len(draft.description) > MAX_TEXT:
        add("description", "DESCRIPTION_TOO_LONG", RO_VIEC,
            f"Nội dung nhiệm vụ dài quá {MAX_TEXT} ký tự.")


def _check_people(draft: TaskDraft, facts: OrgFacts, add: Add) -> None:
    if _blank(draft.lead_unit_id):
        add("leadUnitId", "MISSING_LEAD_UNIT", RO_NGUOI, "Thiếu đơn vị chủ trì.")
    elif facts.lead_unit_path is None:
        add("leadUnitId", "UNKNOWN_LEAD_UNIT", RO_NGUOI, "Không tìm thấy đơn vị chủ trì.")
    if _blank(draft.owner_id):
        add("ownerId", "MISSING_OWNER", RO_NGUOI, "Thiếu người chịu trách nhiệm chính.")
    elif facts.owner_unit_id is None:
        add("ownerId", "UNKNOWN_OWNER", RO_NGUOI,
            "Không tìm thấy người chịu trách nhiệm chính.")
    elif facts.lead_unit_path is not None and facts.owner_unit_id != draft.lead_unit_id:
        add("ownerId", "OWNER_NOT_IN_LEAD_UNIT", RO_NGUOI,
            "Người chịu trách nhiệm chính phải thuộc đơn vị chủ trì.")


def _check_authority(draft: TaskDraft, assigner: Actor, facts: OrgFacts, add: Add) -> None:
    if _blank(draft.basis):
        add("basis", "MISSING_BASIS", RO_THAM_QUYEN,
            "Thiếu căn cứ giao việc (ví dụ: Kế hoạch số 208/KH-UBND).")
    if facts.lead_unit_path is not None and not can_assign(assigner, facts.lead_unit_path):
        add("leadUnitId", "NO_AUTHORITY", RO_THAM_QUYEN,
            "Người giao không có thẩm quyền giao việc cho đơn vị này.")


def _check_responsibility(draft: TaskDraft, facts: OrgFacts, add: Add) -> None:
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
        seen.add(c.unit_id)
        if _blank(c.duty):
            add(f"{where}.duty", "MISSING_COORDINATOR_DUTY", RO_TRACH_NHIEM,
                "Thiếu nhiệm vụ cụ thể của đơn vị phối hợp.")


def _check_time(
    draft: TaskDraft, calendar: WorkingCalendar, now: datetime, add: Add
) -> datetime | None:
    deadline = _check_deadline(draft.deadline, calendar, now, add)
    # Milestones are checked even without a usable deadline, so every issue comes at once.
    for i, m in enumerate(draft.milestones):
        if _blank(m.title):
            add(f"milestones[{i}].title", "MISSING_MILESTONE_TITLE", RO_THOI_GIAN,
                "Thiếu tên mốc tiến độ.")
        if deadline is not None and m.due > local_date(deadline):
            add(f"milestones[{i}].due", "MILESTONE_AFTER_DEADLINE", RO_THOI_GIAN,
                "Mốc tiến độ không được sau thời hạn xử lý.")
        elif m.due < local_date(now):
            add(f"milestones[{i}].due", "MILESTONE_IN_PAST", RO_THOI_GIAN,
                "Mốc tiến độ đã qua.")
    return deadline


def _check_deadline(
    spec: DeadlineSpec, calendar: WorkingCalendar, now: datetime, add: Add
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
    deadline = resolve_deadline(spec, calendar, now)
    if deadline <= as_aware(now):
        add("deadline", "DEADLINE_IN_PAST", RO_THOI_GIAN, "Thời hạn xử lý đã qua.")
    return deadline


def _check_product(draft: TaskDraft, add: Add) -> None:
    p = draft.product
    if p is None:
        add("product", "MISSING_PRODUCT", RO_SAN_PHAM, "Thiếu sản phẩm đầu ra.")
        return
    if _blank(p.kind):
        add("product.kind", "MISSING_PRODUCT_KIND", RO_SAN_PHAM,
            "Thiếu loại sản phẩm (báo cáo, kế hoạch, văn bản, quyết định, số liệu…).")
    if _blank(p.description):
        add("product.description", "MISSING_PRODUCT_DESCRIPTION", RO_SAN_PHAM,
            "Thiếu mô tả sản phẩm đầu ra.")
