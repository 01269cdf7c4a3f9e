"""The organisation: a unit tree and officials with roles, and every question of authority —
who heads a unit, who is its office, who may assign, act on, read or remind a task, and who
may read a unit's figures, scores and briefing. One function per question; the API, the
services and the activities all ask here.

Functions take a unit's ancestry as a path (root first, the unit itself last), so callers
answer from a materialised path column without loading the whole tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from domain.lifecycle import Relation


class Role(StrEnum):
    CHAIRMAN = "chairman"
    VICE_CHAIRMAN = "vice_chairman"
    UNIT_HEAD = "unit_head"
    # Phó Chánh Văn phòng, Phó Trưởng phòng: assists the head, signs "KT." for him; not a
    # leader in his own right (assigns, approves and decides nothing by this role).
    DEPUTY_HEAD = "deputy_head"
    OFFICER = "officer"
    OFFICE_STAFF = "office_staff"
    ADMIN = "admin"  # runs the system: the working calendar's yearly overrides


ROLE_LABELS_VI = {
    Role.CHAIRMAN: "Chủ tịch",
    Role.VICE_CHAIRMAN: "Phó Chủ tịch",
    Role.UNIT_HEAD: "Thủ trưởng đơn vị",
    Role.DEPUTY_HEAD: "Cấp phó của người đứng đầu đơn vị",
    Role.OFFICER: "Cán bộ, công chức",
    Role.OFFICE_STAFF: "Văn phòng",
    Role.ADMIN: "Quản trị hệ thống",
}

LEADER_ROLES = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.UNIT_HEAD})
# Rank inside one unit: a chairman is above a vice-chairman of the same People's Committee.
_RANK = {Role.CHAIRMAN: 3, Role.VICE_CHAIRMAN: 2, Role.UNIT_HEAD: 2}

# Kinds of unit. A People's Committee (UBND) holds giao ban for its subtree; so does a
# department for its own. An office (Văn phòng) serves the unit directly above it.
COMMITTEE_KINDS = frozenset({"province", "commune", "ward", "special_zone"})
DEPARTMENT_KINDS = frozenset({"department"})
OFFICE_KIND = "office"
# Every kind a unit may have, with what it means (the organisation file is refused otherwise).
UNIT_KINDS = {
    "province": "UBND tỉnh, thành phố",
    "commune": "UBND xã (hay phường, đặc khu)",
    "ward": "UBND phường",
    "special_zone": "UBND đặc khu",
    "department": "sở, ban, ngành",
    "division": "phòng (thuộc sở hay thuộc UBND xã)",
    "office": "văn phòng (Văn phòng UBND, Văn phòng HĐND và UBND)",
    "center": "trung tâm (Trung tâm Phục vụ hành chính công)",
    "group": "khối, nhóm đơn vị",
}


@dataclass(frozen=True)
class Actor:
    """An official as the rules see him: id, his unit's path (root … own unit), his roles and
    the kind of his unit."""

    id: str
    unit_path: tuple[str, ...]
    roles: frozenset[Role] = field(default_factory=frozenset)
    unit_kind: str = ""
    # The path of the People's Committee whose tasks his unit tracks (its tracking unit,
    # `tracking_unit`); () when his unit tracks none.
    tracks_path: tuple[str, ...] = ()

    @property
    def unit_id(self) -> str:
        return self.unit_path[-1]

    @property
    def is_leader(self) -> bool:
        return bool(self.roles & LEADER_ROLES)

    @property
    def rank(self) -> int:
        return max((_RANK.get(r, 0) for r in self.roles), default=0)


# Who heads a unit, who is its office ----------------------------------------------------------

# Who answers for a unit: its head; a People's Committee (no unit head) answers by its chairman.
HEAD_ROLES_IN_ORDER = (Role.UNIT_HEAD, Role.CHAIRMAN)


def heads_of(members: Iterable[tuple[str, Sequence[str]]]) -> list[str]:
    """The ids of a unit's heads among its (id, roles) members, by HEAD_ROLES_IN_ORDER. The same
    people act on the unit's tasks and receive its escalations."""
    members = list(members)
    for role in HEAD_ROLES_IN_ORDER:
        found = [member_id for member_id, roles in members if role in roles]
        if found:
            return found
    return []


def deputies_of(members: Iterable[tuple[str, Sequence[str]]]) -> list[str]:
    """A unit's deputies: vice-chairmen of a People's Committee, deputy heads of any other."""
    return [member_id for member_id, roles in members
            if Role.VICE_CHAIRMAN in roles or Role.DEPUTY_HEAD in roles]


DEPUTY_ROLES = frozenset({Role.VICE_CHAIRMAN, Role.DEPUTY_HEAD})


