"""The task lifecycle: which action moves which state, and who may take it.

The expected table below is written out from the domain (not read back from RULES), so a
change to the rules shows up here as a failing case.
"""

from __future__ import annotations

from itertools import product

import pytest

from domain.errors import Code, DomainError
from domain.lifecycle import (
    ACTION_LABELS_VI,
    OPEN_STATES,
    RULES,
    STATE_LABELS_VI,
    TERMINAL_STATES,
    WORKING_STATES,
    Action,
    Relation,
    TaskState,
    check_transition,
)

S = TaskState
LEAD = frozenset({Relation.OWNER, Relation.LEAD_UNIT_HEAD})
AUTHORITY = frozenset({Relation.ASSIGNER, Relation.ASSIGNER_SUPERIOR})
WORKING = {S.ASSIGNED, S.IN_PROGRESS, S.RETURNED}
OPEN = {S.ASSIGNED, S.IN_PROGRESS, S.SUBMITTED, S.RETURNED, S.DECLINED, S.PAUSED}
SAME = None  # the action leaves the state as it is

# action: (states it may be taken from, state after it, who may take it)
EXPECTED: dict[Action, tuple[set[TaskState], TaskState | None, frozenset[Relation]]] = {
    Action.ACCEPT: ({S.ASSIGNED, S.RETURNED}, S.IN_PROGRESS, LEAD),
    Action.REPORT_PROGRESS: (WORKING, S.IN_PROGRESS, LEAD),
    Action.SUBMIT: (WORKING, S.SUBMITTED, LEAD),
    Action.DECLINE: ({S.ASSIGNED}, S.DECLINED, LEAD),
    Action.REQUEST_EXTENSION: (WORKING, SAME, LEAD),
    Action.APPROVE: ({S.SUBMITTED}, S.COMPLETED, AUTHORITY),
    Action.RETURN: ({S.SUBMITTED}, S.RETURNED, AUTHORITY),
    Action.DECIDE_EXTENSION: (OPEN - {S.DECLINED}, SAME, AUTHORITY),
    Action.REASSIGN: (OPEN - {S.PAUSED}, S.ASSIGNED, AUTHORITY),
    Action.PAUSE: (WORKING | {S.SUBMITTED}, S.PAUSED, AUTHORITY),
    Action.RESUME: ({S.PAUSED}, SAME, AUTHORITY),  # to the state held before the pause
    Action.CANCEL: (OPEN, S.CANCELLED, AUTHORITY),
    # Đôn đốc: the office, the assigner and leaders above him, the lead unit's head.
    Action.REMIND: (WORKING, SAME,
                    AUTHORITY | {Relation.OFFICE, Relation.LEAD_UNIT_HEAD}),
    Action.SHIFT_DEADLINE: (OPEN, SAME, AUTHORITY),
    Action.HAND_OVER: (OPEN, SAME, frozenset({Relation.ORGANISATION})),
    # A new deadline set directly: whoever decides extensions, and the assigner.
    Action.CHANGE_DEADLINE: (OPEN - {S.DECLINED}, SAME, AUTHORITY),
}


def pending_for(action: Action) -> bool:
    """The extension flag that makes `action` possible (only a decision needs a request)."""
    return action is Action.DECIDE_EXTENSION


def code_of(action: Action, state: TaskState, relations: set[Relation], **kw: object) -> str:
    kw.setdefault("has_pending_extension", pending_for(action))
    with pytest.raises(DomainError) as err:
        check_transition(action, state, relations, **kw)  # type: ignore[arg-type]
    assert err.value.message  # always a sentence for people
    return err.value.code


def test_the_rules_cover_every_action_but_assign() -> None:
    # Assignment is validate_draft's business; every other action has a rule.
    assert set(RULES) == set(EXPECTED) == set(Action) - {Action.ASSIGN}


def test_the_state_sets() -> None:
    assert {S.COMPLETED, S.CANCELLED} == TERMINAL_STATES
    assert OPEN_STATES == OPEN
    assert WORKING_STATES == WORKING


