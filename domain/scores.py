"""Proposed ratings of officials from their tasks in a period (NĐ 335/2025/NĐ-CP).

The system proposes; the leader decides. What it can judge from tasks is timeliness and
delivery: each task due or completed in the period earns 100 points when its product was
accepted on time, 75 when late (a late product loses 25% of its points), 0 when still
undelivered past its deadline; tasks still in time are not yet counted. The official's points
are the average. Quality of the product is the leader's judgement and is not scored here.

Bands: xuất sắc ≥ 90; tốt 70–<90; hoàn thành 50–<70; không hoàn thành < 50. Those proposed
xuất sắc may not exceed 20% of those rated hoàn thành tốt trở lên; the excess, lowest points
first, is proposed one band lower and marked so the leader sees why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.calendar import WorkingCalendar
from domain.periods import Period
from domain.tally import TaskFact, judge
from domain.timeliness import Timeliness
from domain.timezone import as_aware

ON_TIME_POINTS = 100.0
LATE_PENALTY = 0.25
EXCELLENT_CAP = 0.20

EXCELLENT = "Hoàn thành xuất sắc nhiệm vụ"
GOOD = "Hoàn thành tốt nhiệm vụ"
DONE = "Hoàn thành nhiệm vụ"
NOT_DONE = "Không hoàn thành nhiệm vụ"


def band_for(points: float) -> str:
    if points >= 90:
        return EXCELLENT
    if points >= 70:
        return GOOD
    if points >= 50:
        return DONE
    return NOT_DONE


@dataclass
class Score:
    official_id: str
    points: float
    band: str
    tasks_counted: int
    late_products: int
    capped: bool = False  # proposed one band lower by the 20% cap
    self_assigned: int = 0  # tasks he assigned to himself, marked for the leader's eye

    @property
    def proposal(self) -> str:
        note = " (điều chỉnh do vượt tỷ lệ 20% xuất sắc)" if self.capped else ""
        return f"Đề xuất: {self.band}{note}"


def task_points(fact: TaskFact, period: Period, at: datetime,
                calendar: WorkingCalendar) -> float | None:
    """Points for one task in the period, or None when it does not count (yet)."""
    standing = judge(fact, at, calendar)
    if standing is None:
        return None
    due_in = period.contains(as_aware(fact.deadline))
    done_in = fact.completed_at is not None and period.contains(as_aware(fact.completed_at))
    match standing:
        case Timeliness.COMPLETED_ON_TIME if due_in or done_in:
            return ON_TIME_POINTS
        case Timeliness.COMPLETED_LATE if due_in or done_in:
            return ON_TIME_POINTS * (1 - LATE_PENALTY)
        case Timeliness.OVERDUE:
            return 0.0
    return None


def score_officials(
    facts: Iterable[TaskFact], period: Period, at: datetime, calendar: WorkingCalendar
) -> list[Score]:
    per_owner: dict[str, list[float]] = {}
    late: dict[str, int] = {}
    own: dict[str, int] = {}
    for fact in facts:
        points = task_points(fact, period, at, calendar)
        if points is None:
            continue
        per_owner.setdefault(fact.owner_id, []).append(points)
        if 0 < points < ON_TIME_POINTS:
            late[fact.owner_id] = late.get(fact.owner_id, 0) + 1
        if fact.self_assigned:
            own[fact.owner_id] = own.get(fact.owner_id, 0) + 1
    scores = [
        Score(owner, round(sum(p) / len(p), 1), band_for(sum(p) / len(p)), len(p),
              late.get(owner, 0), self_assigned=own.get(owner, 0))
        for owner, p in per_owner.items()
    ]
    apply_excellent_cap(scores)
    return sorted(scores, key=lambda s: (-s.points, s.official_id))


def apply_excellent_cap(scores: list[Score]) -> int:
    """Demote the excess of "xuất sắc" beyond 20% of those rated tốt or above; returns how many."""
    good_or_better = [s for s in scores if s.band in (EXCELLENT, GOOD)]
    allowed = math.floor(EXCELLENT_CAP * len(good_or_better))
    excellent = sorted((s for s in scores if s.band == EXCELLENT),
                       key=lambda s: (s.points, s.official_id))
    excess = max(0, len(excellent) - allowed)
    for s in excellent[:excess]:
        s.band, s.capped = GOOD, True
    return excess
