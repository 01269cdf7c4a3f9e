"""One function counts (giaoviec.reads.counts.own_figures): it agrees with the rule for one
task (domain.tally.judge) on random populations, the org chart's counts and the tally agree
for the same unit, viewer and moment, figures roll up the tree, and the additive figures of
a half-year are those of its two quarters."""

from __future__ import annotations

import random
from dataclasses import asdict, replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.calendar import WorkingCalendar
from domain.lifecycle import TaskState
from domain.periods import Period, parse_period
from domain.tally import (
    ADDITIVE_OVER_PERIODS,
    Figures,
    TaskFact,
    in_rate_base,
    judge,
    pending_on_time,
    rate_standing,
    walk,
)
from domain.timeliness import Timeliness
from domain.timezone import VN_TZ
from giaoviec.reads.counts import Clock, own_figures, subtree_tally
from giaoviec.reads.facts import load_units
from giaoviec.reads.org import Viewer, load_actor
from giaoviec.reads.org_counts import counts_with_descendants
from giaoviec.store.models import Task, Unit
from tests.org_fixture import seed_small_org, unit_path

CAL = WorkingCalendar()
S = TaskState
OWNERS = {"tinh": "pct", "vp": "vp.cv", "snv": "snv.cb1", "snv-tccb": "tccb.cb",
          "stc": "stc.cb", "xa1": "xa1.cb"}
BASE = datetime(2026, 3, 1, tzinfo=VN_TZ)


def random_fact(rng: random.Random, n: int) -> TaskFact:
    """A task somewhere in the first half of 2026, in any state, its times consistent."""
    def moment(lo: int, hi: int) -> datetime:
        return BASE + timedelta(days=rng.uniform(lo, hi))

    created = moment(-60, 100)
    deadline = created + timedelta(days=rng.uniform(1, 60))
    if rng.random() < 0.3:  # an end-of-day deadline, as dates give
        deadline = deadline.replace(hour=23, minute=59, second=59, microsecond=0)
    state = rng.choice(list(S))
    after = created + timedelta(days=rng.uniform(0.1, 70))
    submitted = completed = paused = cancelled = declined = returned = None
    match state:
        case S.SUBMITTED:
            submitted = after
            returned = after - timedelta(days=2) if rng.random() < 0.3 else None
        case S.COMPLETED:
            submitted = after
            completed = after + timedelta(days=rng.uniform(0, 10))
        case S.PAUSED:
            paused = after
            submitted = after - timedelta(days=1) if rng.random() < 0.2 else None
        case S.CANCELLED:
            cancelled = after
        case S.DECLINED:
            declined = after
        case S.RETURNED:
            submitted = after - timedelta(days=3)
            returned = after
    unit = rng.choice(list(OWNERS))
    return TaskFact(
        id=f"t{n}", title=f"Nhiệm vụ {n}", lead_unit_id=unit, owner_id=OWNERS[unit],
        state=state, deadline=deadline, created_at=created, submitted_at=submitted,
        completed_at=completed, paused_at=paused, cancelled_at=cancelled,
        flagged=rng.random() < 0.2,
        extension_requested=deadline + timedelta(days=9) if rng.random() < 0.15 else None,
        declined_at=declined, returned_at=returned, assigner_id="chutich",
    )


def insert(session: Session, facts: list[TaskFact]) -> None:
    for f in facts:
        session.add(Task(
            id=f.id, client_key=f.id, title=f.title, state=f.state.value,
            lead_unit_id=f.lead_unit_id, lead_unit_path=unit_path(f.lead_unit_id),
            owner_id=f.owner_id, assigner_id=f.assigner_id, deadline=f.deadline,
            original_deadline=f.deadline, created_at=f.created_at, updated_at=f.created_at,
            submitted_at=f.submitted_at, completed_at=f.completed_at, paused_at=f.paused_at,
            cancelled_at=f.cancelled_at, declined_at=f.declined_at, returned_at=f.returned_at,
            flagged=f.flagged, extension_requested_deadline=f.extension_requested,
        ))
    session.commit()