def test_everything_people_read_is_labelled_in_vietnamese() -> None:
    assert set(STATE_LABELS_VI) == set(TaskState)
    assert set(ACTION_LABELS_VI) == set(Action)
    assert STATE_LABELS_VI[S.ASSIGNED] == "Chưa thực hiện"
    assert STATE_LABELS_VI[S.COMPLETED] == "Đã hoàn thành"


ALLOWED = [
    (action, state, relation)
    for action, (states, _, who) in EXPECTED.items()
    for state in sorted(states)
    for relation in sorted(who)
]


@pytest.mark.parametrize(("action", "state", "relation"), ALLOWED,
                         ids=[f"{a}-{s}-{r}" for a, s, r in ALLOWED])
def test_allowed_transitions(action: Action, state: TaskState, relation: Relation) -> None:
    _, to_state, _ = EXPECTED[action]
    got = check_transition(action, state, {relation}, has_pending_extension=pending_for(action),
                           resume_to=S.SUBMITTED)
    if action is Action.RESUME:
        assert got is S.SUBMITTED
    else:
        assert got is (to_state or state)


FORBIDDEN = [
    (action, state, relation)
    for action, (_, _, who) in EXPECTED.items()
    for state in sorted(TaskState)  # every state: who may act is checked first
    for relation in sorted(set(Relation) - who)
]


@pytest.mark.parametrize(("action", "state", "relation"), FORBIDDEN,
                         ids=[f"{a}-{s}-{r}" for a, s, r in FORBIDDEN])
def test_the_wrong_relation_is_forbidden(
    action: Action, state: TaskState, relation: Relation
) -> None:
    assert code_of(action, state, {relation}) == Code.FORBIDDEN


@pytest.mark.parametrize("action", list(EXPECTED))
def test_an_outsider_is_forbidden_everything(action: Action) -> None:
    for state in TaskState:
        assert code_of(action, state, set()) == Code.FORBIDDEN


def test_forbidden_names_who_may_act() -> None:
    with pytest.raises(DomainError) as err:
        check_transition(Action.APPROVE, S.SUBMITTED, {Relation.OWNER})
    assert "người giao" in err.value.message and "xác nhận hoàn thành" in err.value.message
    with pytest.raises(DomainError) as err:
        check_transition(Action.SUBMIT, S.IN_PROGRESS, {Relation.ASSIGNER})
    assert "người chịu trách nhiệm chính" in err.value.message


ILLEGAL = [
    (action, state)
    for action, (states, _, _) in EXPECTED.items()
    for state in sorted(set(TaskState) - states)
]


@pytest.mark.parametrize(("action", "state"), ILLEGAL, ids=[f"{a}-{s}" for a, s in ILLEGAL])
def test_illegal_states_are_refused(action: Action, state: TaskState) -> None:
    _, _, who = EXPECTED[action]
    assert code_of(action, state, set(who)) == Code.ILLEGAL_TRANSITION


def test_illegal_transition_names_the_state() -> None:
    with pytest.raises(DomainError) as err:
        check_transition(Action.APPROVE, S.IN_PROGRESS, {Relation.ASSIGNER})
    assert "Đang thực hiện" in err.value.message


@pytest.mark.parametrize(("action", "relations"), list(product(
    [a for a in Action if a is not Action.ASSIGN],
    [set(Relation), {Relation.OWNER}, {Relation.ASSIGNER}],
)))
def test_terminal_states_admit_nothing(action: Action, relations: set[Relation]) -> None:
    expected = Code.ILLEGAL_TRANSITION if RULES[action].allowed & relations else Code.FORBIDDEN
    for state in TERMINAL_STATES:
        assert code_of(action, state, relations) == expected


# Pause and resume ---------------------------------------------------------------------------


