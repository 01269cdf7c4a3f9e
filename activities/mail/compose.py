"""Composing the e-mail digest: the groups, the subject, the text and HTML parts. Pure of I/O;
`activities.mail.send` loads what is waiting and delivers it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.timezone import to_local
from giaoviec.config import Settings

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
    "plan_entered": "Kế hoạch được nhập thay",
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
    "plan_entered": "kế hoạch nhập thay",
    OTHER: "thông báo khác",
}

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parents[1] / "templates"),
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

