"""What an official can do on a task right now: exactly the actions a mutation takes from him
and the task would accept, judged by the same rules as the workflow (`domain.commands.validate`)
on everything but what he has yet to type (a reason, a percentage, a date)."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime

from domain.commands import approval_refusal, next_manual_reminder
from domain.errors import DomainError
from domain.lifecycle import Action, Relation, TaskState, check_transition
from domain.subtasks import submit_refusal

# Actions nobody takes through a mutation: assigning creates the task; a parent's new deadline
# is carried down and an official's departure handed over by the system.
SYSTEM_ACTIONS = frozenset({Action.ASSIGN, Action.SHIFT_DEADLINE, Action.HAND_OVER})
OFFICIAL_ACTIONS = tuple(a for a in Action if a not in SYSTEM_ACTIONS)


@dataclass(frozen=True)
class TaskStanding:
    """The facts about a task its available actions turn on."""

    state: TaskState
    pending_extension: bool = False
    submitted_by: str | None = None
    self_assigned: bool = False
    open_subtasks: int = 0
    last_manual_reminder_at: datetime | None = None  # by this viewer: the pace is per person


def available_actions(actor_id: str, relations: Set[Relation], task: TaskStanding,
                      now: datetime) -> list[Action]:
    """The actions `actor_id`, standing to the task as `relations`, may take now."""
    found: list[Action] = []
    for action in OFFICIAL_ACTIONS:
        try:
            check_transition(action, task.state, relations,
                             has_pending_extension=task.pending_extension)
        except DomainError:
            continue
        match action:
            case Action.APPROVE if approval_refusal(
                    approver_id=actor_id, relations=relations,
                    submitted_by=task.submitted_by, self_assigned=task.self_assigned):
                continue
            case Action.SUBMIT if submit_refusal(task.open_subtasks, relations):
                continue
            case Action.REMIND if next_manual_reminder(task.last_manual_reminder_at, now):
                continue
        found.append(action)
    return found