@pytest.mark.parametrize("before", sorted(WORKING | {S.SUBMITTED}))
def test_pause_then_resume_returns_to_the_state_before(before: TaskState) -> None:
    boss = {Relation.ASSIGNER}
    paused = check_transition(Action.PAUSE, before, boss)
    assert paused is S.PAUSED
    assert check_transition(Action.RESUME, paused, boss, resume_to=before) is before


def test_resume_without_a_known_state_goes_to_in_progress() -> None:
    assert check_transition(Action.RESUME, S.PAUSED, {Relation.ASSIGNER_SUPERIOR}) is (
        S.IN_PROGRESS)


def test_a_paused_task_cannot_be_worked_on_or_paused_again() -> None:
    lead, boss = {Relation.OWNER}, {Relation.ASSIGNER}
    for action in (Action.ACCEPT, Action.REPORT_PROGRESS, Action.SUBMIT,
                   Action.REQUEST_EXTENSION):
        assert code_of(action, S.PAUSED, lead) == Code.ILLEGAL_TRANSITION
    assert code_of(Action.PAUSE, S.PAUSED, boss) == Code.ILLEGAL_TRANSITION
    assert code_of(Action.REASSIGN, S.PAUSED, boss) == Code.ILLEGAL_TRANSITION
    assert check_transition(Action.CANCEL, S.PAUSED, boss) is S.CANCELLED


# Extensions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", sorted(WORKING))
def test_an_extension_request_while_one_is_pending_is_refused(state: TaskState) -> None:
    lead = {Relation.OWNER}
    assert check_transition(Action.REQUEST_EXTENSION, state, lead) is state
    with pytest.raises(DomainError) as err:
        check_transition(Action.REQUEST_EXTENSION, state, lead, has_pending_extension=True)
    assert err.value.code == Code.ILLEGAL_TRANSITION
    assert "đang chờ quyết định" in err.value.message


@pytest.mark.parametrize("state", sorted(OPEN - {S.DECLINED}))
def test_an_extension_is_decided_only_when_one_is_pending(state: TaskState) -> None:
    boss = {Relation.ASSIGNER}
    assert check_transition(Action.DECIDE_EXTENSION, state, boss,
                            has_pending_extension=True) is state
    with pytest.raises(DomainError) as err:
        check_transition(Action.DECIDE_EXTENSION, state, boss, has_pending_extension=False)
    assert err.value.code == Code.ILLEGAL_TRANSITION


def test_who_is_checked_before_the_pending_extension() -> None:
    # An outsider learns nothing about the task, not even that a request is pending.
    assert code_of(Action.REQUEST_EXTENSION, S.IN_PROGRESS, {Relation.ASSIGNER},
                   has_pending_extension=True) == Code.FORBIDDEN


# The main road and its side roads, end to end -------------------------------------------------


def test_the_main_road_with_a_rework() -> None:
    lead, boss = {Relation.OWNER}, {Relation.ASSIGNER}
    state = S.ASSIGNED
    for action, who, expected in [
        (Action.ACCEPT, lead, S.IN_PROGRESS),
        (Action.REPORT_PROGRESS, lead, S.IN_PROGRESS),
        (Action.SUBMIT, lead, S.SUBMITTED),
        (Action.RETURN, boss, S.RETURNED),
        (Action.ACCEPT, lead, S.IN_PROGRESS),
        (Action.SUBMIT, lead, S.SUBMITTED),
        (Action.APPROVE, boss, S.COMPLETED),
    ]:
        state = check_transition(action, state, who)
        assert state is expected


def test_decline_goes_back_to_the_assigner_who_reassigns() -> None:
    state = check_transition(Action.DECLINE, S.ASSIGNED, {Relation.LEAD_UNIT_HEAD})
    assert state is S.DECLINED
    assert code_of(Action.ACCEPT, state, {Relation.OWNER}) == Code.ILLEGAL_TRANSITION
    assert check_transition(Action.REASSIGN, state, {Relation.ASSIGNER}) is S.ASSIGNED
