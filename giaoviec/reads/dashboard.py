"""Reads the leadership dashboard needs beyond the task lists: a viewer's jurisdiction, the
counts per official, the weekly trend, and what a viewer may do on a task. Every figure comes
from the same rules as the rest of the API: the SQL counts of `giaoviec.reads.counts`, the
tally of `domain.tally`, the authority of `domain.org` and `domain.lifecycle`."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from domain.calendar import WorkingCalendar
from domain.errors import FieldIssue, forbidden, validation_error
from domain.org import (
    Actor,
    can_read_figures,
    jurisdiction,
    parse_roles,
)
from domain.periods import Period, PeriodKind, period_containing
from domain.tally import Figures, tally_instant
from giaoviec.reads import live_counts
from giaoviec.reads.counts import FOUR_WAY, Clock, own_figures, total_figures
from giaoviec.reads.org import Viewer, actor_of, get_unit
from giaoviec.reads.visibility import visible_tasks
from giaoviec.store.models import Official, TallySnapshot, Task, Unit

MAX_TREND_WEEKS = 53


def jurisdiction_of(session: Session, official: Official) -> Unit:
    """The unit whose subtree an official oversees (domain.org.jurisdiction): his own; for the
    office's staff, the UBND it serves."""
    return get_unit(session, jurisdiction(actor_of(session, official))[-1])


def counts_by_owner(
    session: Session, viewer: Viewer, owner_ids: Sequence[str], clock: Clock
) -> dict[str, Figures]:
    """Each official's own tasks (he is the responsible official), scoped to what the viewer
    may read; the one counting function, grouped by owner. Since the owner always belongs to
    the lead unit, a unit's officials add up to the unit's own counts."""
    conds = [col(Task.owner_id).in_(owner_ids), visible_tasks(viewer)]
    return own_figures(session, conds, clock, by=col(Task.owner_id), only=FOUR_WAY)


# The weekly trend -------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    as_of: datetime
    figures: Figures
    stored: bool  # from the stored weekly snapshot (as `tally` answers), else computed


def trend_weeks(now: datetime, weeks: int) -> list[Period]:
    """The last `weeks` ISO weeks, oldest first, the current (unfinished) one last."""
    if not 1 <= weeks <= MAX_TREND_WEEKS:
        raise validation_error([FieldIssue(
            "weeks", "INVALID_WEEKS", f"Số tuần phải từ 1 đến {MAX_TREND_WEEKS}.")],
            subject="Yêu cầu")
    period = period_containing(now, PeriodKind.WEEK)
    found = [period]
    for _ in range(weeks - 1):
        period = period.previous()
        found.append(period)
    return list(reversed(found))


# Past weeks the weekly run never stored (before the system ran, or a missed week) are
# computed from every task of the subtree: seconds at 100,000 tasks. Such a week is remembered
# for a few minutes per process, so a page opened again and again does not recount it.
PAST_WEEK_TTL_SECONDS = 300.0
_MAX_REMEMBERED = 5000
_past_weeks: dict[tuple[str, str, str], tuple[float, datetime, Figures]] = {}


def tally_trend(session: Session, viewer: Viewer, unit_id: str, weeks: int, clock: Clock,
                calendar: WorkingCalendar) -> list[TrendPoint]:
    """A unit's figures (with its descendants) week by week, as `tally(unitId, period)`
    answers for each week: the stored snapshot's figures when the weekly run stored one;
    else, for the current week, the figures as of now (the SQL counts of
    `giaoviec.reads.counts`, the SQL form of the same rules); for a past week, the figures of
    `domain.tally` at the week's end."""
    unit = get_unit(session, unit_id)
    if not can_read_figures(viewer.actor, unit.path_ids):
        raise forbidden("Đồng chí không có quyền xem số liệu của đơn vị này.")
    periods = trend_weeks(clock.now, weeks)
    current = periods[-1]
    stored = _stored_rolled(session, unit.id, [p.key for p in periods])
    database = str(session.get_bind().url)
    inside = [col(Task.lead_unit_path).startswith(unit.path, autoescape=True)]
    points: list[TrendPoint] = []
    for period in periods:
        at = tally_instant(period, clock.now)
        if period.key in stored and stored[period.key][0] == at:  # as `tally` picks it
            points.append(TrendPoint(period, at, stored[period.key][1], True))
            continue
        if period.key == current.key:  # as of now: the open tasks and the rollup
            figures = (live_counts.subtree_total(session, unit.path, clock) if clock.live
                       else total_figures(session, inside, clock, period, only=FOUR_WAY))
            points.append(TrendPoint(period, clock.now, figures, False))
            continue
        key = (database, unit.id, period.key)
        remembered = _past_weeks.get(key)
        if remembered is None or remembered[0] < time.monotonic():
            figures = total_figures(session, inside, Clock.at(at, calendar), period,
                                    only=FOUR_WAY)
            if len(_past_weeks) >= _MAX_REMEMBERED:
                _past_weeks.clear()
            remembered = _past_weeks[key] = (time.monotonic() + PAST_WEEK_TTL_SECONDS, at,
                                              figures)
        points.append(TrendPoint(period, remembered[1], remembered[2], False))
    return points


def _stored_rolled(session: Session, unit_id: str, keys: list[str]
                   ) -> dict[str, tuple[datetime, Figures]]:
    """The newest revision of the unit's stored snapshot per period (as `tally` picks it)."""
    rows = session.execute(
        select(TallySnapshot.period, TallySnapshot.revision, TallySnapshot.as_of,
               TallySnapshot.rolled)
        .where(TallySnapshot.unit_id == unit_id, col(TallySnapshot.period).in_(keys))
    ).all()
    best: dict[str, tuple[int, datetime, str]] = {}
    for period, revision, as_of, rolled in rows:
        if period not in best or revision > best[period][0]:
            best[period] = (revision, as_of, rolled)
    return {k: (v[1], Figures.from_dict(json.loads(v[2]))) for k, v in best.items()}


# Dev sign-in --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInChoice:
    username: str
    full_name: str
    title: str
    unit_name: str


MAX_SIGN_IN_CHOICES = 2000


def sign_in_choices(session: Session) -> list[SignInChoice]:
    """Active officials for the dev-mode sign-in, unit by unit in the tree's order."""
    rows = session.execute(
        select(Official.username, Official.full_name, Official.title, Unit.name, Official.roles,
               Unit.path, Unit.sort_order)
        .join(Unit, col(Unit.id) == Official.unit_id)
        .where(col(Official.active).is_(True))
        .limit(MAX_SIGN_IN_CHOICES)
    ).all()
    # Units from the top of the tree down; inside a unit its leaders first, the chairman
    # before his deputies (domain.org's rank).
    rows = sorted(rows, key=lambda r: (r[5].count("/"), r[6], r[3],
                                       -Actor("", ("",), parse_roles(r[4])).rank, r[1]))
    return [SignInChoice(r[0], r[1], r[2] or "", r[3]) for r in rows]
