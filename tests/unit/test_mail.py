"""The e-mail digest against a real local SMTP server (aiosmtpd) and a temp-file SQLite DB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy
from sqlmodel import Session, SQLModel, select
from temporalio.testing import ActivityEnvironment

from activities import mail
from activities.mail import DigestItem, digest_subject, send_digests
from giaoviec.config import Settings
from giaoviec.store.db import make_engine
from giaoviec.store.models import Notification, Official, Task, Unit
from tests.conftest import SmtpServer, free_port

T0 = datetime(2026, 5, 11, 1, 0, tzinfo=UTC)
NOW = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)
PUBLIC_URL = "https://giaoviec.example.gov.vn"

AN = ("an", "Nguyễn Văn An", "an@example.gov.vn")
BINH = ("binh", "Trần Thị Bình", "binh@example.gov.vn")
CUONG = ("cuong", "Lê Văn Cường", None)  # no e-mail address


def settings_for(port: int | None) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        smtp_host="127.0.0.1" if port else None,
        smtp_port=port or 25,
        smtp_sender="Giao việc <giaoviec@example.gov.vn>",
        public_url=PUBLIC_URL + "/",
    )


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sqlalchemy.Engine]:
    engine = mail_engine(tmp_path)
    yield engine
    engine.dispose()


def mail_engine(tmp_path: Path) -> sqlalchemy.Engine:
    """Three officials (one without e-mail) in one unit, and one task."""
    engine = make_engine(f"sqlite:///{tmp_path}/t.db")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        s.add(Unit(id="ubnd", name="UBND tỉnh", kind="province", path="/ubnd/"))
        s.flush()
        for oid, name, email in (AN, BINH, CUONG):
            s.add(Official(id=oid, username=oid, full_name=name, email=email, unit_id="ubnd"))
        s.flush()
        s.add(
            Task(
                id="T1",
                client_key="k1",
                title="Báo cáo sơ kết 6 tháng",
                state="in_progress",
                lead_unit_id="ubnd",
                lead_unit_path="/ubnd/",
                owner_id="an",
                assigner_id="binh",
                deadline=T0 + timedelta(days=20),
                original_deadline=T0 + timedelta(days=20),
                created_at=T0,
                updated_at=T0,
            )
        )
        s.commit()
    return engine


_seq = 0


def notify(
    engine: sqlalchemy.Engine,
    recipient: str,
    kind: str,
    title: str,
    *,
    body: str = "Nội dung thông báo.",
    task_id: str | None = None,
    minutes: int = 0,
) -> int:
    global _seq
    _seq += 1
    with Session(engine, expire_on_commit=False) as s:
        n = Notification(
            recipient_id=recipient,
            task_id=task_id,
            kind=kind,
            title=title,
            body=body,
            dedup_key=f"k{_seq}",
            created_at=T0 + timedelta(minutes=minutes),
        )
        s.add(n)
        s.commit()
        assert n.id is not None
        return n.id


def emailed(engine: sqlalchemy.Engine) -> dict[str, list[datetime | None]]:
    with Session(engine) as s:
        out: dict[str, list[datetime | None]] = {}
        for n in s.exec(select(Notification).order_by(Notification.id)):  # type: ignore[arg-type]
            out.setdefault(n.recipient_id, []).append(n.emailed_at)
        return out


def seed_standard(engine: sqlalchemy.Engine) -> None:
    """3 notifications for An (one with a task link), 1 for Bình, 1 for Cường (no e-mail)."""
    notify(
        engine,
        "an",
        "reminder",
        "Nhắc việc: Báo cáo sơ kết 6 tháng",
        body="Hạn xử lý còn 3 ngày làm việc.\nĐề nghị cập nhật tiến độ.",
        task_id="T1",
    )
    notify(engine, "an", "overdue", "Quá hạn: Kế hoạch chuyển đổi số", minutes=1)
    notify(
        engine, "an", "reminder", "Nhắc việc: Số liệu Q1 & Q2 <gấp>", body="a < b & c", minutes=2
    )
    notify(engine, "binh", "assigned", "Nhiệm vụ mới: Rà soát thủ tục hành chính", minutes=3)
    notify(engine, "cuong", "assigned", "Nhiệm vụ mới: Tổng hợp báo cáo", minutes=4)


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def test_one_digest_per_person_then_nothing(
    engine: sqlalchemy.Engine, smtp_server: SmtpServer
) -> None:
    seed_standard(engine)
    settings = settings_for(smtp_server.port)

    result = await send_digests(engine, settings, now=NOW)

    assert result.disabled is False
    assert result.recipients_mailed == 2
    assert result.notifications_mailed == 4
    assert result.failed_recipients == []
    received = {rcpt[0]: msg for rcpt, msg in smtp_server.handler.received}
    assert len(smtp_server.handler.received) == 2
    assert set(received) == {AN[2], BINH[2]}

    an = received[AN[2]]
    assert an["Subject"] == "[Giao việc] 3 thông báo mới: 2 nhắc việc, 1 quá hạn"
    assert an["To"].addresses[0].display_name == "Nguyễn Văn An"
    assert an["Auto-Submitted"] == "auto-generated"
    assert an.is_multipart() and an.get_content_type() == "multipart/alternative"
    text, html = parts(an)
    assert "Kính gửi đồng chí Nguyễn Văn An" in text
    assert "có 3 thông báo mới" in text
    assert "Nhắc việc (2)" in text and "Quá hạn (1)" in text
    assert text.index("Nhắc việc (2)") < text.index("Quá hạn (1)")
    assert text.count("\n- ") == 3
    assert f"{PUBLIC_URL}/tasks/T1" in text and text.count("/tasks/") == 1
    assert "Số liệu Q1 & Q2 <gấp>" in text
    assert "(lúc 08:00 11/05/2026)" in text  # shown in Vietnam time
    assert "  Đề nghị cập nhật tiến độ." in text  # multi-line body stays indented
    assert "Kính gửi đồng chí <strong>Nguyễn Văn An</strong>" in html
    assert html.count("<li") == 3
    assert f'href="{PUBLIC_URL}/tasks/T1"' in html
    assert "Số liệu Q1 &amp; Q2 &lt;gấp&gt;" in html and "<gấp>" not in html
    assert "a &lt; b &amp; c" in html

    binh = received[BINH[2]]
    assert binh["Subject"] == "[Giao việc] 1 thông báo mới: 1 nhiệm vụ mới"
    text, _ = parts(binh)
    assert "Nhiệm vụ mới được giao (1)" in text and "/tasks/" not in text

    state = emailed(engine)
    assert state["an"] == [NOW, NOW, NOW]
    assert state["binh"] == [NOW]
    assert state["cuong"] == [None]  # no address: stays in-app, never mailed

    # Nothing new: no mail at all (never an empty digest), Cường is not reconsidered.
    again = await send_digests(engine, settings, now=NOW + timedelta(minutes=10))
    assert (again.recipients_mailed, again.notifications_mailed) == (0, 0)
    assert len(smtp_server.handler.received) == 2

    # Something new later: only that one item is mailed.
    notify(engine, "an", "escalation", "Cảnh báo: Kế hoạch chuyển đổi số", minutes=60)
    later = NOW + timedelta(minutes=20)
    third = await send_digests(engine, settings, now=later)
    assert (third.recipients_mailed, third.notifications_mailed) == (1, 1)
    rcpt, msg = smtp_server.handler.received[-1]
    assert rcpt == [AN[2]]
    assert msg["Subject"] == "[Giao việc] 1 thông báo mới: 1 cảnh báo"
    assert "Cảnh báo, báo cáo cấp trên (1)" in parts(msg)[0]
    assert emailed(engine)["an"] == [NOW, NOW, NOW, later]


async def test_server_down_leaves_everything_for_next_run(
    engine: sqlalchemy.Engine, smtp_server: SmtpServer
) -> None:
    seed_standard(engine)

    down = await send_digests(engine, settings_for(free_port()), now=NOW)

    assert down.recipients_mailed == 0 and down.notifications_mailed == 0
    assert sorted(down.failed_recipients) == ["an", "binh"]
    assert emailed(engine) == {"an": [None] * 3, "binh": [None], "cuong": [None]}

    up = await send_digests(engine, settings_for(smtp_server.port), now=NOW)
    assert (up.recipients_mailed, up.notifications_mailed, up.failed_recipients) == (2, 4, [])


async def test_one_refused_recipient_does_not_stop_the_others(
    engine: sqlalchemy.Engine, smtp_server: SmtpServer
) -> None:
    seed_standard(engine)
    smtp_server.handler.reject.add(AN[2])

    result = await send_digests(engine, settings_for(smtp_server.port), now=NOW)

    assert result.failed_recipients == ["an"]
    assert (result.recipients_mailed, result.notifications_mailed) == (1, 1)
    assert [rcpt for rcpt, _ in smtp_server.handler.received] == [[BINH[2]]]
    state = emailed(engine)
    assert state["an"] == [None] * 3 and state["binh"] == [NOW]


async def test_limit_recipients_takes_the_longest_waiting_first(
    engine: sqlalchemy.Engine, smtp_server: SmtpServer
) -> None:
    notify(engine, "binh", "event", "Cập nhật: đã gia hạn", minutes=0)
    notify(engine, "an", "reminder", "Nhắc việc", minutes=5)
    settings = settings_for(smtp_server.port)

    first = await send_digests(engine, settings, now=NOW, limit_recipients=1)
    second = await send_digests(engine, settings, now=NOW, limit_recipients=1)

    assert first.recipients_mailed == second.recipients_mailed == 1
    assert [rcpt for rcpt, _ in smtp_server.handler.received] == [[BINH[2]], [AN[2]]]


async def test_disabled_without_smtp_host(engine: sqlalchemy.Engine) -> None:
    seed_standard(engine)

    result = await send_digests(engine, settings_for(None), now=NOW)

    assert result.disabled is True
    assert (result.recipients_mailed, result.notifications_mailed) == (0, 0)
    assert all(at is None for ats in emailed(engine).values() for at in ats)


def test_subject_merges_unknown_kinds_into_other() -> None:
    items = [
        DigestItem(id=i, kind=k, title="t", body="b", task_id=None, created_at=NOW)
        for i, k in enumerate(["overdue", "weird", "assigned", "strange", "overdue"])
    ]
    assert digest_subject(items) == (
        "[Giao việc] 5 thông báo mới: 1 nhiệm vụ mới, 2 quá hạn, 2 thông báo khác"
    )


async def test_activity_uses_the_workers_engine_and_settings(
    engine: sqlalchemy.Engine, smtp_server: SmtpServer
) -> None:
    seed_standard(engine)
    activities = mail.MailActivities(engine, settings_for(smtp_server.port))

    result = await ActivityEnvironment().run(activities.send_email_digests)

    assert (result.recipients_mailed, result.notifications_mailed) == (2, 4)
