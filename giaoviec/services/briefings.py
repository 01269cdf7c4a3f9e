"""Drafting and issuing briefings. A draft is made or refreshed through the very workflow the
weekly Schedule starts (no number is spent); issuing gives it the next number of its issuing
unit's yearly register, once, and freezes what it says."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio.client import Client

from activities.briefing import BriefingData, nd30
from activities.briefing.store import dump, load
from activities.briefing.text import clean
from activities.tally import Readers, next_number
from domain.errors import conflict, forbidden
from domain.org import can_issue_briefing, signs_as_deputy
from domain.periods import Period, parse_period
from domain.timezone import to_local
from giaoviec.config import Settings
from giaoviec.reads.org import Viewer, get_unit, tracking_unit_of
from giaoviec.reads.tally import briefing_file, latest_briefing
from giaoviec.store.db import session_scope
from giaoviec.store.models import Briefing, Notification, Official, Unit
from workflows.contracts import TallyOutcome, TallyRequest
from workflows.tally import BriefingWorkflow


async def generate(client: Client, task_queue: str, period: Period,
                   unit_id: str | None = None) -> TallyOutcome:
    """Make or refresh the drafts for `period` now (for one unit's subtree, or every unit)."""
    return await client.execute_workflow(
        BriefingWorkflow.run, TallyRequest(period.key, unit_id=unit_id),
        id=f"tally-{period.key}-{unit_id or 'all'}-{uuid.uuid4().hex[:8]}",
        task_queue=task_queue,
    )


RETRIES = 5


def issue(engine: Engine, settings: Settings, viewer: Viewer, public_id: str,
          now: datetime) -> Briefing:
    """`issue_once`, again when another issue took the register's number at the same moment
    (the unique constraints refuse the second): the next try takes the next number."""
    for _ in range(RETRIES - 1):
        try:
            return issue_once(engine, settings, viewer, public_id, now)
        except IntegrityError:
            continue
    try:
        return issue_once(engine, settings, viewer, public_id, now)
    except IntegrityError as err:
        raise conflict("Số văn bản vừa được dùng; thử ban hành lại.") from err


def issue_once(engine: Engine, settings: Settings, viewer: Viewer, public_id: str,
               now: datetime) -> Briefing:
    """Issue a draft: by whoever may sign it for its issuing unit, or the head of the unit
    that tracks and prepared it. It takes the next number of the issuing unit's register for
    the year and today's date; its figures stay as drafted. Issued once: a second issue, or an
    issue of a draft a newer one has replaced, is a CONFLICT."""
    with session_scope(engine) as session:
        row = briefing_file(session, viewer, public_id)  # may he read it at all
        body = get_unit(session, row.root_unit_id)
        issuer = get_unit(session, row.issuer_unit_id or body.id)
        committee = nd30.split_committee(issuer.name) is not None
        if not can_issue_briefing(viewer.actor, issuer.id, committee,
                                  tracking_unit_of(session, body).id):
            raise forbidden("Chỉ người ký (lãnh đạo đơn vị ban hành) hoặc người đứng đầu "
                            "đơn vị theo dõi được ban hành báo cáo.")
        if not row.is_draft:
            raise conflict(f"Báo cáo đã ban hành, số {row.number}.")
        latest = latest_briefing(session, body, _period(row))
        if latest is not None and latest.id != row.id:
            raise conflict("Đã có dự thảo mới hơn của kỳ này; ban hành dự thảo mới nhất.")
        today = to_local(now).date()
        sequence = next_number(session, issuer.id, today.year)
        data = load(settings.data_dir / row.directory)
        kind_code, issuer_code = data.number_suffix.lstrip("/").split("-", 1)
        data.number = nd30.document_number(sequence, kind_code, issuer_code)
        data.draft = False
        data.place_date = nd30.date_line(data.place_date.split(", ngày")[0], today)
        _sign(session, data, viewer.id, issuer, committee=committee)
        directory = Path(row.directory).parent / f"issued-{sequence:02d}"
        dump(data, settings.data_dir / directory)
        done = session.execute(update(Briefing).where(
            col(Briefing.id) == row.id, col(Briefing.issued_at).is_(None)).values(
            number=data.number, directory=str(directory), issued_at=now,
            issued_by_id=viewer.id, register_year=today.year, register_number=sequence))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise conflict("Báo cáo vừa được ban hành.")
        session.refresh(row)
        _tell(session, settings, row, body, data.number, now)
        session.flush()
        session.expunge(row)
        return row


def _period(row: Briefing) -> Period:
    return parse_period(row.period)


def _sign(session: Session, data: BriefingData, official_id: str, issuer: Unit, *,
          committee: bool) -> None:
    """The one who issues signs, when he may sign for the issuing unit (KT. only for a
    deputy); otherwise the drafted signer stays."""
    official = session.get(Official, official_id)
    if official is None or official.unit_id != issuer.id:
        return
    deputy = signs_as_deputy(official.role_list, committee=committee)
    if deputy is None:
        return
    data.signature_lines = nd30.signature_lines(clean(issuer.name), deputy=deputy)
    data.signer_name = clean(official.full_name)


def _tell(session: Session, settings: Settings, row: Briefing, body: Unit, number: str,
          now: datetime) -> None:
    """Everyone the briefing goes to (the body's leaders and office, the tracking unit)."""
    units = {body.id: body}
    units |= {u.id: u for u in session.exec(
        select(Unit).where(Unit.parent_id == body.id)).all()}
    readers = Readers.load(session, units)
    link = f"{settings.public_url.rstrip('/')}/briefings/{row.public_id}/html"
    issuer_staff = readers.members(row.issuer_unit_id or "")
    for reader in sorted(set(readers.of(body.id)) | set(issuer_staff)):
        session.add(Notification(
            recipient_id=reader, kind="briefing",
            title=f"Báo cáo số {number}: kết quả kiểm đếm nhiệm vụ {_period(row).label}"[:500],
            body=f"{body.name}: đã ban hành Báo cáo số {number}. Xem báo cáo: {link}.",
            dedup_key=f"briefing-issued:{row.id}", created_at=now,
        ))
