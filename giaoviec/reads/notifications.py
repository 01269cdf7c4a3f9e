"""A viewer's own notifications."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.errors import FieldIssue, validation_error
from giaoviec.reads.org import Viewer
from giaoviec.store.models import Notification

MAX_NOTIFICATIONS = 200


def notifications_for(session: Session, viewer: Viewer, *, unread_only: bool = False,
                      first: int = 50) -> list[Notification]:
    """Newest first."""
    if not 0 <= first <= MAX_NOTIFICATIONS:
        raise validation_error([FieldIssue(
            "first", "INVALID_PAGE_SIZE", f"Số thông báo phải từ 0 đến {MAX_NOTIFICATIONS}.")],
            "Yêu cầu")
    stmt = select(Notification).where(Notification.recipient_id == viewer.id)
    if unread_only:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    stmt = stmt.order_by(col(Notification.created_at).desc(),
                         col(Notification.id).desc()).limit(first)
    return list(session.exec(stmt).all())
