"""domain.actions: exactly the actions an official can take now through a mutation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.actions import OFFICIAL_ACTIONS, TaskStanding, available_actions
from domain.lifecycle import Action, Relation, TaskState

A = Action
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
OWNER, HEAD = frozenset({Relation.OWNER}), frozenset({Relation.LEAD_UNIT_HEAD})
ASSIGNER = frozenset({Relation.ASSIGNER})


def offered(relations: frozenset[Relation], actor: str = "x", **facts: object) -> list[Action]:
    facts.setdefault("state", TaskState.IN_PROGRESS)
    return available_actions(actor, relations, TaskStanding(**facts), NOW)  # type: ignore[arg-type]


def test_the_system_s_actions_are_never_offered() -> None:
    assert {A.ASSIGN, A.SHIFT_DEADLINE, A.HAND_OVER}.isdisjoint(OFFICIAL_ACTIONS)
    everyone = frozenset(Relation)
    for state in TaskState:
        found = offered(everyone, state=state, pending_extension=True)
        assert A.SHIFT_DEADLINE not in found and A.HAND_OVER not in found


def test_each_relation_gets_exactly_its_actions() -> None:
    assert offered(OWNER) == [A.REPORT_PROGRESS, A.SUBMIT, A.REQUEST_EXTENSION]
    assert offered(HEAD) == [A.REPORT_PROGRESS, A.SUBMIT, A.REQUEST_EXTENSION, A.REMIND]
    assert offered(ASSIGNER) == [A.REASSIGN, A.PAUSE, A.CANCEL, A.REMIND, A.CHANGE_DEADLINE]
    assert offered(frozenset({Relation.OFFICE})) == [A.REMIND]
    assert offered(frozenset()) == []
    assert offered(ASSIGNER, state=TaskState.COMPLETED) == []


def test_approval_is_not_offered_to_whoever_may_not_approve() -> None:
    submitted = {"state": TaskState.SUBMITTED}
    assert offered(ASSIGNER, **submitted) == [A.APPROVE, A.RETURN, A.REASSIGN, A.PAUSE,
                                               A.CANCEL, A.CHANGE_DEADLINE]
    assert A.APPROVE not in offered(ASSIGNER, actor="me", submitted_by="me", **submitted)
    assert A.APPROVE not in offered(ASSIGNER | OWNER, self_assigned=True, **submitted)
    assert A.APPROVE in offered(frozenset({Relation.ASSIGNER_SUPERIOR}), self_assigned=True,
                                **submitted)


def test_open_subtasks_leave_the_submission_to_the_head() -> None:
    assert A.SUBMIT not in offered(OWNER, open_subtasks=2)
    assert A.SUBMIT in offered(HEAD, open_subtasks=2)
    assert A.SUBMIT in offered(OWNER | HEAD, open_subtasks=2)


def test_a_manual_reminder_waits_a_day_and_an_extension_its_decision() -> None:
    assert A.REMIND not in offered(ASSIGNER, last_manual_reminder_at=NOW - timedelta(hours=23))
    assert A.REMIND in offered(ASSIGNER, last_manual_reminder_at=NOW - timedelta(hours=24))
    assert offered(OWNER, pending_extension=True) == [A.REPORT_PROGRESS, A.SUBMIT]
    assert offered(ASSIGNER, pending_extension=True)[0] is A.DECIDE_EXTENSION


def test_a_new_deadline_is_offered_to_whoever_may_decide_an_extension() -> None:
    """changeDeadline: the assigner, and whoever may decide an extension request (a leader
    above the assigner); never the lead, the office, nor on a declined or closed task."""
    superior = frozenset({Relation.ASSIGNER_SUPERIOR})
    for state in TaskState:
        may_decide = A.DECIDE_EXTENSION in offered(superior, state=state, pending_extension=True)
        for who in (ASSIGNER, superior):
            assert (A.CHANGE_DEADLINE in offered(who, state=state)) is may_decide, (who, state)
    for who in (OWNER, HEAD, frozenset({Relation.OFFICE})):
        assert A.CHANGE_DEADLINE not in offered(who)
    assert A.CHANGE_DEADLINE not in offered(ASSIGNER, state=TaskState.DECLINED)
