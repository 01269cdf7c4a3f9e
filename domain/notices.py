"""What a notification is to the person who reads it: the engine's many notice kinds
("reminder", "overdue", "manual_overdue", …) in the four an official sorts them by on his own
page — nhắc việc (the reminder ladder), đôn đốc (a person urging him by hand), cảnh báo lên
cấp trên (an overdue task raised to the heads above), and everything else. One map, read by
the list's filter, its unread counts and the names people see."""

from __future__ import annotations

from enum import StrEnum


class NotificationCategory(StrEnum):
    REMINDER = "reminder"
    URGE = "urge"
    ESCALATION = "escalation"
    OTHER = "other"


NOTIFICATION_CATEGORY_LABELS_VI = {
    NotificationCategory.REMINDER: "Nhắc việc",
    NotificationCategory.URGE: "Đôn đốc",
    NotificationCategory.ESCALATION: "Cảnh báo, báo cáo cấp trên",
    NotificationCategory.OTHER: "Thông báo khác",
}

# The notice kinds of each category (domain.commands, domain.milestones); any other kind —
# an assignment, an event on the task, a briefing, a plan entered for its signer — is OTHER.
_KINDS: dict[NotificationCategory, frozenset[str]] = {
    # The ladder: before the deadline, on it, at a milestone, and overdue to the owner alone.
    NotificationCategory.REMINDER: frozenset({"reminder", "overdue"}),
    NotificationCategory.URGE: frozenset({"manual_reminder", "manual_overdue"}),
    # Overdue, told to the lead unit's head and the assigner as well.
    NotificationCategory.ESCALATION: frozenset({"escalation"}),
}
SORTED_KINDS = frozenset().union(*_KINDS.values())


def category_of(kind: str) -> NotificationCategory:
    """The category a notice kind belongs to."""
    return next((c for c, kinds in _KINDS.items() if kind in kinds), NotificationCategory.OTHER)


def kinds_of(category: NotificationCategory) -> frozenset[str]:
    """The notice kinds of a category; for OTHER, those of none of the rest (SORTED_KINDS
    excluded)."""
    return _KINDS.get(category, frozenset())
