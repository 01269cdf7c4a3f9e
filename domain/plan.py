"""A plan (kế hoạch): one document — number, date, subject, basis — that assigns many tasks to
many units, as the seeds' section "Tổ chức thực hiện" does. Each unit's duties come with one
or more products; every product becomes one task of its own (its own deadline, owner,
acceptance and place in the tally).

`validate_plan` checks every row before anything is created and names every fault with its
row, so a plan is created whole or not at all. Pure: the service looks up the organisation
(`PlanFacts`) and starts the tasks. The office's wording (terms, product kinds, unit groups)
is read by `domain.plan_wording`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from domain.calendar import WorkingCalendar
from domain.errors import Code, DomainError, FieldIssue, validation_error
from domain.inputs import Add, check_text, date_issue
from domain.org import Actor, Role, can_assign
from domain.plan_cascade import FulfilsFacts, fulfils_issues
from domain.plan_limits import (
    MAX_ITEMS,
    MAX_LEAD_UNITS,
    MAX_PRODUCTS,
    MAX_TASKS,
    capped,
    size_issues,
)
from domain.plan_terms import (
    TERM_HELP,
    WEEKLY_REPORTING,
    Deadline,
    Periodic,
    PlannedRule,
    TermReading,
    Untracked,
    UntrackedProduct,
    read_term,
    repeated_duties,
)
from domain.plan_wording import product_kind
from domain.recurrence import Recurrence, RuleDraft
from domain.ro import RO_NGUOI, RO_SAN_PHAM, RO_THAM_QUYEN, RO_THOI_GIAN, RO_VIEC
from domain.task import (
    MAX_SHORT,
    MAX_TITLE,
    Coordinator,
    DeadlineSpec,
    OrgFacts,
    Product,
    TaskDraft,
    raise_if_any,
    validate_draft,
)
from domain.text import is_blank
from domain.timezone import local_date

MAX_NUMBER = 64  # số, ký hiệu: "135/KH-UBND"
MAX_SUBJECT = MAX_TITLE  # trích yếu
MAX_TERM = 100
__all__ = ["MAX_ITEMS", "MAX_LEAD_UNITS", "MAX_PRODUCTS", "MAX_TASKS"]  # re-exported


@dataclass(frozen=True)
class PlanProduct:
    """One product of an item: one task per lead unit. The deadline is a DeadlineSpec, or the
    office's own wording (`term`: "01 tháng", "10 ngày làm việc", "05/12", "31/12/2026")."""

    description: str
    kind: str | None = None  # inferred from the description when absent ("Báo cáo …")
    measure: str | None = None
    title: str | None = None  # the task's name; the product's description when absent
    deadline: DeadlineSpec = field(default_factory=DeadlineSpec)
    term: str | None = None


@dataclass(frozen=True)
class PlanItem:
    """A row of "Tổ chức thực hiện": lead unit(s), their duties, coordinators, products."""

    lead_unit_ids: tuple[str, ...]
    description: str | None  # the duties (nội dung nhiệm vụ)
    products: tuple[PlanProduct, ...]
    owner_id: str | None = None  # the lead unit's head when absent
    coordinators: tuple[Coordinator, ...] = ()
    row: int | None = None  # where the row stands in its file; its position when absent


@dataclass(frozen=True)
class PlanDraft:
    number: str
    issued_on: date | None
    subject: str
    basis: str | None
    items: tuple[PlanItem, ...]
    fulfils_task_id: str | None = None  # the task whose product this plan is (a cascade)
    reporting: Recurrence = WEEKLY_REPORTING  # "Thường xuyên" duties recur on this cycle


@dataclass(frozen=True)
class UnitFacts:
    path: tuple[str, ...]
    heads: tuple[str, ...]  # domain.org.heads_of, in order
    name: str = ""


@dataclass(frozen=True)
class PlanFacts:
    """What the organisation says about every unit and official a plan names."""

    units: dict[str, UnitFacts]
    officials: dict[str, tuple[str, frozenset[Role]]]  # active officials: (unit id, roles)
    fulfils: FulfilsFacts | None = None


@dataclass(frozen=True)
class PlannedTask:
    """One task of a valid plan, ready to be started."""

    row: int
    position: int  # the product's index in its row
    unit_id: str
    draft: TaskDraft
    deadline: datetime


