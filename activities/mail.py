"""The e-mail digest: one mail per person per run, listing every notification not yet mailed.

Notifications always live in the in-app `notification` table; this module only mirrors them to
e-mail when SMTP is configured. Users complained about one mail per item and about empty mails,
so a person gets at most one mail per run, and only when something is waiting for them.

Delivery is at-least-once: a notification is stamped `emailed_at` only after the server has
accepted the mail, so a crash (or a lost reply) between sending and stamping resends that one
mail on the next run. That is preferable to losing a reminder, and not worth a two-phase outbox.
Runs must not overlap (the digest schedule runs them one at a time), or two runs could mail the
same notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import quote

import aiosmtplib
import sqlalchemy
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, select, update
from sqlmodel import col
from temporalio import activity

from domain.timezone import to_local
from giaoviec.config import Settings
from giaoviec.store.models import Notification, Official
from workflows.contracts import SEND_EMAIL_DIGESTS, DigestResult

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30.0

OTHER = "other"  # any kind not listed below
# Order of the groups in the mail and of the counts in the subject. Labels are what people read.
KIND_LABELS: dict[str, str] = {
    "assigned": "Nhiệm vụ mới được giao",
    "reminder": "Nhắc việc",
    "manual_reminder": "Đôn đốc",
    "overdue": "Quá hạn",
    "manual_overdue": "Đôn đốc nhiệm vụ quá hạn",
    "escalation": "Cảnh báo, báo cáo cấp trên",
    "event": "Cập nhật nhiệm vụ",
    "briefing": "Báo cáo kiểm đếm, giao ban",
    OTHER: "Thông báo khác",
}
KIND_SUBJECT_WORDS: dict[str, str] = {
    "assigned": "nhiệm vụ mới",
    "reminder": "nhắc việc",
    "manual_reminder": "đôn đốc",
    "overdue": "quá hạn",
    "manual_overdue": "đôn đốc quá hạn",
    "escalation": "cảnh báo",
    "event": "cập nhật",
    "briefing": "báo cáo kiểm đếm",
    OTHER: "thông báo khác",
}

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class DigestItem:
    id: int
    kind: str
    title: str
    body: str
    task_id: str | None
    created_at: datetime


@dataclass
class Digest:
    official_id: str
    full_name: str
    email: str
    items: list[DigestItem]


# --- database (sync; always called through asyncio.to_thread) -------------------------------


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


# --- rendering ------------------------------------------------------------------------------


def _grouped(items: list[DigestItem]) -> list[tuple[str, list[DigestItem]]]:
    """Items by kind in KIND_LABELS order; unknown kinds share one trailing "other" group."""
    groups: dict[str, list[DigestItem]] = {kind: [] for kind in KIND_LABELS}
    for item in items:
        groups[item.kind if item.kind in KIND_LABELS else OTHER].append(item)
    return [(kind, group) for kind, group in groups.items() if group]


def digest_subject(items: list[DigestItem]) -> str:
    parts = [f"{len(group)} {KIND_SUBJECT_WORDS[kind]}" for kind, group in _grouped(items)]
    return f"[Giao việc] {len(items)} thông báo mới: {', '.join(parts)}"


def _template_context(digest: Digest, public_url: str) -> dict[str, object]:
    base = public_url.rstrip("/")
    groups = [
        (
            KIND_LABELS[kind],
            [
                {
                    "title": i.title,
                    "body": i.body,
                    "link": f"{base}/tasks/{quote(i.task_id, safe='')}" if i.task_id else None,
                    "created_at": to_local(i.created_at).strftime("%H:%M %d/%m/%Y"),
                }
                for i in group
            ],
        )
        for kind, group in _grouped(digest.items)
    ]
    return {
        "full_name": digest.full_name,
        "count": len(digest.items),
        "groups": groups,
        "public_url": base,
    }


def _sender_domain(sender: str) -> str:
    _, at, domain = parseaddr(sender)[1].rpartition("@")
    return domain if at and domain else "giaoviec.localhost"


def build_message(digest: Digest, settings: Settings, now: datetime) -> EmailMessage:
    context = _template_context(digest, settings.public_url)
    msg = EmailMessage()
    msg["Subject"] = digest_subject(digest.items)
    msg["From"] = settings.smtp_sender
    msg["To"] = Address(display_name=digest.full_name, addr_spec=digest.email)
    msg["Date"] = format_datetime(now)
    # An explicit domain: without one make_msgid does a (blocking) FQDN lookup.
    msg["Message-ID"] = make_msgid(domain=_sender_domain(settings.smtp_sender))
    # RFC 3834: keeps out-of-office robots from answering the digest.
    msg["Auto-Submitted"] = "auto-generated"
    # Quoted-printable survives relays without 8BITMIME and keeps ASCII parts readable.
    msg.set_content(
        _templates.get_template("digest.txt").render(context),
        charset="utf-8",
        cte="quoted-printable",
    )
    msg.add_alternative(
        _templates.get_template("digest.html").render(context),
        subtype="html",
        charset="utf-8",
        cte="quoted-printable",
    )
    return msg


# --- sending --------------------------------------------------------------------------------


async def send_digests(
    engine: sqlalchemy.Engine,
    settings: Settings,
    *,
    now: datetime | None = None,
    limit_recipients: int = 500,
) -> DigestResult:
    """Mail each person (at most `limit_recipients`) one digest of their unmailed notifications."""
    if not settings.smtp_host:
        return DigestResult(disabled=True)
    now = now or datetime.now(UTC)
    result = DigestResult()
    digests = await asyncio.to_thread(load_pending_digests, engine, limit_recipients)
    if not digests:
        return result

    # One connection for the whole run; reopened after a failure, since its state is unknown.
    smtp = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        start_tls=settings.smtp_starttls,
        timeout=SMTP_TIMEOUT_SECONDS,
    )
    try:
        for n, digest in enumerate(digests):
            try:
                message = build_message(digest, settings, now)
            except (ValueError, MessageError) as exc:
                # An address the mail library cannot parse: only this person is affected.
                log.warning("digest to official %s not built: %s", digest.official_id, exc)
                result.failed_recipients.append(digest.official_id)
                continue
            if not smtp.is_connected:
                try:
                    await smtp.connect()
                except (aiosmtplib.SMTPException, OSError) as exc:
                    # Server unreachable or login refused: everyone left would fail the same way
                    # (each after a timeout), so stop here; all of it goes in the next run.
                    log.warning(
                        "SMTP %s:%s unavailable: %s", settings.smtp_host, settings.smtp_port, exc
                    )
                    result.failed_recipients.extend(d.official_id for d in digests[n:])
                    break
            try:
                await smtp.send_message(message)
            except (aiosmtplib.SMTPException, OSError) as exc:
                log.warning("digest to official %s failed: %s", digest.official_id, exc)
                result.failed_recipients.append(digest.official_id)
                smtp.close()
                continue
            ids = [i.id for i in digest.items]
            result.notifications_mailed += await asyncio.to_thread(mark_mailed, engine, ids, now)
            result.recipients_mailed += 1
    finally:
        if smtp.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await smtp.quit()
            smtp.close()
    return result


class MailActivities:
    """The digest activity, bound to the worker's own database and settings."""

    def __init__(self, engine: sqlalchemy.Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    @activity.defn(name=SEND_EMAIL_DIGESTS.name)
    async def send_email_digests(self) -> DigestResult:
        result = await send_digests(self.engine, self.settings)
        if not result.disabled:
            activity.logger.info(
                "digests: %d mailed (%d notifications), %d failed",
                result.recipients_mailed,
                result.notifications_mailed,
                len(result.failed_recipients),
            )
        return result
