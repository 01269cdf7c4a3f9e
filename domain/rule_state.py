"""A recurring rule's own life: paused, resumed, ended — and who may do it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from domain.errors import FieldIssue, illegal_transition, validation_error
from domain.org import Actor, is_above
from domain.task import MAX_NOTE
from domain.text import is_blank


def can_manage_rule(actor: Actor, creator: Actor) -> bool:
    """Pausing, resuming or ending a rule: its creator or a leader above him."""
    return actor.id == creator.id or is_above(actor, creator)


def paused_spans(events: Iterable[tuple[str, datetime]]) -> list[tuple[datetime, datetime | None]]:
    """The pauses of a rule from its trail of (action, at): each pause until the next resume."""
    spans: list[tuple[datetime, datetime | None]] = []
    for action, at in sorted(events, key=lambda e: e[1]):
        if action == "pause" and (not spans or spans[-1][1] is not None):
            spans.append((at, None))
        elif action == "resume" and spans and spans[-1][1] is None:
            spans[-1] = (spans[-1][0], at)
    return spans


RULE_STATE_LABELS_VI = {"active": "Đang áp dụng", "paused": "Tạm dừng", "ended": "Đã kết thúc"}
_RULE_MOVES = {"pause": (frozenset({"active"}), "paused"),
               "resume": (frozenset({"paused"}), "active"),
               "end": (frozenset({"active", "paused"}), "ended")}


def next_rule_state(state: str, action: str, reason: str | None) -> str | None:
    """Pause (an active rule), resume (a paused one), end (either): with a reason, but to
    resume; an ended rule stays ended. None: the rule is already where the action leads (the
    same request again, after its Schedule could not be reached): nothing to record, but its
    Schedule is brought in line again."""
    allowed, after = _RULE_MOVES[action]
    if state != after and state not in allowed:
        raise illegal_transition(f"Nhiệm vụ định kỳ đang ở trạng thái "
                                 f"“{RULE_STATE_LABELS_VI.get(state, state)}”.")
    if action != "resume" and is_blank(reason):
        raise validation_error([FieldIssue("reason", "MISSING_REASON", "Cần nêu lý do.")],
                               "Thao tác")
    if reason is not None and len(reason) > MAX_NOTE:
        raise validation_error([FieldIssue("reason", "TEXT_TOO_LONG",
                                           f"Lý do dài quá {MAX_NOTE} ký tự.")], "Thao tác")
    return None if state == after else after