@dataclass(frozen=True)
class ValidPlan:
    tasks: list[PlannedTask]
    rules: list[PlannedRule]
    untracked: list[UntrackedProduct]


def plan_basis(number: str, issued_on: date | None) -> str:
    """What every task of a plan names as its basis (rõ thẩm quyền): the plan itself."""
    text = f"Kế hoạch số {number.strip()}"
    return f"{text} ngày {issued_on:%d/%m/%Y}" if issued_on else text


def task_client_key(plan_id: str, row: int, position: int, unit_id: str) -> str:
    """A plan's task has a client key derived from its plan and its row: a retry of the plan
    finds the same tasks, never new ones."""
    return f"plan:{plan_id}:{row}:{position}:{unit_id}"


def request_digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


# Validation -----------------------------------------------------------------------------------

_TASK_FIELD = {  # a task draft's field → where it sits in a plan item
    "title": "products[{j}].title",
    "description": "description",
    "ownerId": "ownerId",
    "deadline": "products[{j}].deadline",
    "deadlineDate": "products[{j}].deadline",
    "workingDays": "products[{j}].deadline",
    "product.kind": "products[{j}].kind",
    "product.description": "products[{j}].description",
    "product.measure": "products[{j}].measure",
}


_DEADLINE_FIELDS = frozenset({"deadline", "deadlineDate", "workingDays"})


def _item_field(name: str, i: int, j: int, u: int) -> str:
    if name == "basis":
        return "basis"
    if name == "leadUnitId":
        return f"items[{i}].leadUnitIds[{u}]"
    if name.startswith("coordinators"):
        return f"items[{i}].{name}"
    return f"items[{i}]." + _TASK_FIELD.get(name, name).format(j=j)


def validate_plan(
    draft: PlanDraft, issuer: Actor, facts: PlanFacts, calendar: WorkingCalendar, now: datetime
) -> list[PlannedTask]:
    """The plan's tasks (`check_plan`), without its recurring duties."""
    return check_plan(draft, issuer, facts, calendar, now).tasks


def check_plan(
    draft: PlanDraft, issuer: Actor, facts: PlanFacts, calendar: WorkingCalendar, now: datetime
) -> ValidPlan:
    """Every task and recurring duty of the plan, each checked on all six "rõ" like a task
    assigned alone, and what it leaves untracked; or one error naming every fault with its row
    (at most MAX_FAULTS listed): FORBIDDEN when the issuer lacks authority over a lead unit,
    else VALIDATION. Nothing is created unless every row passes. Terms count from the plan's
    issue date."""
    # The counts first: a plan over the caps costs nothing more. Each product of each lead
    # unit becomes at most one task or duty, so this bounds both.
    if too_big := size_issues(len(draft.items), _shape(draft)):
        raise validation_error(too_big, "Kế hoạch")
    issues: list[FieldIssue] = []

    def add(field_name: str, code: str, ro: str, message: str, row: int | None = None) -> None:
        issues.append(FieldIssue(field_name, code, message, ro, row))

    check_text(add, "number", draft.number, limit=MAX_NUMBER, label="Số kế hoạch",
               missing=("MISSING_PLAN_NUMBER", "Thiếu số, ký hiệu kế hoạch."))
    check_text(add, "subject", draft.subject, limit=MAX_SUBJECT, ro=RO_VIEC, label="Trích yếu",
               missing=("MISSING_PLAN_SUBJECT", "Thiếu trích yếu (tên) kế hoạch."))
    check_text(add, "basis", draft.basis, limit=MAX_SHORT, ro=RO_THAM_QUYEN, label="Căn cứ",
               missing=("MISSING_BASIS", "Thiếu căn cứ ban hành kế hoạch (ví dụ: Kế hoạch số "
                                         "208/KH-UBND)."))
    if draft.issued_on is not None and (bad := date_issue("issuedOn", draft.issued_on, "")):
        issues.append(bad)
    if draft.fulfils_task_id is not None:
        issues += fulfils_issues(facts.fulfils or FulfilsFacts(readable=False))
    if not draft.items:
        add("items", "EMPTY_PLAN", RO_VIEC, "Kế hoạch chưa có nhiệm vụ nào.")
    basis = plan_basis(draft.number or "", draft.issued_on)
    valid = ValidPlan([], [], [])
    for i, item in enumerate(draft.items):
        _check_item(i, item, basis, draft, issuer, facts, calendar, now, issues, valid)
    issues += repeated_duties(valid.rules)
    try:
        raise_if_any(issues, "Kế hoạch")
    except DomainError as err:
        raise capped(err) from None
    return valid