def expected(facts: list[TaskFact], period: Period, at: datetime) -> dict[str, Figures]:
    """The figures by the rule for one task, summed by hand."""
    found: dict[str, Figures] = {}
    for fact in facts:
        f = found.setdefault(fact.lead_unit_id, Figures())
        if fact.created_at > at:  # nothing counts before it is assigned
            continue
        if (fact.state is S.DECLINED and fact.created_at <= at
                and (fact.declined_at is None or fact.declined_at <= at)):
            f.declined += 1
        gone_at = fact.cancelled_at or fact.declined_at
        gone_first = fact.state in (S.CANCELLED, S.DECLINED) and gone_at is not None and (
            gone_at <= fact.deadline)
        due_in = period.contains(fact.deadline) and not gone_first
        f.due_in_period += due_in
        f.assigned_in_period += period.contains(fact.created_at)
        standing = judge(fact, at, CAL)
        if standing is None:
            continue
        f.total += 1
        is_open = standing in (Timeliness.IN_TIME, Timeliness.DUE_SOON, Timeliness.OVERDUE)
        f.completed_on_time += standing is Timeliness.COMPLETED_ON_TIME
        f.completed_late += standing is Timeliness.COMPLETED_LATE
        f.open_overdue += standing is Timeliness.OVERDUE
        f.open_in_time += standing in (Timeliness.IN_TIME, Timeliness.DUE_SOON)
        f.due_soon += standing is Timeliness.DUE_SOON
        done_in = not is_open and fact.completed_at is not None and period.contains(
            fact.completed_at)
        f.completed_in_period += done_in
        base = in_rate_base(fact, period, at, CAL)
        f.base_in_period += base
        f.on_time_in_period += base and rate_standing(fact, at, CAL) is True
        f.pending_on_time += pending_on_time(fact, at, CAL)
        f.flagged += is_open and fact.flagged
        f.pending_extensions += is_open and fact.extension_requested is not None
        f.awaiting_approval += (fact.state is S.SUBMITTED and fact.submitted_at is not None
                                and fact.submitted_at <= fact.deadline < at)
    return {u: f for u, f in found.items() if asdict(f) != asdict(Figures())}


@pytest.fixture
def seeded(any_engine: Engine) -> Engine:
    with Session(any_engine) as s:
        seed_small_org(s)
    return any_engine


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_counts_by_the_rule_for_one_task(seeded: Engine, seed: int) -> None:
    rng = random.Random(seed)
    facts = [random_fact(rng, n) for n in range(250)]
    with Session(seeded) as s:
        insert(s, facts)
        for key, at in (("2026-W10", datetime(2026, 3, 8, 23, 59, 59, tzinfo=VN_TZ)),
                        ("2026-Q1", datetime(2026, 3, 31, 23, 59, 59, tzinfo=VN_TZ)),
                        ("2026-04", BASE + timedelta(days=45, hours=7))):
            period = parse_period(key)
            got = own_figures(s, [], Clock.at(at, CAL), period)
            got = {u: f for u, f in got.items() if asdict(f) != asdict(Figures())}
            assert got == expected(facts, period, at), (key, at)


def test_the_org_chart_and_the_tally_give_the_same_numbers(seeded: Engine) -> None:
    rng = random.Random(7)
    facts = [random_fact(rng, n) for n in range(200)]
    now = BASE + timedelta(days=30)
    with Session(seeded) as s:
        insert(s, facts)
        viewer = Viewer(load_actor(s, "chutich"))
        clock = Clock.at(now, CAL)
        units = load_units(s)
        period = parse_period("2026-W14")  # the week running at `now`
        for unit in s.exec(select(Unit)).all():
            chart = counts_with_descendants(s, viewer, [unit.id], clock)[unit.id]
            tally = subtree_tally(s, unit, clock, period, units).rolled
            for name in ("total", "completed_on_time", "completed_late", "open_in_time",
                         "open_overdue", "due_soon"):
                assert getattr(chart, name) == getattr(tally, name), (unit.id, name)


def test_one_units_counts_are_one_plain_sum_the_same_as_in_a_batch(seeded: Engine) -> None:
    """The home's figures ask one unit: summed in one statement without grouping by lead
    unit (the province's 841 groups, rolled up again here, cost twice as much at a million)."""
    rng = random.Random(5)
    facts = [random_fact(rng, n) for n in range(120)]
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    with Session(seeded) as s:
        insert(s, facts)
        viewer = Viewer(load_actor(s, "chutich"))
        clock = Clock.at(BASE + timedelta(days=30), CAL)
        batch = counts_with_descendants(s, viewer, ["tinh", "xa1"], clock)
        event.listen(seeded, "before_cursor_execute", seen)
        try:
            alone = counts_with_descendants(s, viewer, ["tinh"], clock)
        finally:
            event.remove(seeded, "before_cursor_execute", seen)
    assert alone == {"tinh": batch["tinh"]} and alone["tinh"].total > 0
    assert not [q for q in statements if "GROUP BY" in q.upper()], statements


def test_the_tree_rolls_up_and_the_four_groups_add_up(seeded: Engine) -> None:
    rng = random.Random(11)
    facts = [random_fact(rng, n) for n in range(200)]
    with Session(seeded) as s:
        insert(s, facts)
        root = s.get(Unit, "tinh")
        assert root is not None
        at = datetime(2026, 4, 15, 12, tzinfo=VN_TZ)
        tally = subtree_tally(s, root, Clock.at(at, CAL), parse_period("2026-04"),
                              load_units(s))
        for node in walk(tally):
            f = node.rolled
            assert f.total == (f.completed_on_time + f.completed_late + f.open_in_time
                               + f.open_overdue)
            summed = Figures(**asdict(node.own))
            for child in node.children:
                summed.add(child.rolled)
            assert summed == f, node.unit.id


