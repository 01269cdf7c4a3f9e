"""Who may act on a task: decided by the task's workflow, from its own state.

The owner and the assigner are the workflow's own facts: whether the actor is the owner is
answered by the owner the workflow holds now, not by the one the service saw. What only the
organisation knows — who heads the lead unit, who is a leader above the assigner, whose Văn
phòng covers the task, whom the actor stands in for today — the service reads from the read
model and sends along, stamped with the lead unit and assigner it read them against. Should
the task have moved since (reassigned to another unit between the check and the command), the
facts no longer hold and the command is refused as CONFLICT; the service reads again and asks
afresh. The service's own check is the fast answer, never the authority.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.errors import Code, DomainError, FieldIssue
from domain.inputs import Add, instant_issue
from domain.lifecycle import Relation
from domain.ro import RO_THOI_GIAN
from domain.substitution import acting_for
from domain.timezone import as_aware, local_date

STALE = "STALE_FACTS"


@dataclass
class Standing:
    """What the organisation says of one official towards a task's parties (as read)."""

    official_id: str
    heads_lead_unit: bool = False
    above_assigner: bool = False
    office_over_lead: bool = False


@dataclass
class OrgFacts:
    """The organisation's facts a command carries, and the task's lead unit and assigner they
    were read against (the version they hold for)."""

    lead_unit_id: str
    assigner_id: str
    actor: Standing
    principals: list[Standing] = field(default_factory=list)  # whom he stands in for today


def standing(official_id: str, relations: Set[Relation]) -> Standing:
    """The organisation's part of an official's relations (the task's parties are the
    workflow's own)."""
    return Standing(official_id, heads_lead_unit=Relation.LEAD_UNIT_HEAD in relations,
                    above_assigner=Relation.ASSIGNER_SUPERIOR in relations,
                    office_over_lead=Relation.OFFICE in relations)


def relations_of(owner_id: str, assigner_id: str, who: Standing) -> set[Relation]:
    """How one official stands to the task whose owner and assigner are given."""
    found: set[Relation] = set()
    if who.official_id == owner_id:
        found.add(Relation.OWNER)
    if who.heads_lead_unit:
        found.add(Relation.LEAD_UNIT_HEAD)
    if who.official_id == assigner_id:
        found.add(Relation.ASSIGNER)
    elif who.above_assigner:
        found.add(Relation.ASSIGNER_SUPERIOR)
    if who.office_over_lead:
        found.add(Relation.OFFICE)
    return found


def stale() -> DomainError:
    return DomainError(Code.CONFLICT, "Nhiệm vụ vừa thay đổi, đề nghị thực hiện lại thao tác.",
                       [FieldIssue("seq", STALE, "Nhiệm vụ vừa thay đổi.")])


def is_stale(err: DomainError) -> bool:
    return err.code == Code.CONFLICT and any(f.code == STALE for f in err.fields)


def decide(owner_id: str, assigner_id: str, lead_unit_id: str, facts: OrgFacts | None,
           relations: list[Relation], on_behalf_of: str | None
           ) -> tuple[list[Relation], str | None]:
    """The actor's relations and for whom he acts, as the task (owner, assigner, lead unit)
    stands in the workflow.

    With no facts the command comes from the engine itself (hand-over, a parent's cascade),
    whose relations stand as given."""
    if facts is None:
        return relations, on_behalf_of
    if (facts.lead_unit_id, facts.assigner_id) != (lead_unit_id, assigner_id):
        raise stale()
    found, for_whom = acting_for(
        relations_of(owner_id, assigner_id, facts.actor),
        [(p.official_id, relations_of(owner_id, assigner_id, p)) for p in facts.principals])
    if for_whom != on_behalf_of:  # signed for someone else than the service saw: read again
        raise stale()
    return sorted(found), for_whom


def check_new_deadline(current: datetime, milestones: Sequence[date], wanted: datetime | None,
                       now: datetime, add: Add) -> None:
    """The bounds of a deadline set directly (changeDeadline; who may is the lifecycle's rule
    for CHANGE_DEADLINE: the assigner and whoever may decide an extension): a real instant
    within the years a deadline may take, still ahead, not the one in force (`current`), and
    not before a milestone the task holds. Earlier or later alike: it may also be shortened."""
    if wanted is None:
        add("deadline", "MISSING_DEADLINE", RO_THOI_GIAN, "Thiếu thời hạn xử lý mới.")
        return
    bad = instant_issue("deadline", wanted)
    if bad is not None:
        add(bad.field, bad.code, bad.ro, bad.message)
    elif wanted <= as_aware(now):
        add("deadline", "DEADLINE_IN_PAST", RO_THOI_GIAN, "Thời hạn xử lý mới đã qua.")
    elif wanted == current:
        add("deadline", "DEADLINE_UNCHANGED", RO_THOI_GIAN,
            "Thời hạn mới trùng với hạn xử lý hiện hành.")
    elif any(due > local_date(wanted) for due in milestones):
        add("deadline", "MILESTONE_AFTER_DEADLINE", RO_THOI_GIAN,
            "Thời hạn mới sớm hơn một mốc tiến độ của nhiệm vụ.")