def _shape(draft: PlanDraft) -> list[tuple[int, int]]:
    return [(len(i.lead_unit_ids), len(i.products)) for i in draft.items]


def with_named(named: list[FieldIssue], err: DomainError) -> DomainError:
    """A refusal of a plan read from a file, with the names that matched no unit or person
    (`named`, each saying which name) in place of the plain "not found" on the same field."""
    if err.code != Code.VALIDATION:
        return err
    places = {(i.field, i.row) for i in named}
    rest = [i for i in err.fields if (i.field, i.row) not in places]
    merged = validation_error(list(dict.fromkeys([*named, *rest])), "Kế hoạch")
    return capped(replace(merged, more_fields=err.more_fields))


def _check_item(
    i: int, item: PlanItem, basis: str, plan: PlanDraft, issuer: Actor, facts: PlanFacts,
    calendar: WorkingCalendar, now: datetime, issues: list[FieldIssue], valid: ValidPlan,
) -> None:
    row = item.row if item.row is not None else i + 1
    here = f"items[{i}]"

    def add(name: str, code: str, ro: str, message: str) -> None:
        issues.append(FieldIssue(name, code, message, ro, row))

    if not item.lead_unit_ids:
        add(f"{here}.leadUnitIds", "MISSING_LEAD_UNIT", RO_NGUOI, "Thiếu đơn vị chủ trì.")
    elif len(item.lead_unit_ids) > MAX_LEAD_UNITS:
        add(f"{here}.leadUnitIds", "TOO_MANY_LEAD_UNITS", RO_NGUOI,
            f"Một dòng giao tối đa {MAX_LEAD_UNITS} đơn vị chủ trì.")
        return
    elif len(set(item.lead_unit_ids)) < len(item.lead_unit_ids):
        add(f"{here}.leadUnitIds", "DUPLICATE_LEAD_UNIT", RO_NGUOI,
            "Một đơn vị chủ trì được nêu hai lần trong cùng một dòng.")
        return  # nothing else of the row is worth checking once per duplicate
    if item.owner_id and len(item.lead_unit_ids) > 1:
        add(f"{here}.ownerId", "OWNER_FOR_MANY_UNITS", RO_NGUOI,
            "Dòng giao cho nhiều đơn vị thì người chịu trách nhiệm chính là thủ trưởng từng "
            "đơn vị; không nêu một người cho tất cả.")
        return
    if not item.products:
        add(f"{here}.products", "MISSING_PRODUCT", RO_SAN_PHAM, "Thiếu sản phẩm đầu ra.")
        return
    if len(item.products) > MAX_PRODUCTS:
        add(f"{here}.products", "TOO_MANY_PRODUCTS", RO_SAN_PHAM,
            f"Một dòng có tối đa {MAX_PRODUCTS} sản phẩm.")
        return
    start = plan.issued_on or local_date(now)
    readings = [_reading(j, p, here, start, plan.reporting, calendar, add)
                for j, p in enumerate(item.products)]
    products: list[PlanProduct | None] = []
    for j, (p, reading) in enumerate(zip(item.products, readings, strict=True)):
        if isinstance(reading, Untracked):
            valid.untracked.append(UntrackedProduct(row, j, p.description, p.term or "",
                                                    reading.why))
        spec = reading.spec if isinstance(reading, Deadline) else DeadlineSpec(working_days=1)
        products.append(None if reading is None else _with_kind(p, spec))
    # A deadline already refused, or none to hold anyone to, is left out; the rest is checked.
    unclear = {j for j, r in enumerate(readings) if r is None or isinstance(r, Untracked)}
    for u, unit_id in enumerate(item.lead_unit_ids):
        unit = facts.units.get(unit_id)
        owner_id = item.owner_id or (unit.heads[0] if unit and unit.heads else "")
        if unit is not None and not item.owner_id and not unit.heads:
            add(f"{here}.ownerId", "UNIT_WITHOUT_HEAD", RO_NGUOI,
                f"Đơn vị “{unit.name or unit_id}” chưa có thủ trưởng: cần nêu người chịu "
                f"trách nhiệm chính.")
            continue
        if unit is not None and not can_assign(issuer, unit.path):
            # Once per unit, not once per product: nothing else matters without authority.
            add(f"{here}.leadUnitIds[{u}]", "NO_AUTHORITY", RO_THAM_QUYEN,
                "Người giao không có thẩm quyền giao việc cho đơn vị này.")
            continue
        org = _org_facts(unit_id, owner_id, item.coordinators, facts)
        for j, resolved in enumerate(products):
            # A deadline already refused is left out; the rest of the row is still checked.
            product = resolved or _with_kind(item.products[j], DeadlineSpec(working_days=1))
            draft = TaskDraft(
                title=(product.title or product.description or "").strip(),
                description=item.description, lead_unit_id=unit_id, owner_id=owner_id,
                basis=basis, deadline=product.deadline,
                product=Product(product.kind or "", product.description, product.measure),
                coordinators=item.coordinators,
            )
            try:
                deadline = validate_draft(draft, issuer, org, calendar, now,
                                          signed_on=plan.issued_on)
            except DomainError as err:
                issues.extend(replace(f, field=_item_field(f.field, i, j, u), row=row,
                                      message=_quoted(f, product.description))
                              for f in err.fields
                              if j not in unclear or f.field not in _DEADLINE_FIELDS)
                continue
            reading = readings[j]
            if isinstance(reading, Periodic):
                valid.rules.append(PlannedRule(row, j, unit_id, RuleDraft(
                    title=draft.title, description=draft.description, basis=basis,
                    product_kind=product.kind or "", product_description=product.description,
                    product_measure=product.measure, unit_ids=(unit_id,),
                    recurrence=reading.recurrence, starts_on=start)))
            elif j not in unclear:
                valid.tasks.append(PlannedTask(row, j, unit_id, draft, deadline))