def test_a_half_year_is_its_two_quarters_on_the_additive_figures(seeded: Engine) -> None:
    rng = random.Random(5)
    facts = [random_fact(rng, n) for n in range(300)]
    with Session(seeded) as s:
        insert(s, facts)
        root = s.get(Unit, "tinh")
        assert root is not None
        units = load_units(s)

        def figures(key: str) -> Figures:
            period = parse_period(key)
            return subtree_tally(s, root, Clock.at(period.end, CAL), period, units).rolled

        h1, q1, q2 = figures("2026-H1"), figures("2026-Q1"), figures("2026-Q2")
        for name in ADDITIVE_OVER_PERIODS:
            assert getattr(h1, name) == getattr(q1, name) + getattr(q2, name), name


def test_submitted_in_time_is_never_overdue_and_declined_never_counts(seeded: Engine) -> None:
    deadline = datetime(2026, 3, 6, 23, 59, 59, tzinfo=VN_TZ)
    waiting = TaskFact("w", "Chờ xác nhận", "snv", "snv.cb1", S.SUBMITTED, deadline,
                       BASE - timedelta(days=10), submitted_at=deadline - timedelta(days=1),
                       assigner_id="chutich")
    late = replace(waiting, id="l", submitted_at=deadline + timedelta(days=1))
    declined = replace(waiting, id="d", state=S.DECLINED, submitted_at=None,
                       declined_at=BASE - timedelta(days=2))
    at = deadline + timedelta(days=5)
    with Session(seeded) as s:
        insert(s, [waiting, late, declined])
        got = own_figures(s, [], Clock.at(at, CAL), parse_period("2026-W10"))["snv"]
    assert (got.total, got.open_in_time, got.open_overdue) == (2, 1, 1)
    assert (got.awaiting_approval, got.declined) == (1, 1)
    assert judge(waiting, at, CAL) is Timeliness.IN_TIME
    assert judge(late, at, CAL) is Timeliness.OVERDUE and judge(declined, at, CAL) is None


def test_a_unit_with_nothing_due_has_no_rate() -> None:
    assert Figures(total=3, open_in_time=3).on_time_rate is None
    assert Figures(base_in_period=4, on_time_in_period=3).on_time_rate == 75.0


def test_a_known_week_number_by_number(seeded: Engine) -> None:
    """Week 47 of 2026 (16–22/11), tallied at its end."""
    at = datetime(2026, 11, 22, 23, 59, 59, tzinfo=VN_TZ)
    d = datetime(2026, 11, 18, 23, 59, 59, tzinfo=VN_TZ)

    def fact(tid: str, unit: str, **kw: object) -> TaskFact:
        values: dict[str, object] = {
            "state": S.IN_PROGRESS, "deadline": datetime(2026, 11, 30, 23, 59, 59, tzinfo=VN_TZ),
            "created_at": datetime(2026, 11, 2, tzinfo=VN_TZ), "assigner_id": "chutich"}
        values.update(kw)
        return TaskFact(id=tid, title=tid, lead_unit_id=unit, owner_id=OWNERS[unit],
                        **values)  # type: ignore[arg-type]

    facts = [
        fact("on", "snv", state=S.COMPLETED, deadline=d, submitted_at=d - timedelta(1),
             completed_at=d),
        fact("late", "snv-tccb", state=S.COMPLETED, deadline=d,
             submitted_at=d + timedelta(1), completed_at=d + timedelta(1)),
        fact("over", "snv-tccb", deadline=d, flagged=True),
        fact("soon", "xa1", deadline=datetime(2026, 11, 24, 23, 59, 59, tzinfo=VN_TZ)),
        fact("later", "tinh", extension_requested=d),
        fact("gone", "xa1", state=S.CANCELLED, cancelled_at=d),
        fact("future", "xa1", created_at=at + timedelta(hours=1)),
    ]
    with Session(seeded) as s:
        insert(s, facts)
        root = s.get(Unit, "tinh")
        assert root is not None
        tally = subtree_tally(s, root, Clock.at(at, CAL), parse_period("2026-W47"),
                              load_units(s))
    r = tally.rolled
    assert (r.total, r.completed_on_time, r.completed_late, r.open_in_time, r.open_overdue,
            r.due_soon) == (5, 1, 1, 2, 1, 1)
    assert (r.flagged, r.pending_extensions) == (1, 1)
    assert tally.lists.flagged == ["over"] and tally.lists.pending_extensions == ["later"]
    by_id = {t.unit.id: t for t in walk(tally)}
    assert by_id["snv"].rolled.total == 3 and by_id["snv"].own.total == 1
    assert by_id["snv-tccb"].rolled.total == 2 and by_id["xa1"].rolled.total == 1
    assert tally.own.total == 1
    # Rated over what fell due or was completed in the week: on, late, over.
    assert (r.base_in_period, r.on_time_in_period, r.on_time_rate) == (3, 1, 33.3)
    # A unit with nothing due in the week has no rate, not 0.
    assert by_id["xa1"].rolled.on_time_rate is None
