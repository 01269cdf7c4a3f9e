"""The organisation: a unit tree and officials with roles, and who has authority over whom.

Functions here take the unit's ancestry as a path (root first, the unit itself last), so
callers can answer from a materialised path column without loading the whole tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from domain.lifecycle import Relation


class Role(StrEnum):
    CHAIRMAN = "chairman"
    VICE_CHAIRMAN = "vice_chairman"
    UNIT_HEAD = "unit_head"
    OFFICER = "officer"
    OFFICE_STAFF = "office_staff"


ROLE_LABELS_VI = {
    Role.CHAIRMAN: "Chủ tịch",
    Role.VICE_CHAIRMAN: "Phó Chủ tịch",
    Role.UNIT_HEAD: "Thủ trưởng đơn vị",
    Role.OFFICER: "Cán bộ, công chức",
    Role.OFFICE_STAFF: "Văn phòng",
}

LEADER_ROLES = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.UNIT_HEAD})
# Rank inside one unit: a chairman is above a vice-chairman of the same People's Committee.
_RANK = {Role.CHAIRMAN: 3, Role.VICE_CHAIRMAN: 2, Role.UNIT_HEAD: 2}


@dataclass(frozen=True)
class Actor:
    """An official as the rules see him: id, his unit's path (root … own unit), his roles."""

    id: str
    unit_path: tuple[str, ...]
    roles: frozenset[Role] = field(default_factory=frozenset)

    @property
    def unit_id(self) -> str:
        return self.unit_path[-1]

    @property
    def is_leader(self) -> bool:
        return bool(self.roles & LEADER_ROLES)

    @property
    def rank(self) -> int:
        return max((_RANK.get(r, 0) for r in self.roles), default=0)


# Who answers for a unit: its head; a People's Committee (no unit head) answers by its chairman.
HEAD_ROLES_IN_ORDER = (Role.UNIT_HEAD, Role.CHAIRMAN)


def heads_of(members: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """The ids of a unit's heads among its (id, roles) members, by HEAD_ROLES_IN_ORDER."""
    for role in HEAD_ROLES_IN_ORDER:
        found = [member_id for member_id, roles in members if role in roles]
        if found:
            return found
    return []


def parse_roles(values: Sequence[str] | str) -> frozenset[Role]:
    items = values.split() if isinstance(values, str) else values
    return frozenset(Role(v) for v in items if v in Role.__members__.values())


def is_within(unit_path: Sequence[str], root_id: str) -> bool:
    """True when the unit with this path is `root_id` or lies below it."""
    return root_id in unit_path


def can_assign(assigner: Actor, lead_unit_path: Sequence[str]) -> bool:
    """A leader (chairman, vice-chairman, unit head) assigns to his own unit or any unit below."""
    return assigner.is_leader and is_within(lead_unit_path, assigner.unit_id)


def is_above(leader: Actor, other: Actor) -> bool:
    """`leader` has authority over `other`: a leader of a strictly higher unit, or of the same
    unit with a higher rank (the chairman over his vice-chairmen)."""
    if not leader.is_leader or leader.id == other.id:
        return False
    if leader.unit_id == other.unit_id:
        return leader.rank > other.rank
    return is_within(other.unit_path, leader.unit_id)


def can_see_unit(viewer: Actor, unit_path: Sequence[str]) -> bool:
    """An official sees his own unit's subtree; that is also a leader's jurisdiction."""
    return is_within(unit_path, viewer.unit_id)


def relations_to_task(
    actor: Actor, *, owner_id: str, lead_unit_id: str, assigner: Actor | None
) -> set[Relation]:
    """How `actor` stands to a task with this owner, lead unit and assigner."""
    found: set[Relation] = set()
    if actor.id == owner_id:
        found.add(Relation.OWNER)
    if actor.is_leader and actor.unit_id == lead_unit_id:
        found.add(Relation.LEAD_UNIT_HEAD)
    if assigner is not None:
        if actor.id == assigner.id:
            found.add(Relation.ASSIGNER)
        elif is_above(actor, assigner):
            found.add(Relation.ASSIGNER_SUPERIOR)
    return found