def _quoted(issue: FieldIssue, description: str) -> str:
    """A kind not named nor read from the wording: the fault quotes the product."""
    if issue.code != "MISSING_PRODUCT_KIND":
        return issue.message
    return f"{issue.message.rstrip('.')} — không nhận ra loại từ “{description}”."


def _reading(j: int, p: PlanProduct, here: str, start: date, reporting: Recurrence,
             calendar: WorkingCalendar, add: Add) -> TermReading | None:
    """The product's term read (a deadline counted from `start`, the plan's issue date; a
    recurring duty; untracked); None when it is refused."""
    if is_blank(p.term):
        return Deadline(p.deadline)
    assert p.term is not None
    where = f"{here}.products[{j}].deadline"
    if len(p.term) > MAX_TERM:
        add(where, "TEXT_TOO_LONG", RO_THOI_GIAN, f"Thời hạn dài quá {MAX_TERM} ký tự.")
        return None
    if any(v is not None for v in (p.deadline.at, p.deadline.on_date, p.deadline.working_days)):
        add(where, "AMBIGUOUS_DEADLINE", RO_THOI_GIAN,
            "Chỉ nêu thời hạn theo một cách: cách ghi của văn bản hoặc ngày, thời điểm, "
            "số ngày làm việc.")
        return None
    reading = read_term(p.term, start, calendar, reporting)
    if reading is None:
        add(where, "INVALID_TERM", RO_THOI_GIAN,
            f"Không hiểu thời hạn “{p.term}”; các cách ghi được: {TERM_HELP}.")
    return reading


def _with_kind(p: PlanProduct, deadline: DeadlineSpec) -> PlanProduct:
    kind = p.kind if not is_blank(p.kind) else product_kind(p.description)
    return replace(p, kind=kind, deadline=deadline)


def _org_facts(unit_id: str, owner_id: str, coordinators: Sequence[Coordinator],
               facts: PlanFacts) -> OrgFacts:
    unit = facts.units.get(unit_id)
    owner = facts.officials.get(owner_id)
    return OrgFacts(
        lead_unit_path=unit.path if unit else None,
        owner_unit_id=owner[0] if owner else None,
        known_unit_ids=frozenset(c.unit_id for c in coordinators if c.unit_id in facts.units),
        coordinator_paths={c.unit_id: facts.units[c.unit_id].path for c in coordinators
                           if c.unit_id in facts.units},
        owner_roles=owner[1] if owner else frozenset(),
    )
