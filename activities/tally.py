"""The weekly kiểm đếm against the read model: count every unit's tasks as of the period's end
(giaoviec.reads.counts, the one function that counts), keep each unit's snapshot (a changed
rerun is a new revision — a correction — never a silent replace), and draw up a briefing for
every unit that holds giao ban (each People's Committee and department) over its own
subtree, numbered in its own yearly register and sent to its own leaders and office.

A briefing's content is kept as data.json when it is made; its files (HTML, DOCX, XLSX, PDF)
are rendered on first request, so a national run does not print thousands of documents
nobody opens.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity

from activities.briefing import BriefingData
from activities.briefing.data import KIND_CODE
from activities.briefing.store import dump
from activities.briefing.text import day
from domain.calendar import WorkingCalendar
from domain.org import briefing_recipients, holds_briefings
from domain.periods import Period, parse_period
from domain.tally import UnitNode, UnitTally, roll_up, tally_instant, walk
from giaoviec.config import Settings
from giaoviec.reads.calendar import current_calendar
from giaoviec.reads.counts import Clock, own_figures, own_lists
from giaoviec.reads.org import get_unit, tracking_unit_of
from giaoviec.reads.tally import latest_briefing, latest_snapshots, previous_figures
from giaoviec.store.db import session_scope
from giaoviec.store.models import (
    Briefing,
    DocumentCounter,
    Notification,
    Official,
    TallySnapshot,
    Task,
    Unit,
)
from workflows.contracts import TALLY_AND_BRIEF, TallyOutcome, TallyRequest

# --- counting ---------------------------------------------------------------------------------


def compute(session: Session, period: Period, at: datetime, calendar: WorkingCalendar,
            scope: Unit | None = None) -> tuple[list[UnitTally], dict[str, Unit]]:
    """Every unit's tally (or those of one unit's subtree) as of `at`, rolled up the tree."""
    stmt = select(Unit)
    conds = []
    if scope is not None:
        stmt = stmt.where(col(Unit.path).startswith(scope.path, autoescape=True))
        conds.append(col(Task.lead_unit_path).startswith(scope.path, autoescape=True))
    units = {u.id: u for u in session.exec(stmt).all()}
    nodes = [UnitNode(u.id, u.name, u.parent_id if u.parent_id in units else None,
                      u.sort_order) for u in units.values()]
    clock = Clock.at(at, calendar)
    roots = roll_up(nodes, own_figures(session, conds, clock, period),
                    own_lists(session, conds, clock))
    return roots, units


def _payload(t: UnitTally) -> dict[str, str]:
    lists = asdict(t.lists)
    return {
        "own": json.dumps(asdict(t.own), sort_keys=True),
        "rolled": json.dumps(asdict(t.rolled), sort_keys=True),
        "flagged_ids": json.dumps(lists["flagged"]),
        "pending_ids": json.dumps(lists["pending_extensions"]),
        "lists": json.dumps(lists, sort_keys=True),
    }


def store(session: Session, period: Period, roots: list[UnitTally], at: datetime,
          now: datetime) -> int:
    """A new snapshot revision for every unit whose figures changed; returns how many."""
    previous = latest_snapshots(session, period.key)
    written = 0
    for root in roots:
        for node in walk(root):
            payload = _payload(node)
            before = previous.get(node.unit.id)
            if before is not None and all(getattr(before, k) == v for k, v in payload.items()):
                continue
            revision = before.revision + 1 if before else 1
            session.add(TallySnapshot(period=period.key, unit_id=node.unit.id,
                                      revision=revision, as_of=at, computed_at=now, **payload))
            written += 1
    return written


# --- briefings ----------------------------------------------------------------------------------


def content_hash(node: UnitTally) -> str:
    """What a briefing shows: its unit's figures and lists, and its children's figures."""
    shown = {"own": asdict(node.own), "rolled": asdict(node.rolled),
             "lists": asdict(node.lists),
             "children": [[c.unit.id, asdict(c.rolled)] for c in node.children]}
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()


def next_number(session: Session, unit_id: str, year: int, kind: str = KIND_CODE) -> int:
    """The next number in the issuing unit's register for the year. The counter's row is
    locked until the transaction ends (PostgreSQL; SQLite writes one at a time), so two
    issues never take the same number; a unique constraint on the numbers holds it too."""
    counter = session.exec(select(DocumentCounter).where(
        DocumentCounter.unit_id == unit_id, DocumentCounter.year == year,
        DocumentCounter.kind == kind).with_for_update()).first()
    if counter is None:
        counter = DocumentCounter(unit_id=unit_id, year=year, kind=kind, last=0)
    counter.last += 1
    session.add(counter)
    session.flush()
    return counter.last


@dataclass
class Readers:
    """Everyone a briefing may go to, loaded once for the whole run."""

    by_unit: dict[str, list[tuple[str, list[str]]]]
    offices: dict[str, list[str]]  # unit id → its office units

    @classmethod
    def load(cls, session: Session, units: dict[str, Unit]) -> Readers:
        by_unit: dict[str, list[tuple[str, list[str]]]] = {}
        for o in session.exec(select(Official).where(col(Official.active).is_(True))).all():
            by_unit.setdefault(o.unit_id, []).append((o.id, o.role_list))
        offices: dict[str, list[str]] = {}
        for u in units.values():
            if u.kind == "office" and u.parent_id:
                offices.setdefault(u.parent_id, []).append(u.id)
        return cls(by_unit, offices)

    def members(self, unit_id: str) -> list[str]:
        return sorted(member_id for member_id, _ in self.by_unit.get(unit_id, []))

    def of(self, unit_id: str) -> list[str]:
        office = [m for o in self.offices.get(unit_id, []) for m in self.by_unit.get(o, [])]
        return briefing_recipients(self.by_unit.get(unit_id, []), office)


def write_briefing(session: Session, settings: Settings, calendar: WorkingCalendar,
                   period: Period, node: UnitTally, at: datetime, now: datetime,
                   digest: str, existing: Briefing | None, preparers: list[str]) -> Briefing:
    """Make or refresh the period's draft: a draft is refreshed in place (still no number);
    after an issued one, a new draft that corrects it. The preparers (the tracking unit) are
    told it awaits signing; nobody else sees a number until it is issued."""
    unit = get_unit(session, node.unit.id)
    previous = {uid: asdict(f) for uid, f in previous_figures(session, period).items()}
    if existing is not None and existing.is_draft:
        briefing, corrects = existing, session.get(Briefing, existing.corrects_id or 0)
    else:
        corrects = existing
        briefing = Briefing(period=period.key, root_unit_id=unit.id,
                            revision=existing.revision + 1 if existing else 1,
                            corrects_id=existing.id if existing else None,
                            as_of=at, generated_at=now, number="", directory="")
    named = (f"{corrects.number} ngày {day(corrects.issued_at)}"
             if corrects is not None and corrects.issued_at else "")
    data = BriefingData.build(session, period, node, at, now, briefing.revision, calendar,
                              previous, corrects=named)
    # Each refresh in a directory of its own: files rendered from an older draft never linger.
    directory = Path("briefings") / period.key / unit.id / f"r{briefing.revision}" / digest[:16]
    dump(data, settings.data_dir / directory)
    briefing.as_of, briefing.generated_at, briefing.content_hash = at, now, digest
    briefing.directory, briefing.issuer_unit_id = str(directory), data.issuer_unit_id
    session.add(briefing)
    session.flush()
    link = f"{settings.public_url.rstrip('/')}/briefings/{briefing.public_id}/html"
    correction = " (bản điều chỉnh)" if named else ""
    for reader in preparers:
        session.add(Notification(
            recipient_id=reader, kind="briefing",
            title=f"Dự thảo báo cáo kiểm đếm nhiệm vụ {period.label}{correction}"[:500],
            body=(f"{unit.name}: {data.summary_line} Dự thảo chờ trình ký, ban hành: {link} "
                  "(kèm bản DOCX, XLSX, PDF)."),
            dedup_key=f"briefing-draft:{period.key}:{unit.id}:{briefing.id}:{digest[:16]}",
            created_at=now,
        ))
    return briefing


# Briefings written between two commits and heartbeats: a worker that dies loses at most these.
BATCH = 100


@dataclass
class TallyProgress:
    """How far a run has got, as it heartbeats: the units whose briefing is settled (written,
    or found unchanged) and what they gave. A retry resumes after them."""

    period: str
    done: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    corrections: int = 0

    @classmethod
    def from_details(cls, details: Sequence[Any], period: str) -> TallyProgress:
        """The last heartbeat of an earlier attempt at the same period, or a fresh start."""
        last = details[-1] if details else None
        if not isinstance(last, dict) or last.get("period") != period:
            return cls(period)
        return cls(period, list(last["done"]), list(last["ids"]), int(last["corrections"]))


def run_tally(engine: Engine, settings: Settings, calendar: WorkingCalendar,
              request: TallyRequest, now: datetime, *,
              resume: Sequence[Any] = (),
              beat: Callable[[TallyProgress], None] = lambda _: None) -> TallyOutcome:
    """Count, keep the snapshots, and make or refresh each draft whose content changed (an
    issued briefing is never touched: a change after issue is a new draft correcting it).
    Commits the snapshots, then every BATCH briefings, telling `beat` how far it got;
    `resume` (an earlier attempt's heartbeats) skips the units it had settled."""
    period = parse_period(request.period or "")
    at = tally_instant(period, now)
    progress = TallyProgress.from_details(resume, period.key)
    settled = set(progress.done)
    with session_scope(engine) as session:
        scope = get_unit(session, request.unit_id) if request.unit_id else None
        roots, units = compute(session, period, at, calendar, scope)
        store(session, period, roots, at, now)
        readers = Readers.load(session, units)
        session.commit()
        beat(progress)
        for root in roots:
            for node in walk(root):
                if not holds_briefings(units[node.unit.id].kind) or node.unit.id in settled:
                    continue
                digest = content_hash(node)
                existing = latest_briefing(session, units[node.unit.id], period)
                if existing is not None and existing.content_hash == digest:
                    progress.ids.append(existing.id or 0)  # unchanged, or a retried activity
                else:
                    preparer = tracking_unit_of(session, units[node.unit.id])
                    # The tracking unit prepares it; a body tracking itself: its leaders,
                    # office.
                    told = readers.of(node.unit.id) if preparer.id == node.unit.id else (
                        readers.members(preparer.id))
                    briefing = write_briefing(session, settings, calendar, period, node, at,
                                              now, digest, existing, told)
                    progress.ids.append(briefing.id or 0)
                    progress.corrections += existing is not None and existing is not briefing
                progress.done.append(node.unit.id)
                if len(progress.done) % BATCH == 0:
                    session.commit()
                    beat(progress)
        session.commit()
    beat(progress)
    return TallyOutcome(period.key, progress.ids, progress.corrections)


class TallyActivities:
    def __init__(self, engine: Engine, settings: Settings,
                 calendar: WorkingCalendar | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.calendar = calendar  # None: the calendar as it stands at each run

    @activity.defn(name=TALLY_AND_BRIEF.name)
    def tally_and_brief(self, request: TallyRequest) -> TallyOutcome:
        calendar = self.calendar
        if calendar is None:
            with Session(self.engine) as session:
                calendar, _ = current_calendar(self.settings, session)
        # Figures as of the workflow's clock: the same instant whichever worker runs this.
        now = request.now or datetime.now(UTC)
        return run_tally(self.engine, self.settings, calendar, request, now,
                         resume=activity.info().heartbeat_details,
                         beat=lambda p: activity.heartbeat(asdict(p)))
