"""Authority in the unit tree: who may assign to which unit, who is above whom, who sees what,
and how an official stands to one task.

The tree (paths root first):
    tinh                         UBND tỉnh: chairman, two vice-chairmen, an office clerk
    ├── snv                      Sở Nội vụ: director, officer
    │   └── snv/tccb             Phòng Tổ chức cán bộ: head, officer
    ├── stc                      Sở Tài chính: director
    └── xa                       UBND xã: chairman, vice-chairman
"""

from __future__ import annotations

import pytest

from domain.lifecycle import Relation
from domain.org import (
    Actor,
    Role,
    TaskParties,
    can_assign,
    can_see_unit,
    heads_of,
    is_above,
    is_within,
    parse_roles,
    relations_to_task,
)

TINH = ("tinh",)
SNV = ("tinh", "snv")
TCCB = ("tinh", "snv", "tccb")
STC = ("tinh", "stc")
XA = ("tinh", "xa")


def actor(id_: str, path: tuple[str, ...], *roles: Role) -> Actor:
    return Actor(id_, path, frozenset(roles))


CHAIRMAN = actor("ct", TINH, Role.CHAIRMAN)
VICE = actor("pct", TINH, Role.VICE_CHAIRMAN)
VICE2 = actor("pct2", TINH, Role.VICE_CHAIRMAN)
CLERK = actor("vp", TINH, Role.OFFICE_STAFF)
SNV_HEAD = actor("gd-snv", SNV, Role.UNIT_HEAD)
SNV_OFFICER = actor("cb-snv", SNV, Role.OFFICER)
TCCB_HEAD = actor("tp-tccb", TCCB, Role.UNIT_HEAD)
TCCB_OFFICER = actor("cb-tccb", TCCB, Role.OFFICER)
STC_HEAD = actor("gd-stc", STC, Role.UNIT_HEAD)
XA_CHAIRMAN = actor("ct-xa", XA, Role.CHAIRMAN)
XA_VICE = actor("pct-xa", XA, Role.VICE_CHAIRMAN)
NOBODY = actor("x", SNV)  # an official with no role at all


# Actor ---------------------------------------------------------------------------------------


def test_actor_properties() -> None:
    assert TCCB_HEAD.unit_id == "tccb"
    assert CHAIRMAN.is_leader and VICE.is_leader and SNV_HEAD.is_leader
    assert not SNV_OFFICER.is_leader and not CLERK.is_leader and not NOBODY.is_leader
    assert (CHAIRMAN.rank, VICE.rank, SNV_HEAD.rank, SNV_OFFICER.rank, NOBODY.rank) == (
        3, 2, 2, 0, 0)
    both = actor("both", TINH, Role.VICE_CHAIRMAN, Role.CHAIRMAN)
    assert both.rank == 3  # the highest role counts


def test_parse_roles_ignores_unknown_values() -> None:
    assert parse_roles("chairman officer") == frozenset({Role.CHAIRMAN, Role.OFFICER})
    assert parse_roles(["unit_head", "janitor"]) == frozenset({Role.UNIT_HEAD})
    assert parse_roles("") == frozenset()


def test_heads_of_a_unit() -> None:
    assert heads_of([("a", ["officer"]), ("b", ["unit_head"]), ("c", ["chairman"])]) == ["b"]
    # A People's Committee has no unit head: its chairman answers for it.
    assert heads_of([("a", ["vice_chairman"]), ("c", ["chairman"])]) == ["c"]
    assert heads_of([("a", ["officer"])]) == []


@pytest.mark.parametrize(("path", "root", "inside"), [
    (TCCB, "tinh", True), (TCCB, "snv", True), (TCCB, "tccb", True),
    (SNV, "tccb", False), (STC, "snv", False), (TINH, "snv", False),
])
def test_is_within(path: tuple[str, ...], root: str, inside: bool) -> None:
    assert is_within(path, root) is inside


