"""What the digest reads and stamps in the read model (sync: called through a thread)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy
from sqlalchemy import func, select, update
from sqlmodel import col

from activities.mail.compose import Digest, DigestItem
from giaoviec.store.models import Notification, Official


def load_pending_digests(engine: sqlalchemy.Engine, limit_recipients: int) -> list[Digest]:
    """Recipients with unmailed notifications, oldest waiting first, each with all of them.

    Officials without an e-mail address (or inactive ones) are not selected at all: their
    notifications keep emailed_at NULL because they were never mailed, and they stay in-app.
    Filtering them in the query (rather than stamping their rows) keeps emailed_at truthful;
    if an address is added later, the person gets one digest of what is still waiting.
    """
    unmailed = col(Notification.emailed_at).is_(None)
    email = col(Official.email)
    recipients_stmt = (
        select(col(Official.id), col(Official.full_name), email)
        .join(Notification, col(Notification.recipient_id) == col(Official.id))
        .where(unmailed, email.is_not(None), func.trim(email) != "", col(Official.active))
        .group_by(col(Official.id), col(Official.full_name), email)
        # Oldest waiting first, so a backlog larger than one run drains fairly.
        .order_by(func.min(col(Notification.created_at)), col(Official.id))
        .limit(limit_recipients)
    )
    with engine.connect() as conn:
        recipients = conn.execute(recipients_stmt).all()
        if not recipients:
            return []
        digests = {
            r.id: Digest(official_id=r.id, full_name=r.full_name, email=r.email.strip(), items=[])
            for r in recipients
        }
        items_stmt = (
            select(
                col(Notification.id),
                col(Notification.recipient_id),
                col(Notification.kind),
                col(Notification.title),
                col(Notification.body),
                col(Notification.task_id),
                col(Notification.created_at),
            )
            .where(unmailed, col(Notification.recipient_id).in_(list(digests)))
            .order_by(col(Notification.created_at), col(Notification.id))
        )
        for row in conn.execute(items_stmt):
            digests[row.recipient_id].items.append(
                DigestItem(
                    id=row.id,
                    kind=row.kind,
                    title=row.title,
                    body=row.body,
                    task_id=row.task_id,
                    created_at=row.created_at,
                )
            )
    return [d for d in digests.values() if d.items]


def mark_mailed(engine: sqlalchemy.Engine, notification_ids: list[int], now: datetime) -> int:
    """Stamp exactly the notifications that were in the mail (not ones that arrived since)."""
    stmt = (
        update(Notification)
        .where(col(Notification.id).in_(notification_ids), col(Notification.emailed_at).is_(None))
        .values(emailed_at=now)
    )
    with engine.begin() as conn:
        return conn.execute(stmt).rowcount