def is_deputy(actor: Actor) -> bool:
    """A deputy (vice-chairman, Phó Chánh Văn phòng, Phó Trưởng phòng): assists the head and
    signs "KT." for him; a deputy head by that role alone assigns, approves and decides
    nothing (a vice-chairman is a leader in his own right)."""
    return bool(actor.roles & DEPUTY_ROLES)


def is_office_staff(actor: Actor) -> bool:
    """Of an office (Văn phòng) or of the unit a People's Committee named to track its tasks:
    by role, by belonging to a unit of kind office, or to its tracking unit — but the system's
    admin, seated there, is not its staff (`admin_only`)."""
    return Role.OFFICE_STAFF in actor.roles or (
        (actor.unit_kind == OFFICE_KIND or bool(actor.tracks_path)) and not admin_only(actor))


def admin_only(actor: Actor) -> bool:
    """An admin with no other role: he runs the system (the calendar), not the province's
    tasks — no office's reading and reminding of every task comes with his seat."""
    return actor.roles == frozenset({Role.ADMIN})


def tracking_unit(committee_id: str, named: str | None,
                  children: Iterable[tuple[str, str]]) -> str:
    """The unit that tracks a People's Committee's (or department's) tasks, reminds and
    prepares its weekly briefing: the one it named; else its Văn phòng (its first child of
    kind office, among (id, kind)); else the body itself."""
    if named:
        return named
    return next((uid for uid, kind in children if kind == OFFICE_KIND), committee_id)


def may_enter_for(entrant: Actor, signer: Actor, tracking_unit_id: str) -> bool:
    """Nhập thay: a document a leader signed on paper (a plan) may be keyed in by the staff of
    the unit tracking his People's Committee (or department) — `tracking_unit_id`, its
    `tracking_unit`; it stays his, with his authority checked, and records who entered it.
    Nobody else enters for another."""
    return entrant.id != signer.id and entrant.unit_id == tracking_unit_id


# Who signs --------------------------------------------------------------------------------------

SIGNER_ROLES = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.UNIT_HEAD, Role.DEPUTY_HEAD})


def signs_as_deputy(roles: Iterable[str], *, committee: bool) -> bool | None:
    """How an official of the issuing unit signs its document: False as its head, True as a
    deputy ("KT." — only a vice-chairman or a deputy head), None when he may not sign it (an
    officer signs nothing for the body, even standing in for its head)."""
    held = parse_roles(list(roles))
    head = Role.CHAIRMAN if committee else Role.UNIT_HEAD
    deputy = Role.VICE_CHAIRMAN if committee else Role.DEPUTY_HEAD
    if head in held:
        return False
    return True if deputy in held else None


def can_issue_briefing(actor: Actor, issuer_unit_id: str, issuer_is_committee: bool,
                       tracking_unit_id: str) -> bool:
    """Issuing a briefing (giving it its number): whoever may sign it for the issuing unit
    (its head or a deputy), or the head of the unit that tracks and prepared it."""
    if actor.unit_id == issuer_unit_id and signs_as_deputy(
            actor.roles, committee=issuer_is_committee) is not None:
        return True
    return actor.unit_id == tracking_unit_id and Role.UNIT_HEAD in actor.roles


def office_served(office_path: Sequence[str]) -> tuple[str, ...]:
    """The unit an office works for: the one directly above it (its UBND, its department)."""
    return tuple(office_path[:-1]) or tuple(office_path)


def holds_briefings(unit_kind: str) -> bool:
    """Every People's Committee and every department holds its own giao ban."""
    return unit_kind in COMMITTEE_KINDS or unit_kind in DEPARTMENT_KINDS


def parse_roles(values: Iterable[str] | str) -> frozenset[Role]:
    items = values.split() if isinstance(values, str) else values
    return frozenset(Role(v) for v in items if v in Role.__members__.values())


# The tree -------------------------------------------------------------------------------------


def path_ids(path: str) -> tuple[str, ...]:
    """The unit ids of a materialised path "/root/…/self/", root first."""
    return tuple(p for p in path.split("/") if p)


def is_within(unit_path: Sequence[str], root_id: str) -> bool:
    """True when the unit with this path is `root_id` or lies below it."""
    return root_id in unit_path


def jurisdiction(actor: Actor) -> tuple[str, ...]:
    """The path of the subtree an official oversees and reads: his own unit's; for the staff
    of the unit tracking a People's Committee's tasks, that committee's whole subtree; for the
    staff of an office unit, the whole subtree of the unit it serves."""
    if admin_only(actor):
        return actor.unit_path
    if actor.tracks_path:
        return actor.tracks_path
    return office_served(actor.unit_path) if actor.unit_kind == OFFICE_KIND else actor.unit_path


def can_see_unit(viewer: Actor, unit_path: Sequence[str]) -> bool:
    """Whether a unit lies inside the viewer's jurisdiction."""
    return is_within(unit_path, jurisdiction(viewer)[-1])


