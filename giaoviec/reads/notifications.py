"""A viewer's own notifications."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from domain.errors import FieldIssue, validation_error
from domain.notices import SORTED_KINDS, NotificationCategory, category_of, kinds_of
from giaoviec.reads.org import Viewer
from giaoviec.store.models import Notification

MAX_NOTIFICATIONS = 200


def notifications_for(session: Session, viewer: Viewer, *, unread_only: bool = False,
                      first: int = 50, category: NotificationCategory | None = None
                      ) -> list[Notification]:
    """Newest first; only those of one category (domain.notices) when asked."""
    if not 0 <= first <= MAX_NOTIFICATIONS:
        raise validation_error([FieldIssue(
            "first", "INVALID_PAGE_SIZE", f"Số thông báo phải từ 0 đến {MAX_NOTIFICATIONS}.")],
            "Yêu cầu")
    stmt = select(Notification).where(Notification.recipient_id == viewer.id)
    if unread_only:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    if category is not None:
        stmt = stmt.where(in_category(category))
    stmt = stmt.order_by(col(Notification.created_at).desc(),
                         col(Notification.id).desc()).limit(first)
    return list(session.exec(stmt).all())


def in_category(category: NotificationCategory) -> ColumnElement[bool]:
    """The SQL form of `domain.notices.category_of(kind) is category`."""
    if category is NotificationCategory.OTHER:
        return col(Notification.kind).not_in(sorted(SORTED_KINDS))
    return col(Notification.kind).in_(sorted(kinds_of(category)))


def unread_by_category(session: Session, viewer: Viewer) -> dict[NotificationCategory, int]:
    """How many of the viewer's notifications are unread, in each category (every category,
    zero included, in the enum's order): one grouped count by kind, sorted by the domain."""
    rows = session.execute(
        select(Notification.kind, func.count()).where(
            Notification.recipient_id == viewer.id, col(Notification.read_at).is_(None))
        .group_by(Notification.kind)).all()
    counts = dict.fromkeys(NotificationCategory, 0)
    for kind, count in rows:
        counts[category_of(kind)] += int(count)
    return counts
