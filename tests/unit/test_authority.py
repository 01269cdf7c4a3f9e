"""Who may act is decided on the task's own state (domain.authority), the organisation's facts
only as read against the task's lead unit and assigner."""

from __future__ import annotations

import pytest

from domain.authority import OrgFacts, Standing, decide, is_stale, standing
from domain.errors import DomainError
from domain.lifecycle import Relation


def facts(actor: Standing, *principals: Standing, lead: str = "snv") -> OrgFacts:
    return OrgFacts(lead, "chutich", actor, list(principals))


def test_the_owner_is_whom_the_task_holds_not_whom_the_service_saw() -> None:
    cb1 = facts(standing("snv.cb1", {Relation.OWNER}))
    assert decide("snv.cb1", "chutich", "snv", cb1, [], None) == ([Relation.OWNER], None)
    # Reassigned since: the same facts give him nothing, whatever relations came along.
    assert decide("snv.cb2", "chutich", "snv", cb1, [Relation.OWNER], None) == ([], None)


def test_organisation_facts_count_only_for_the_lead_unit_they_were_read_against() -> None:
    head = facts(standing("snv.gd", {Relation.LEAD_UNIT_HEAD}))
    assert decide("snv.cb1", "chutich", "snv", head, [], None)[0] == [Relation.LEAD_UNIT_HEAD]
    with pytest.raises(DomainError) as moved:
        decide("stc.cb", "chutich", "stc", head, [], None)
    assert is_stale(moved.value)


def test_assigner_and_above_and_office() -> None:
    boss = facts(standing("chutich", {Relation.ASSIGNER}))
    assert decide("snv.cb1", "chutich", "snv", boss, [], None)[0] == [Relation.ASSIGNER]
    above = facts(standing("x", {Relation.ASSIGNER_SUPERIOR, Relation.OFFICE}))
    assert set(decide("snv.cb1", "chutich", "snv", above, [], None)[0]) == {
        Relation.ASSIGNER_SUPERIOR, Relation.OFFICE}


def test_a_substitute_acts_for_the_owner_the_task_holds() -> None:
    sub = facts(Standing("snv.cb3"), Standing("snv.cb1"))
    assert decide("snv.cb1", "chutich", "snv", sub, [], "snv.cb1") == ([Relation.OWNER],
                                                                        "snv.cb1")
    # The owner he stood in for is no longer the owner: read again.
    with pytest.raises(DomainError) as changed:
        decide("snv.cb2", "chutich", "snv", sub, [], "snv.cb1")
    assert is_stale(changed.value)


def test_the_engines_own_commands_keep_their_relations() -> None:
    assert decide("a", "b", "u", None, [Relation.ORGANISATION], None) == (
        [Relation.ORGANISATION], None)