def intermediate_units(assigner_path: Sequence[str], lead_path: Sequence[str]) -> list[str]:
    """Units strictly between the assigner's unit and the lead unit (a department skipped
    when a leader assigns straight to one of its divisions): their heads are told."""
    if not lead_path or assigner_path[-1] not in lead_path:
        return []
    start = list(lead_path).index(assigner_path[-1])
    return list(lead_path[start + 1 : -1])


# Assigning ------------------------------------------------------------------------------------


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


# Acting on and reading a task -----------------------------------------------------------------


@dataclass(frozen=True)
class TaskParties:
    """Who a task's rules turn on: its owner, the heads of its lead unit (heads_of), its
    assigner, and where its lead unit sits."""

    owner_id: str
    lead_unit_heads: frozenset[str]
    assigner: Actor | None
    lead_unit_path: tuple[str, ...] = ()


def relations_to_task(actor: Actor, parties: TaskParties) -> set[Relation]:
    """How `actor` stands to a task. Acting for the lead is for the owner and the lead unit's
    head only — not for any leader who happens to sit in that unit."""
    found: set[Relation] = set()
    if actor.id == parties.owner_id:
        found.add(Relation.OWNER)
    if actor.id in parties.lead_unit_heads:
        found.add(Relation.LEAD_UNIT_HEAD)
    assigner = parties.assigner
    if assigner is not None:
        if actor.id == assigner.id:
            found.add(Relation.ASSIGNER)
        elif is_above(actor, assigner):
            found.add(Relation.ASSIGNER_SUPERIOR)
    if is_office_staff(actor) and parties.lead_unit_path and is_within(
        parties.lead_unit_path, jurisdiction(actor)[-1]
    ):
        found.add(Relation.OFFICE)
    return found


@dataclass(frozen=True)
class TaskScope:
    """Where a task sits, as the read rule sees it."""

    lead_unit_path: tuple[str, ...]
    owner_id: str
    assigner_id: str
    coordinator_paths: tuple[tuple[str, ...], ...] = ()


def can_read_task(viewer: Actor, task: TaskScope, standing_in_for: Sequence[Actor] = ()
                  ) -> bool:
    """A viewer reads the tasks he owns or assigned, and those led or coordinated inside his
    jurisdiction; and, while he stands in for someone (`standing_in_for`: the officials whose
    substitute he is today), every task they read — the tasks he may act on for them.
    `giaoviec.reads.visibility.visible_tasks` is the SQL form of this rule
    (tests/unit/test_visibility.py holds the two equal)."""
    return any(_reads_itself(who, task) for who in (viewer, *standing_in_for))


def _reads_itself(viewer: Actor, task: TaskScope) -> bool:
    if viewer.id in (task.owner_id, task.assigner_id):
        return True
    root = jurisdiction(viewer)[-1]
    return is_within(task.lead_unit_path, root) or any(
        is_within(path, root) for path in task.coordinator_paths
    )


# Figures, scores and briefings ----------------------------------------------------------------


def can_read_figures(viewer: Actor, unit_path: Sequence[str]) -> bool:
    """A unit's kiểm đếm: for whoever's jurisdiction holds the unit."""
    return can_see_unit(viewer, unit_path)


def can_read_scores(viewer: Actor, unit_path: Sequence[str]) -> bool:
    """Officials' score proposals: for leaders and the office, inside their jurisdiction."""
    return can_see_unit(viewer, unit_path) and (viewer.is_leader or is_office_staff(viewer))


def can_read_briefing(viewer: Actor, unit_path: Sequence[str]) -> bool:
    """A unit's giao ban briefing (and generating it): its leaders, its office, and leaders
    above it — never another UBND's office."""
    return can_read_scores(viewer, unit_path)


def briefing_recipients(
    unit_members: Iterable[tuple[str, Sequence[str]]],
    office_members: Iterable[tuple[str, Sequence[str]]],
) -> list[str]:
    """Who receives a unit's briefing: its head (chairman), its vice-chairmen and its office."""
    members = list(unit_members)
    ids = set(heads_of(members)) | set(deputies_of(members))
    ids |= {member_id for member_id, _ in office_members}
    return sorted(ids)


def can_set_calendar(actor: Actor) -> bool:
    """The working calendar's overrides (days off, working Saturdays) are the admin's."""
    return Role.ADMIN in actor.roles


# Plans ----------------------------------------------------------------------------------------


def can_read_plan(viewer: Actor, issuer_id: str, issuer_unit_path: Sequence[str]) -> bool:
    """A plan (the document): its issuer, whoever oversees the issuing unit, and every official
    of the body it addresses (units below the issuer). Its tasks stay under can_read_task."""
    if viewer.id == issuer_id:
        return True
    return can_see_unit(viewer, issuer_unit_path) or is_within(
        jurisdiction(viewer), issuer_unit_path[-1])
