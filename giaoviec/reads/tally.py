"""Reads around kiểm đếm: a unit's tally for a period, officials' score proposals, briefings,
and who may read each (the rules are `domain.org`'s).

A period's figures are as of its end, or as of now while it runs. A stored snapshot answers
only when it was taken at that instant (the weekly run, after the week has ended); a snapshot
taken while its period ran (the half-year report on 1 June) never stands for the whole
period: the figures are counted afresh, by the same function that counts everything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from domain.calendar import WorkingCalendar
from domain.errors import forbidden, not_found
from domain.org import (
    can_read_briefing,
    can_read_figures,
    can_read_scores,
    holds_briefings,
    jurisdiction,
)
from domain.periods import Period, parse_period, week_just_ended
from domain.scores import Score, score_officials
from domain.tally import Figures, TaskLists, UnitNode, UnitTally, tally_instant
from giaoviec.reads.counts import Clock, subtree_tally
from giaoviec.reads.facts import load_facts, load_units
from giaoviec.reads.org import Viewer, get_unit
from giaoviec.store.models import Briefing, TallySnapshot, Unit
from giaoviec.store.public_ids import is_public_id_shaped


@dataclass
class TallyView:
    period: Period
    tally: UnitTally
    as_of: datetime
    revision: int | None  # None: counted now, not stored
    previous: dict[str, Figures]  # the previous period's stored figures, by unit


def resolve_period(value: str | None, now: datetime) -> Period:
    """A given period, or the week this week's giao ban reads: the one just ended."""
    return parse_period(value) if value else week_just_ended(now)


def latest_snapshots(session: Session, period: str,
                     unit_ids: list[str] | None = None) -> dict[str, TallySnapshot]:
    stmt = select(TallySnapshot).where(TallySnapshot.period == period)
    if unit_ids is not None:
        stmt = stmt.where(col(TallySnapshot.unit_id).in_(unit_ids))
    best: dict[str, TallySnapshot] = {}
    for row in session.exec(stmt).all():
        if row.unit_id not in best or row.revision > best[row.unit_id].revision:
            best[row.unit_id] = row
    return best


def snapshot_lists(row: TallySnapshot) -> TaskLists:
    stored = json.loads(row.lists or "{}")
    if not stored:  # stored before the lists were kept together
        return TaskLists(flagged=json.loads(row.flagged_ids),
                         pending_extensions=json.loads(row.pending_ids))
    return TaskLists(**{k: list(v) for k, v in stored.items()})


def previous_figures(session: Session, period: Period) -> dict[str, Figures]:
    return {uid: Figures.from_dict(json.loads(row.rolled))
            for uid, row in latest_snapshots(session, period.previous().key).items()}


def tally_for(session: Session, viewer: Viewer, unit_id: str, period: Period, now: datetime,
              calendar: WorkingCalendar) -> TallyView:
    unit = get_unit(session, unit_id)
    if not can_read_figures(viewer.actor, unit.path_ids):
        raise forbidden("Đồng chí không có quyền xem số liệu của đơn vị này.")
    at = tally_instant(period, now)
    units = load_units(session, unit.path)
    stored = latest_snapshots(session, period.key, [u.id for u in units])
    previous = previous_figures(session, period)
    snap = stored.get(unit.id)
    if snap is not None and snap.as_of == at:
        return TallyView(period, _from_snapshots(unit.id, units, stored), at, snap.revision,
                         previous)
    tally = subtree_tally(session, unit, Clock.at(at, calendar), period, units)
    return TallyView(period, tally, at, None, previous)


def _from_snapshots(unit_id: str, units: list[UnitNode],
                    stored: dict[str, TallySnapshot]) -> UnitTally:
    nodes = {u.id: u for u in units}
    kids: dict[str, list[UnitNode]] = {}
    for u in sorted(units, key=lambda n: (n.sort_order, n.name)):
        kids.setdefault(u.parent_id or "", []).append(u)

    def build(uid: str) -> UnitTally:
        snap = stored.get(uid)
        t = UnitTally(nodes[uid])
        if snap is not None:
            t.own = Figures.from_dict(json.loads(snap.own))
            t.rolled = Figures.from_dict(json.loads(snap.rolled))
            t.lists = snapshot_lists(snap)
        t.children = [build(k.id) for k in kids.get(uid, [])]
        return t

    return build(unit_id)


def scores_for(session: Session, viewer: Viewer, unit_id: str, period: Period, now: datetime,
               calendar: WorkingCalendar) -> list[Score]:
    unit = get_unit(session, unit_id)
    if not can_read_scores(viewer.actor, unit.path_ids):
        raise forbidden("Đồng chí không có quyền xem điểm đề xuất của đơn vị này.")
    facts = load_facts(session, unit.path)
    return score_officials(facts, period, tally_instant(period, now), calendar)


# Briefings ------------------------------------------------------------------------------------


def home_briefing_unit(session: Session, viewer: Viewer) -> Unit:
    """The viewer's own giao ban: the nearest People's Committee or department at or above
    the unit he works for (the office: the unit it serves)."""
    path = jurisdiction(viewer.actor)
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(path))).all()}
    for unit_id in reversed(path):
        unit = units.get(unit_id)
        if unit is not None and holds_briefings(unit.kind):
            return unit
    return get_unit(session, path[0])


def briefing_unit(session: Session, viewer: Viewer, unit_id: str | None) -> Unit:
    """The unit whose briefing is asked for (default: the viewer's own), if he may read it."""
    unit = get_unit(session, unit_id) if unit_id else home_briefing_unit(session, viewer)
    if not holds_briefings(unit.kind):
        raise not_found("Đơn vị này không có báo cáo giao ban riêng (chỉ UBND và sở, ban, "
                        "ngành).")
    if not can_read_briefing(viewer.actor, unit.path_ids):
        raise forbidden("Báo cáo giao ban dành cho lãnh đạo và Văn phòng của đơn vị.")
    return unit


def latest_briefing(session: Session, unit: Unit, period: Period) -> Briefing | None:
    return session.exec(select(Briefing).where(
        Briefing.period == period.key, Briefing.root_unit_id == unit.id)
        .order_by(col(Briefing.revision).desc())).first()


def briefing_for(session: Session, viewer: Viewer, unit_id: str | None,
                 period: Period) -> Briefing | None:
    """A unit's briefing for the period as the dashboard links it: the newest issued one; the
    draft while none is issued."""
    unit = briefing_unit(session, viewer, unit_id)
    issued = session.exec(select(Briefing).where(
        Briefing.period == period.key, Briefing.root_unit_id == unit.id,
        col(Briefing.issued_at).is_not(None)).order_by(col(Briefing.revision).desc())).first()
    return issued or latest_briefing(session, unit, period)


def briefing_file(session: Session, viewer: Viewer, public_id: str) -> Briefing:
    """The briefing its public id names (never its internal key), if the viewer may read it."""
    briefing = session.exec(select(Briefing).where(Briefing.public_id == public_id)).first() \
        if is_public_id_shaped(public_id) else None
    if briefing is None:
        raise not_found("Không tìm thấy báo cáo.")
    unit = get_unit(session, briefing.root_unit_id)
    if not can_read_briefing(viewer.actor, unit.path_ids):
        raise forbidden("Báo cáo giao ban dành cho lãnh đạo và Văn phòng của đơn vị.")
    return briefing

