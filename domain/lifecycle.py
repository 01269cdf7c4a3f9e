"""The task lifecycle as a state machine: which action moves which state, and who may act.

chưa thực hiện → đang thực hiện → chờ xác nhận → đã hoàn thành; side roads: thực hiện lại,
từ chối, tạm dừng, đã hủy. Extensions and reassignment are actions too.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import forbidden, illegal_transition


class TaskState(StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    COMPLETED = "completed"
    RETURNED = "returned"
    DECLINED = "declined"
    PAUSED = "paused"
    CANCELLED = "cancelled"


STATE_LABELS_VI = {
    TaskState.ASSIGNED: "Chưa thực hiện",
    TaskState.IN_PROGRESS: "Đang thực hiện",
    TaskState.SUBMITTED: "Chờ xác nhận",
    TaskState.COMPLETED: "Đã hoàn thành",
    TaskState.RETURNED: "Thực hiện lại",
    TaskState.DECLINED: "Từ chối",
    TaskState.PAUSED: "Tạm dừng",
    TaskState.CANCELLED: "Đã hủy",
}

TERMINAL_STATES = frozenset({TaskState.COMPLETED, TaskState.CANCELLED})
# States in which the lead is expected to be working, so reminders and escalation apply.
# Not while submitted (the ball is with the assigner), declined or paused.
WORKING_STATES = frozenset({TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.RETURNED})
OPEN_STATES = frozenset(TaskState) - TERMINAL_STATES


class Action(StrEnum):
    ASSIGN = "assign"
    ACCEPT = "accept"
    REPORT_PROGRESS = "report_progress"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    DECLINE = "decline"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    REASSIGN = "reassign"
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"
    REMIND = "remind"  # đôn đốc: a manual reminder (the engine's own reminders share the name)
    SHIFT_DEADLINE = "shift_deadline"  # carried down from a parent given more time
    HAND_OVER = "hand_over"  # its owner left the unit: to the unit's head, to reassign
    CHANGE_DEADLINE = "change_deadline"  # the assigner sets a new deadline himself


ACTION_LABELS_VI = {
    Action.ASSIGN: "giao nhiệm vụ",
    Action.ACCEPT: "tiếp nhận",
    Action.REPORT_PROGRESS: "báo cáo tiến độ",
    Action.SUBMIT: "nộp sản phẩm",
    Action.APPROVE: "xác nhận hoàn thành",
    Action.RETURN: "trả lại để thực hiện lại",
    Action.DECLINE: "từ chối nhiệm vụ",
    Action.REQUEST_EXTENSION: "đề nghị gia hạn",
    Action.DECIDE_EXTENSION: "quyết định gia hạn",
    Action.REASSIGN: "giao lại",
    Action.PAUSE: "tạm dừng",
    Action.RESUME: "tiếp tục",
    Action.CANCEL: "hủy",
    Action.REMIND: "đôn đốc",
    Action.SHIFT_DEADLINE: "dời hạn theo nhiệm vụ cấp trên",
    Action.HAND_OVER: "bàn giao",
    Action.CHANGE_DEADLINE: "đổi hạn xử lý",
}


class Relation(StrEnum):
    """How an official stands to one task."""

    OWNER = "owner"  # người chịu trách nhiệm chính
    LEAD_UNIT_HEAD = "lead_unit_head"  # thủ trưởng đơn vị chủ trì
    ASSIGNER = "assigner"  # người giao
    ASSIGNER_SUPERIOR = "assigner_superior"  # lãnh đạo cấp trên của người giao
    OFFICE = "office"  # Văn phòng of a unit whose subtree holds the task (tracks and reminds)
    # The organisation itself: an official left his unit, his open tasks are handed over.
    # Never an official's relation (relations_to_task); only the hand-over service gives it.
    ORGANISATION = "organisation"


_LEAD = frozenset({Relation.OWNER, Relation.LEAD_UNIT_HEAD})
_AUTHORITY = frozenset({Relation.ASSIGNER, Relation.ASSIGNER_SUPERIOR})
_WORKING = WORKING_STATES
_OPEN = OPEN_STATES


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[TaskState]
    to_state: TaskState | None  # None: the state does not change
    allowed: frozenset[Relation]
    who_vi: str


RULES: dict[Action, Rule] = {
    Action.ACCEPT: Rule(
        frozenset({TaskState.ASSIGNED, TaskState.RETURNED}), TaskState.IN_PROGRESS, _LEAD,
        "người chịu trách nhiệm chính hoặc thủ trưởng đơn vị chủ trì",
    ),
    Action.REPORT_PROGRESS: Rule(
        _WORKING, TaskState.IN_PROGRESS, _LEAD,
        "người chịu trách nhiệm chính hoặc thủ trưởng đơn vị chủ trì",
    ),
    Action.SUBMIT: Rule(
        _WORKING, TaskState.SUBMITTED, _LEAD,
        "người chịu trách nhiệm chính hoặc thủ trưởng đơn vị chủ trì",
    ),
    Action.DECLINE: Rule(
        frozenset({TaskState.ASSIGNED}), TaskState.DECLINED, _LEAD,
        "người chịu trách nhiệm chính hoặc thủ trưởng đơn vị chủ trì",
    ),
    Action.REQUEST_EXTENSION: Rule(
        _WORKING, None, _LEAD, "người chịu trách nhiệm chính hoặc thủ trưởng đơn vị chủ trì",
    ),
    Action.APPROVE: Rule(
        frozenset({TaskState.SUBMITTED}), TaskState.COMPLETED, _AUTHORITY,
        "người giao hoặc lãnh đạo cấp trên của người giao",
    ),
    Action.RETURN: Rule(
        frozenset({TaskState.SUBMITTED}), TaskState.RETURNED, _AUTHORITY,
        "người giao hoặc lãnh đạo cấp trên của người giao",
    ),
    Action.DECIDE_EXTENSION: Rule(
        _OPEN - {TaskState.DECLINED}, None, _AUTHORITY,
        "người giao hoặc lãnh đạo cấp trên của người giao",
    ),
    Action.REASSIGN: Rule(
        _OPEN - {TaskState.PAUSED}, TaskState.ASSIGNED, _AUTHORITY,
        "người giao hoặc lãnh đạo cấp trên của người giao",
    ),
    Action.PAUSE: Rule(
        _WORKING | {TaskState.SUBMITTED}, TaskState.PAUSED, _AUTHORITY,
        "người giao hoặc lãnh đạo cấp trên của người giao",
    ),
    # Resume returns to the state held before the pause; the workflow knows which.
    Action.RESUME: Rule(
        frozenset({TaskState.PAUSED}), None, _AUTHORITY,
        "người giao hoặc lãnh đạo cấp trên của người giao",
    ),
    Action.CANCEL: Rule(
        _OPEN, TaskState.CANCELLED, _AUTHORITY,
        "người giao hoặc lãnh đạo cấp trên của người giao",
    ),
    Action.REMIND: Rule(
        _WORKING, None,
        _AUTHORITY | {Relation.OFFICE, Relation.LEAD_UNIT_HEAD},
        "Văn phòng, người giao, lãnh đạo cấp trên hoặc thủ trưởng đơn vị chủ trì",
    ),
    Action.SHIFT_DEADLINE: Rule(
        _OPEN, None, _AUTHORITY, "người giao hoặc lãnh đạo cấp trên của người giao",
    ),
    Action.HAND_OVER: Rule(
        _OPEN, None, frozenset({Relation.ORGANISATION}),
        "hệ thống, khi người chịu trách nhiệm thôi công tác tại đơn vị",
    ),
}


# Who sets a new deadline himself (changeDeadline): the assigner, and whoever may decide the
# task's extension requests — by construction, so the two never drift apart.
RULES[Action.CHANGE_DEADLINE] = Rule(
    RULES[Action.DECIDE_EXTENSION].from_states, None,
    RULES[Action.DECIDE_EXTENSION].allowed | {Relation.ASSIGNER},
    "người giao hoặc người có thẩm quyền quyết định gia hạn",
)


def check_transition(
    action: Action,
    state: TaskState,
    relations: Set[Relation],
    *,
    resume_to: TaskState | None = None,
    has_pending_extension: bool = False,
) -> TaskState:
    """The state after `action`, or a DomainError saying why it is refused.

    Who may act is checked before the state, so an outsider learns nothing about the task.
    """
    rule = RULES[action]
    label = ACTION_LABELS_VI[action]
    if not (rule.allowed & set(relations)):
        raise forbidden(f"Chỉ {rule.who_vi} mới được {label}.")
    if state not in rule.from_states:
        raise illegal_transition(
            f"Không thể {label} khi nhiệm vụ đang ở trạng thái "
            f"“{STATE_LABELS_VI[state]}”."
        )
    if action is Action.REQUEST_EXTENSION and has_pending_extension:
        raise illegal_transition("Đã có một đề nghị gia hạn đang chờ quyết định.")
    if action is Action.DECIDE_EXTENSION and not has_pending_extension:
        raise illegal_transition("Không có đề nghị gia hạn nào đang chờ quyết định.")
    return next_state(action, state, resume_to=resume_to)


def next_state(action: Action, state: TaskState, *, resume_to: TaskState | None = None
               ) -> TaskState:
    """Where an allowed action leads: a resume goes back to the state held before the pause."""
    if action is Action.RESUME:
        return resume_to or TaskState.IN_PROGRESS
    return RULES[action].to_state or state
