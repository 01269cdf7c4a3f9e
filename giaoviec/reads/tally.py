"""Reads around kiểm đếm: a unit's tally for a period (the stored snapshot when there is one,
else computed now), officials' score proposals, briefings, and who may read each (the rules
are `domain.org`'s)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from domain.calendar import WorkingCalendar
from domain.errors import forbidden, not_found
from domain.org import can_read_briefing, can_read_figures, can_read_scores
from domain.periods import Period, parse_period, week_just_ended
from domain.scores import Score, score_officials
from domain.tally import Figures, UnitNode, UnitTally, tally_instant, tally_tree
from giaoviec.reads.facts import load_facts, load_units
from giaoviec.reads.org import Viewer, get_unit
from giaoviec.store.models import Briefing, TallySnapshot, Unit

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


def root_of(session: Session, unit: Unit) -> Unit:
    return get_unit(session, unit.path_ids[0])


def latest_snapshots(session: Session, period: str) -> dict[str, TallySnapshot]:
    rows = session.exec(select(TallySnapshot).where(TallySnapshot.period == period)).all()
    best: dict[str, TallySnapshot] = {}
    for row in rows:
        if row.unit_id not in best or row.revision > best[row.unit_id].revision:
            best[row.unit_id] = row
    return best


def check_can_read_briefing(viewer: Viewer, unit: Unit) -> None:
    if not can_read_briefing(viewer.actor, unit.path_ids):
        raise forbidden("Báo cáo giao ban dành cho lãnh đạo và Văn phòng của đơn vị.")


def tally_for(session: Session, viewer: Viewer, unit_id: str, period: Period, now: datetime,
              calendar: WorkingCalendar) -> TallyView:
    unit = get_unit(session, unit_id)
    if not can_read_figures(viewer.actor, unit.path_ids):
        raise forbidden("Đồng chí không có quyền xem số liệu của đơn vị này.")
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


def _from_snapshots(unit_id: str, units: list[UnitNode],
                    stored: dict[str, TallySnapshot]) -> UnitTally:
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
    unit = get_unit(session, unit_id)
    if not can_read_scores(viewer.actor, unit.path_ids):
        raise forbidden("Đồng chí không có quyền xem điểm đề xuất của đơn vị này.")
    facts = load_facts(session, unit.path)
    return score_officials(facts, period, tally_instant(period, now), calendar)


def briefing_for(session: Session, viewer: Viewer, period: Period) -> Briefing | None:
    """The newest revision of the briefing of the viewer's province for the period."""
    root = root_of(session, get_unit(session, viewer.actor.unit_id))
    check_can_read_briefing(viewer, root)
    return session.exec(select(Briefing).where(
        Briefing.period == period.key, Briefing.root_unit_id == root.id)
        .order_by(col(Briefing.revision).desc())).first()


def briefing_unit_for_generating(session: Session, viewer: Viewer) -> Unit:
    root = root_of(session, get_unit(session, viewer.actor.unit_id))
    check_can_read_briefing(viewer, root)
    return root


def briefing_file(session: Session, viewer: Viewer, briefing_id: int) -> Briefing:
    briefing = session.get(Briefing, briefing_id)
    if briefing is None:
        raise not_found("Không tìm thấy báo cáo.")
    check_can_read_briefing(viewer, get_unit(session, briefing.root_unit_id))
    return briefing