# can_assign ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("assigner", "lead_unit", "allowed"), [
    # Leaders of the People's Committee assign to the whole province, itself included.
    (CHAIRMAN, TINH, True), (CHAIRMAN, SNV, True), (CHAIRMAN, TCCB, True), (CHAIRMAN, XA, True),
    (VICE, SNV, True), (VICE, TCCB, True), (VICE, STC, True),
    # A unit head only inside his own subtree.
    (SNV_HEAD, SNV, True), (SNV_HEAD, TCCB, True),
    (SNV_HEAD, STC, False), (SNV_HEAD, TINH, False), (SNV_HEAD, XA, False),
    (TCCB_HEAD, TCCB, True), (TCCB_HEAD, SNV, False),
    (STC_HEAD, SNV, False), (STC_HEAD, TCCB, False),
    # A commune chairman inside his commune only.
    (XA_CHAIRMAN, XA, True), (XA_VICE, XA, True), (XA_CHAIRMAN, TINH, False),
    (XA_CHAIRMAN, SNV, False),
    # An officer never, not even to his own unit; nor the office, nor an official without role.
    (SNV_OFFICER, SNV, False), (SNV_OFFICER, TCCB, False), (TCCB_OFFICER, TCCB, False),
    (CLERK, SNV, False), (CLERK, TINH, False), (NOBODY, SNV, False),
])
def test_can_assign(assigner: Actor, lead_unit: tuple[str, ...], allowed: bool) -> None:
    assert can_assign(assigner, lead_unit) is allowed


def test_an_officer_who_is_also_unit_head_may_assign() -> None:
    acting = actor("acting", SNV, Role.OFFICER, Role.UNIT_HEAD)
    assert can_assign(acting, TCCB)


# is_above ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("leader", "other", "above"), [
    # Same People's Committee: by rank.
    (CHAIRMAN, VICE, True), (VICE, CHAIRMAN, False), (VICE, VICE2, False),
    (CHAIRMAN, CLERK, True), (VICE, CLERK, True),
    (XA_CHAIRMAN, XA_VICE, True), (XA_VICE, XA_CHAIRMAN, False),
    # Leaders of higher units over everyone below.
    (CHAIRMAN, SNV_HEAD, True), (CHAIRMAN, TCCB_OFFICER, True), (VICE, SNV_HEAD, True),
    (VICE, XA_CHAIRMAN, True), (SNV_HEAD, TCCB_HEAD, True), (SNV_HEAD, TCCB_OFFICER, True),
    # A unit head over his own officers.
    (SNV_HEAD, SNV_OFFICER, True), (TCCB_HEAD, TCCB_OFFICER, True),
    # Never upwards or sideways.
    (SNV_HEAD, CHAIRMAN, False), (SNV_HEAD, VICE, False), (TCCB_HEAD, SNV_HEAD, False),
    (SNV_HEAD, STC_HEAD, False), (STC_HEAD, TCCB_OFFICER, False), (XA_CHAIRMAN, VICE, False),
    (XA_CHAIRMAN, SNV_OFFICER, False),
    # Officers, the office and the role-less are above nobody.
    (SNV_OFFICER, TCCB_OFFICER, False), (CLERK, SNV_OFFICER, False), (NOBODY, TCCB_OFFICER, False),
])
def test_is_above(leader: Actor, other: Actor, above: bool) -> None:
    assert is_above(leader, other) is above


@pytest.mark.parametrize("someone", [CHAIRMAN, VICE, SNV_HEAD, SNV_OFFICER])
def test_nobody_is_above_himself(someone: Actor) -> None:
    assert not is_above(someone, someone)


def test_two_heads_of_one_unit_are_peers() -> None:
    other = actor("gd-snv-2", SNV, Role.UNIT_HEAD)
    assert not is_above(SNV_HEAD, other) and not is_above(other, SNV_HEAD)


# can_see_unit --------------------------------------------------------------------------------


@pytest.mark.parametrize(("viewer", "unit", "sees"), [
    (CHAIRMAN, TINH, True), (CHAIRMAN, TCCB, True), (CLERK, STC, True),
    (SNV_HEAD, SNV, True), (SNV_HEAD, TCCB, True), (SNV_HEAD, STC, False),
    (SNV_HEAD, TINH, False),
    (SNV_OFFICER, SNV, True), (SNV_OFFICER, TCCB, True), (SNV_OFFICER, TINH, False),
    (TCCB_OFFICER, SNV, False), (XA_CHAIRMAN, SNV, False),
])
def test_can_see_unit(viewer: Actor, unit: tuple[str, ...], sees: bool) -> None:
    assert can_see_unit(viewer, unit) is sees


