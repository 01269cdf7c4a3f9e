"""Sending the e-mail digest: one mail per person per run, every notification not yet mailed.

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
from datetime import UTC, datetime
from email.errors import MessageError

import aiosmtplib
import sqlalchemy
from temporalio import activity

from activities.mail.compose import build_message
from activities.mail.pending import load_pending_digests, mark_mailed
from giaoviec.config import Settings
from workflows.contracts import SEND_EMAIL_DIGESTS, DigestResult

log = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 30.0


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
