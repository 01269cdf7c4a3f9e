"""Kiểm đếm against the read model: load the facts, compute (domain.tally), store snapshots
once per period (a changed rerun is a new revision: a correction, never a silent replace),
render the briefing files and notify the chairman and the office."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from activities.briefing import BriefingData, render_all
from domain.calendar import WorkingCalendar
from domain.org import briefing_recipients
from domain.periods import Period, parse_period
from domain.tally import UnitTally, tally_instant, tally_tree, walk
from giaoviec.config import Settings
from giaoviec.reads.facts import load_facts, load_units
from giaoviec.reads.org import members, office_members
from giaoviec.reads.tally import latest_snapshots
from giaoviec.store.db import session_scope
from giaoviec.store.models import Briefing, Notification, TallySnapshot, Unit
from workflows.contracts import TALLY_AND_BRIEF, TallyOutcome, TallyRequest


def compute(session: Session, period: Period, now: datetime,
            calendar: WorkingCalendar) -> tuple[list[UnitTally], datetime]:
    at = tally_instant(period, now)
    return tally_tree(load_units(session), load_facts(session), period, at, calendar), at


def _row_payload(t: UnitTally) -> dict[str, str]:
    return {
        "own": json.dumps(asdict(t.own), sort_keys=True),
        "rolled": json.dumps(asdict(t.rolled), sort_keys=True),
        "flagged_ids": json.dumps(sorted(t.flagged_ids)),
        "pending_ids": json.dumps(sorted(t.pending_extension_ids)),
    }


@dataclass
class StoreResult:
    revision: int
    changed: bool


def store(session: Session, period: Period, roots: list[UnitTally], at: datetime,
          now: datetime) -> dict[str, StoreResult]:
    """Per root: write a new revision of every unit's snapshot only if anything differs."""
    previous = latest_snapshots(session, period.key)
    results: dict[str, StoreResult] = {}
    for root in roots:
        units = list(walk(root))
        same = all(
            u.unit.id in previous and all(
                getattr(previous[u.unit.id], k) == v for k, v in _row_payload(u).items())
            for u in units
        )
        current = max((previous[u.unit.id].revision for u in units if u.unit.id in previous),
                       default=0)
        if same and current:
            results[root.unit.id] = StoreResult(current, False)
            continue
        revision = current + 1
        for u in units:
            session.add(TallySnapshot(period=period.key, unit_id=u.unit.id, revision=revision,
                                      as_of=at, computed_at=now, **_row_payload(u)))
        results[root.unit.id] = StoreResult(revision, True)
    return results


def briefing_readers(session: Session, unit: Unit) -> list[str]:
    """Who receives a unit's briefing (domain.org.briefing_recipients)."""
    return briefing_recipients(members(session, unit.id), office_members(session, unit.id))


class TallyActivities:
    def __init__(self, engine: Engine, settings: Settings, calendar: WorkingCalendar) -> None:
        self.engine = engine
        self.settings = settings
        self.calendar = calendar

    @activity.defn(name=TALLY_AND_BRIEF.name)
    def tally_and_brief(self, request: TallyRequest) -> TallyOutcome:
        return run_tally(self.engine, self.settings, self.calendar, request,
                         datetime.now(UTC))


def run_tally(engine: Engine, settings: Settings, calendar: WorkingCalendar,
              request: TallyRequest, now: datetime) -> TallyOutcome:
    period = parse_period(request.period)
    with session_scope(engine) as session:
        roots, at = compute(session, period, now, calendar)
        stored = store(session, period, roots, at, now)
        ids: list[int] = []
        corrections = 0
        for root in roots:
            result = stored[root.unit.id]
            existing = session.exec(select(Briefing).where(
                Briefing.period == period.key, Briefing.root_unit_id == root.unit.id,
                Briefing.revision == result.revision)).first()
            if existing is not None:  # unchanged, or a retried activity: nothing new
                ids.append(existing.id or 0)
                continue
            briefing = _write_briefing(session, settings, calendar, period, root, at, now,
                                       result.revision)
            ids.append(briefing.id or 0)
            corrections += result.revision > 1
        session.commit()
    return TallyOutcome(period.key, ids, corrections)


def _write_briefing(session: Session, settings: Settings, calendar: WorkingCalendar,
                    period: Period, root: UnitTally, at: datetime, now: datetime,
                    revision: int) -> Briefing:
    unit = session.get(Unit, root.unit.id)
    assert unit is not None
    directory = Path("briefings") / period.key / unit.id / f"r{revision}"
    previous = {uid: json.loads(row.rolled)
                for uid, row in latest_snapshots(session, period.previous().key).items()}
    data = BriefingData.build(session, period, root, at, now, revision, calendar, previous)
    render_all(data, settings.data_dir / directory)
    briefing = Briefing(period=period.key, root_unit_id=unit.id, revision=revision, as_of=at,
                        generated_at=now, number=data.number, directory=str(directory))
    session.add(briefing)
    session.flush()
    correction = " (bản điều chỉnh)" if revision > 1 else ""
    link = f"{settings.public_url.rstrip('/')}/briefings/{briefing.id}/html"
    for reader in briefing_readers(session, unit):
        session.add(Notification(
            recipient_id=reader, kind="briefing",
            title=f"Báo cáo kiểm đếm nhiệm vụ {period.label}{correction}",
            body=(f"{data.summary_line} Xem báo cáo: {link} (kèm bản DOCX, XLSX)."),
            dedup_key=f"briefing:{period.key}:{unit.id}:{revision}", created_at=now,
        ))
    return briefing