# relations_to_task ---------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "owner", "lead_unit", "assigner", "expected"), [
    # The owner, whoever he is.
    (SNV_OFFICER, "cb-snv", "snv", VICE, {Relation.OWNER}),
    # The head of the lead unit.
    (SNV_HEAD, "cb-snv", "snv", VICE, {Relation.LEAD_UNIT_HEAD}),
    # The assigner, and the leaders above him.
    (VICE, "cb-snv", "snv", VICE, {Relation.ASSIGNER}),
    (CHAIRMAN, "cb-snv", "snv", VICE, {Relation.ASSIGNER_SUPERIOR}),
    (SNV_HEAD, "cb-tccb", "tccb", TCCB_HEAD, {Relation.ASSIGNER_SUPERIOR}),
    # A peer of the assigner, or someone below him, has no say.
    (VICE2, "cb-snv", "snv", VICE, set()),
    (VICE, "cb-snv", "snv", CHAIRMAN, set()),
    (STC_HEAD, "cb-snv", "snv", VICE, set()),
    (TCCB_HEAD, "cb-snv", "snv", VICE, set()),
    # An officer of the lead unit who is not the owner: no relation.
    (actor("cb2", SNV, Role.OFFICER), "cb-snv", "snv", VICE, set()),
    # A vice-chairman is not the head of his People's Committee: its chairman is.
    (VICE2, "ct", "tinh", CHAIRMAN, set()),
    (CHAIRMAN, "pct", "tinh", CHAIRMAN, {Relation.LEAD_UNIT_HEAD, Relation.ASSIGNER}),
    (XA_VICE, "cb-xa", "xa", VICE, set()),
    # The head of a parent unit is not the head of the lead unit.
    (SNV_HEAD, "cb-tccb", "tccb", VICE, set()),
    # Several at once: a head assigning to his own unit and leading it.
    (SNV_HEAD, "cb-snv", "snv", SNV_HEAD, {Relation.LEAD_UNIT_HEAD, Relation.ASSIGNER}),
    (SNV_HEAD, "gd-snv", "snv", CHAIRMAN, {Relation.OWNER, Relation.LEAD_UNIT_HEAD}),
    (CHAIRMAN, "cb-tccb", "tccb", TCCB_HEAD, {Relation.ASSIGNER_SUPERIOR}),
    # Without a known assigner, only the lead side can be found.
    (CHAIRMAN, "cb-snv", "snv", None, set()),
    (SNV_HEAD, "cb-snv", "snv", None, {Relation.LEAD_UNIT_HEAD}),
])
def test_relations_to_task(
    who: Actor, owner: str, lead_unit: str, assigner: Actor | None, expected: set[Relation]
) -> None:
    parties = TaskParties(owner, frozenset(HEADS[lead_unit]), assigner)
    assert relations_to_task(who, parties) == expected


# The heads of each unit of the tree above, as domain.org.heads_of finds them.
HEADS = {
    "tinh": heads_of([("ct", ["chairman"]), ("pct", ["vice_chairman"]),
                      ("pct2", ["vice_chairman"]), ("vp", ["office_staff"])]),
    "snv": heads_of([("gd-snv", ["unit_head"]), ("cb-snv", ["officer"])]),
    "tccb": heads_of([("tp-tccb", ["unit_head"]), ("cb-tccb", ["officer"])]),
    "stc": heads_of([("gd-stc", ["unit_head"])]),
    "xa": heads_of([("ct-xa", ["chairman"]), ("pct-xa", ["vice_chairman"])]),
}


def test_the_admin_seated_in_the_office_has_no_task_powers() -> None:
    """The admin (quantri) sits in the province's office; its staff read and remind every
    province task, he runs the calendar only (issue 16, item 12)."""
    from domain.org import (
        Actor,
        Role,
        TaskParties,
        TaskScope,
        can_read_task,
        can_set_calendar,
        is_office_staff,
        jurisdiction,
        relations_to_task,
    )

    admin = Actor("quantri", ("tinh", "vp"), frozenset({Role.ADMIN}), "office")
    clerk = Actor("vp.cv", ("tinh", "vp"), frozenset({Role.OFFICE_STAFF}), "office")
    task = TaskScope(("tinh", "snv"), "snv.cb1", "chutich")
    parties = TaskParties("snv.cb1", frozenset({"gd.snv"}), None, ("tinh", "snv"))
    assert is_office_staff(clerk) and can_read_task(clerk, task)
    assert Relation.OFFICE in relations_to_task(clerk, parties)
    assert not is_office_staff(admin) and not can_read_task(admin, task)
    assert relations_to_task(admin, parties) == set()
    assert jurisdiction(admin) == ("tinh", "vp") and can_set_calendar(admin)
    # An admin who is also office staff keeps what his other role gives.
    both = Actor("vp.qt", ("tinh", "vp"), frozenset({Role.ADMIN, Role.OFFICE_STAFF}), "office")
    assert is_office_staff(both) and can_read_task(both, task)
