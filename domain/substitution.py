"""Away and moved: an official names a substitute for a date range; while it runs, reminders
reach the substitute too and he acts on the official's tasks for him — the trail keeps who
acted for whom, as paper documents do with "KT." (a deputy signing for the head) and "TL."
(signing by the head's order). An official who leaves a unit hands his open tasks over.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import date

from domain.errors import FieldIssue, forbidden, validation_error
from domain.inputs import check_text, date_issue
from domain.lifecycle import Relation
from domain.org import DEPUTY_ROLES, Actor, heads_of, is_above, is_deputy
from domain.task import MAX_NOTE

MAX_DAYS = 366  # one substitution covers at most a year


@dataclass(frozen=True)
class Span:
    """A substitution already recorded: who stands in, from when to when (both included)."""

    substitute_id: str
    starts_on: date
    ends_on: date

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def may_substitute(principal: Actor, substitute: Actor) -> bool:
    """A substitute works in the official's own unit, or leads above him: so he reads the
    official's tasks without any wider read rule."""
    return substitute.unit_id == principal.unit_id or is_above(substitute, principal)


def check_substitution(
    setter: Actor, principal: Actor, substitute: Actor | None, starts_on: date, ends_on: date,
    reason: str | None, today: date, existing: Iterable[Span],
) -> None:
    """The official himself or a leader above him names the substitute; one substitute a day."""
    if setter.id != principal.id and not is_above(setter, principal):
        raise forbidden("Chỉ bản thân cán bộ hoặc lãnh đạo cấp trên mới được cử người thay.")
    issues: list[FieldIssue] = []

    def add(field_name: str, code: str, ro: str, message: str) -> None:
        issues.append(FieldIssue(field_name, code, message, ro))

    if substitute is None:
        add("substituteId", "UNKNOWN_SUBSTITUTE", "", "Không tìm thấy người thay.")
    elif substitute.id == principal.id:
        add("substituteId", "SELF_SUBSTITUTE", "", "Không tự thay chính mình.")
    elif not may_substitute(principal, substitute):
        add("substituteId", "SUBSTITUTE_OUTSIDE_UNIT", "",
            "Người thay phải cùng đơn vị hoặc là lãnh đạo cấp trên của cán bộ vắng mặt.")
    check_text(add, "reason", reason, limit=MAX_NOTE, label="Lý do",
               missing=("MISSING_REASON", "Cần nêu lý do (nghỉ phép, đi công tác…)."))
    bad = date_issue("from", starts_on, "") or date_issue("to", ends_on, "")
    if bad is not None:
        issues.append(bad)
    elif ends_on < starts_on:
        add("to", "INVALID_RANGE", "", "Ngày kết thúc phải từ ngày bắt đầu trở đi.")
    elif ends_on < today:
        add("to", "RANGE_IN_PAST", "", "Khoảng thời gian đã qua.")
    elif (ends_on - starts_on).days + 1 > MAX_DAYS:
        add("to", "RANGE_TOO_LONG", "", f"Mỗi lần cử người thay tối đa {MAX_DAYS} ngày.")
    elif any(s.starts_on <= ends_on and starts_on <= s.ends_on for s in existing):
        add("from", "OVERLAPPING_SUBSTITUTION", "",
            "Đã có người thay trong một phần khoảng thời gian này.")
    if issues:
        raise validation_error(issues, "Cử người thay")


def substitute_on(spans: Iterable[Span], day: date) -> str | None:
    """Who stands in for an official on a day, if anyone."""
    return next((s.substitute_id for s in spans if s.covers(day)), None)


def acting_for(own: Set[Relation], principals: Sequence[tuple[str, Set[Relation]]]
               ) -> tuple[set[Relation], str | None]:
    """How an official stands to a task, and for whom: his own relations first; failing those,
    the relations of the first official he stands in for today who has any."""
    if own:
        return set(own), None
    for principal_id, relations in principals:
        if relations:
            return set(relations), principal_id
    return set(), None


def signed_as(principal: Actor, title: str | None, name: str, substitute: Actor) -> str:
    """How a document signed in someone's stead reads: "KT. Chủ tịch UBND tỉnh" only when a
    deputy of the same unit (a vice-chairman, a deputy head) signs for its head; "TL. …" when
    another leader signs by the head's order; "Thay đồng chí …" (by name) otherwise — an
    officer standing in for his head is no deputy and never signs "KT."."""
    if not principal.is_leader:
        return f"Thay đồng chí {name}"
    label = title or name
    if substitute.unit_id == principal.unit_id and is_deputy(substitute) and \
            not principal.roles & DEPUTY_ROLES:
        return f"KT. {label}"
    if substitute.is_leader:
        return f"TL. {label}"
    return f"Thay đồng chí {name}"


def handover_target(departing_id: str, lead_unit_members: Iterable[tuple[str, Sequence[str]]],
                    assigner_id: str, assigner_active: bool) -> str | None:
    """Who takes the open tasks of an official who left (or was deactivated): the head of the
    task's lead unit, to reassign; failing a head, the one who assigned it. None: nobody."""
    heads = [h for h in heads_of([m for m in lead_unit_members if m[0] != departing_id])]
    if heads:
        return heads[0]
    if assigner_active and assigner_id != departing_id:
        return assigner_id
    return None


def departure(was_active: bool, old_unit_id: str, is_active: bool, new_unit_id: str
              ) -> str | None:
    """Why an official's open tasks must be handed over after an organisation import:
    "deactivated", "moved" (to another unit), or None."""
    if was_active and not is_active:
        return "deactivated"
    if is_active and old_unit_id != new_unit_id:
        return "moved"
    return None


def can_see_substitutions(viewer: Actor, principal: Actor, substitute_ids: Iterable[str] = ()
                          ) -> bool:
    """An official's substitutes: himself, his substitutes, and the leaders above him."""
    return viewer.id == principal.id or viewer.id in set(substitute_ids) or is_above(
        viewer, principal)
