"""Reads and commands around kiểm đếm for the API: a unit's tally for a period (stored snapshot
when there is one, else computed now), score proposals, briefings and who may read them, and
generating a briefing through the same TallyWorkflow the weekly Schedule starts."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select
from temporalio.client import Client

from activities.facts import load_facts, load_units
from activities.tally import briefing_readers, latest_snapshots
from domain.calendar import WorkingCalendar
from domain.errors import forbidden, not_found
from domain.org import can_see_unit
from domain.periods import Period, parse_period, week_just_ended
from domain.scores import Score, score_officials
from domain.tally import Figures, UnitNode, UnitTally, tally_instant, tally_tree
from giaoviec.reads.tasks import Viewer
from giaoviec.store.models import Briefing, Unit
from workflows.contracts import TallyOutcome
from workflows.tally import TallyWorkflow

BRIEFING_FILES = ("html", "docx", "xlsx")


@dataclass
class TallyView:
    period: Period
    tally: UnitTally
    as_of: datetime
    revision: int | None  # None: computed now, not stored
    previous: dict[str, Figures]  # the previous period's stored figures, by unit


def resolve_period(value: str | None, now: datetime) -> Period:
    """A given period, or the week this week's giao ban reads: the one just ended."""
    return parse_period(value) if value else week_just_ended(now)


def _unit(session: Session, unit_id: str) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise not_found("Không tìm thấy đơn vị.")
    return unit


def root_of(session: Session, unit: Unit) -> Unit:
    root_id = next(p for p in unit.path.split("/") if p)
    return _unit(session, root_id)


def may_read_briefings(session: Session, viewer: Viewer, root: Unit) -> bool:
    return viewer.id in briefing_readers(session, root)


def check_can_read_tally(session: Session, viewer: Viewer, unit: Unit, *,
                         leaders_only: bool = False) -> None:
    """A unit's figures are for those whose jurisdiction holds it, and for the chairman and
    office of its province; scores only for leaders among them."""
    path = tuple(p for p in unit.path.split("/") if p)
    sees = can_see_unit(viewer.actor, path) and (viewer.actor.is_leader or not leaders_only)
    if not sees and not may_read_briefings(session, viewer, root_of(session, unit)):
        raise forbidden("Đồng chí không có quyền xem số liệu của đơn vị này.")


def tally_for(session: Session, viewer: Viewer, unit_id: str, period: Period, now: datetime,
              calendar: WorkingCalendar) -> TallyView:
    unit = _unit(session, unit_id)
    check_can_read_tally(session, viewer, unit)
    stored = latest_snapshots(session, period.key)
    previous = {uid: Figures(**json.loads(row.rolled))
                for uid, row in latest_snapshots(session, period.previous().key).items()}
    units = load_units(session, unit.path)
    if unit.id in stored:
        return TallyView(period, _from_snapshots(unit.id, units, stored),
                         stored[unit.id].as_of, stored[unit.id].revision, previous)
    at = tally_instant(period, now)
    roots = tally_tree(units, load_facts(session, unit.path), period, at, calendar)
    return TallyView(period, next(r for r in roots if r.unit.id == unit.id), at, None, previous)


def _from_snapshots(unit_id: str, units: list[UnitNode], stored: dict) -> UnitTally:  # type: ignore[type-arg]
    nodes = {u.id: u for u in units}

    def build(uid: str) -> UnitTally:
        snap = stored.get(uid)
        t = UnitTally(nodes[uid])
        if snap is not None:
            t.own, t.rolled = Figures(**json.loads(snap.own)), Figures(**json.loads(snap.rolled))
            t.flagged_ids = json.loads(snap.flagged_ids)
            t.pending_extension_ids = json.loads(snap.pending_ids)
        kids = sorted((u for u in units if u.parent_id == uid), key=lambda u: (u.sort_order,
                                                                              u.name))
        t.children = [build(k.id) for k in kids]
        return t

    return build(unit_id)


def scores_for(session: Session, viewer: Viewer, unit_id: str, period: Period, now: datetime,
               calendar: WorkingCalendar) -> list[Score]:
    unit = _unit(session, unit_id)
    check_can_read_tally(session, viewer, unit, leaders_only=True)
    facts = load_facts(session, unit.path)
    return score_officials(facts, period, tally_instant(period, now), calendar)


def briefing_for(session: Session, viewer: Viewer, period: Period) -> Briefing | None:
    """The newest revision of the briefing of the viewer's province for the period."""
    root = root_of(session, _unit(session, viewer.actor.unit_id))
    if not may_read_briefings(session, viewer, root):
        raise forbidden("Báo cáo giao ban dành cho lãnh đạo UBND và Văn phòng.")
    return session.exec(select(Briefing).where(
        Briefing.period == period.key, Briefing.root_unit_id == root.id)
        .order_by(col(Briefing.revision).desc())).first()


def check_can_generate(session: Session, viewer: Viewer) -> Unit:
    root = root_of(session, _unit(session, viewer.actor.unit_id))
    if not may_read_briefings(session, viewer, root):
        raise forbidden("Chỉ lãnh đạo UBND hoặc Văn phòng được lập báo cáo kiểm đếm.")
    return root


def briefing_file(session: Session, viewer: Viewer, briefing_id: int) -> Briefing:
    briefing = session.get(Briefing, briefing_id)
    if briefing is None:
        raise not_found("Không tìm thấy báo cáo.")
    if not may_read_briefings(session, viewer, _unit(session, briefing.root_unit_id)):
        raise forbidden("Báo cáo giao ban dành cho lãnh đạo UBND và Văn phòng.")
    return briefing


async def generate(client: Client, task_queue: str, period: Period) -> TallyOutcome:
    """Run the tally now, through the very workflow the Schedule starts, and wait for it."""
    return await client.execute_workflow(
        TallyWorkflow.run, period.key, id=f"tally-{period.key}-{uuid.uuid4().hex[:8]}",
        task_queue=task_queue, result_type=TallyOutcome,
    )
