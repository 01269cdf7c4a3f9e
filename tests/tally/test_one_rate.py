"""One on-time rate (domain.tally.rate_standing): the tally, the briefing and its files, the
org chart's counts and the dashboard give the same figure for the same unit and moment, on a
random population that includes products submitted (on time and late), returned and declined
tasks — a product submitted on time counts as on time, pending the approver."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from activities.briefing import BriefingData
from activities.briefing.text import number
from domain.lifecycle import TaskState
from domain.periods import parse_period
from domain.tally import Figures, TaskFact, rate_standing
from domain.timezone import VN_TZ
from giaoviec.reads.counts import Clock, subtree_tally
from giaoviec.reads.facts import load_units
from giaoviec.reads.org import Viewer, load_actor
from giaoviec.reads.org_counts import counts_with_descendants
from giaoviec.store.models import Unit
from tests.org_fixture import unit_path
from tests.tally.test_counts import CAL, OWNERS, insert

S = TaskState
WEEK = parse_period("2026-W14")  # Monday 30/03 – Sunday 05/04/2026
AT = datetime(2026, 4, 3, 15, tzinfo=VN_TZ)  # Friday afternoon of that week


def fact_in_week(rng: random.Random, n: int) -> TaskFact:
    """A task due inside the week, created before it, in any state, its times consistent."""
    created = WEEK.start - timedelta(days=rng.uniform(1, 20))
    deadline = WEEK.start + timedelta(days=rng.uniform(0.2, 6.5))
    state = rng.choice([S.IN_PROGRESS, S.SUBMITTED, S.SUBMITTED, S.COMPLETED, S.RETURNED,
                        S.DECLINED, S.CANCELLED, S.PAUSED])
    # Everything that happened did so inside the week, before AT.
    def moment() -> datetime:
        return WEEK.start + (AT - WEEK.start) * rng.uniform(0.05, 0.95)

    submitted = completed = paused = cancelled = declined = returned = None
    match state:
        case S.SUBMITTED:
            submitted = moment()
        case S.COMPLETED:
            submitted = moment()
            completed = submitted + (AT - submitted) * rng.uniform(0, 1)
        case S.RETURNED:
            submitted = moment()
            returned = submitted + (AT - submitted) * rng.uniform(0, 1)
        case S.PAUSED:
            paused = moment()
        case S.CANCELLED:
            cancelled = moment()
        case S.DECLINED:
            declined = moment()
    unit = rng.choice(list(OWNERS))
    return TaskFact(
        id=f"r{n}", title=f"Nhiệm vụ {n}", lead_unit_id=unit, owner_id=OWNERS[unit],
        state=state, deadline=deadline, created_at=created, submitted_at=submitted,
        completed_at=completed, paused_at=paused, cancelled_at=cancelled,
        declined_at=declined, returned_at=returned, assigner_id="chutich")


def by_hand(facts: list[TaskFact], unit_id: str) -> float | None:
    rated = [rate_standing(f, AT, CAL) for f in facts
             if f"/{unit_id}/" in unit_path(f.lead_unit_id)]
    rated = [r for r in rated if r is not None]
    return round(100.0 * sum(rated) / len(rated), 1) if rated else None


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_figure_gives_one_rate(engine: Engine, seed: int) -> None:
    from tests.org_fixture import seed_small_org

    rng = random.Random(seed)
    facts = [fact_in_week(rng, n) for n in range(80)]
    assert any(f.state is S.SUBMITTED and f.submitted_at and f.submitted_at <= f.deadline
               for f in facts)
    with Session(engine) as s:
        seed_small_org(s)
        insert(s, facts)
        viewer = Viewer(load_actor(s, "chutich"))
        clock = Clock.at(AT, CAL)
        units = load_units(s)
        for unit in s.exec(select(Unit)).all():
            expected = by_hand(facts, unit.id)
            tally = subtree_tally(s, unit, clock, WEEK, units)
            chart = counts_with_descendants(s, viewer, [unit.id], clock)[unit.id]
            # the unit page's: the unit with its children, off one grouped count
            kids = [c.id for c in units if c.parent_id == unit.id]
            dashboard = counts_with_descendants(s, viewer, [unit.id, *kids], clock)[unit.id]
            data = BriefingData.build(s, WEEK, tally, AT, AT, 1, CAL, {})
            got = {"tally": tally.rolled.on_time_rate, "chart": chart.on_time_rate_so_far,
                   "dashboard": dashboard.on_time_rate_so_far,
                   "briefing": data.total.figures.on_time_rate}
            assert got == dict.fromkeys(got, expected), unit.id
            assert f"tỷ lệ đúng hạn {number(expected)}%" in data.summary_line


def test_a_product_submitted_on_time_is_on_time_pending_the_approver(engine: Engine) -> None:
    from tests.org_fixture import seed_small_org

    deadline = WEEK.start + timedelta(days=2)
    waiting = TaskFact("w", "Chờ xác nhận", "snv", "snv.cb1", S.SUBMITTED, deadline,
                       WEEK.start - timedelta(days=3), submitted_at=deadline - timedelta(hours=5),
                       assigner_id="chutich")
    done = TaskFact("d", "Đã xong", "snv", "snv.cb1", S.COMPLETED, deadline,
                    WEEK.start - timedelta(days=3), submitted_at=deadline - timedelta(hours=1),
                    completed_at=deadline, assigner_id="chutich")
    late = TaskFact("l", "Chậm", "snv", "snv.cb1", S.IN_PROGRESS, deadline,
                    WEEK.start - timedelta(days=3), assigner_id="chutich")
    with Session(engine) as s:
        seed_small_org(s)
        insert(s, [waiting, done, late])
        unit = s.get(Unit, "snv")
        assert unit is not None
        rolled = subtree_tally(s, unit, Clock.at(AT, CAL), WEEK, load_units(s)).rolled
    assert (rolled.base_in_period, rolled.on_time_in_period, rolled.pending_on_time) == (3, 2, 1)
    assert rolled.on_time_rate == rolled.on_time_rate_so_far == 66.7
    assert Figures(completed_on_time=1, pending_on_time=1, completed_late=2).on_time_rate_so_far \
        == 50.0
