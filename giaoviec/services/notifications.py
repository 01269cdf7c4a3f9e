"""Changing one's own notifications: marking them read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from domain.errors import FieldIssue, validation_error
from giaoviec.store.db import session_scope
from giaoviec.store.models import Notification

MAX_IDS = 500
_MAX_ID = 2**31 - 1  # an INTEGER key on PostgreSQL: 32 bits


def parse_notification_ids(ids: Sequence[str]) -> list[int]:
    """Notification ids are positive integers written in ASCII digits; anything else (a
    superscript "²", a number too large for the database) is refused, naming the field."""
    if len(ids) > MAX_IDS:
        raise validation_error([FieldIssue(
            "ids", "TOO_MANY_IDS", f"Mỗi lần đánh dấu tối đa {MAX_IDS} thông báo.")], "Yêu cầu")
    numbers: set[int] = set()
    for i, raw in enumerate(ids):
        text = str(raw)
        if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= _MAX_ID:
            raise validation_error([FieldIssue(
                f"ids[{i}]", "INVALID_ID", "Mã thông báo không hợp lệ.")], "Yêu cầu")
        numbers.add(int(text))
    return sorted(numbers)


def mark_read(engine: Engine, recipient_id: str, ids: Sequence[str],
              now: datetime | None = None) -> int:
    """Mark the recipient's own unread notifications read; returns how many changed."""
    numbers = parse_notification_ids(ids)
    if not numbers:
        return 0
    with session_scope(engine) as session:
        result = session.execute(
            update(Notification)
            .where(col(Notification.id).in_(numbers), Notification.recipient_id == recipient_id,
                   col(Notification.read_at).is_(None))
            .values(read_at=now or datetime.now(UTC))
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
