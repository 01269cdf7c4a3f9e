"""What awaits a viewer's decision, as the list filters it (`giaoviec.reads.decisions`: the
candidate assigners gathered per alternative of the visibility test, then asked of the
domain's rule; and the visibility test), is what the domain's rules give task by task:
awaiting a decision (a submitted product, an extension request in a state it may be decided
in), readable by the viewer (standing in for others or not) and assigned by someone whose
decisions he may take. Held on SQLite and PostgreSQL for every official, over tasks of every
shape; few enough that each alternative brings assigners of its own (leave any one out of the
candidates' query and this fails)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.calendar import WorkingCalendar
from domain.lifecycle import RULES, Action, TaskState
from domain.org import TaskParties, can_read_task, relations_to_task
from giaoviec.reads.counts import Clock
from giaoviec.reads.decisions import DECISIONS
from giaoviec.reads.org import Viewer, actor_of, standing_in_for, task_scope
from giaoviec.reads.tasks import TaskFilter, filter_conditions
from giaoviec.store.models import Official, Substitution, Task, TaskCoordinator
from tests.org_fixture import OFFICIALS, UNITS, seed_small_org, unit_path

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _seed(session: Session, count: int, seed: int) -> None:
    """Tasks in every state, some with an extension asked, any lead unit, owner and assigner,
    zero to two coordinators; and substitutions in force for some officials."""
    rng = random.Random(seed)
    units = [u[0] for u in UNITS]
    officials = [o[0] for o in OFFICIALS]
    for n in range(count):
        lead = rng.choice(units)
        state = rng.choice(list(TaskState))
        session.add(Task(
            id=f"t{n}", client_key=f"k{n}", title=f"Nhiệm vụ {n}", state=state.value,
            lead_unit_id=lead, lead_unit_path=unit_path(lead), owner_id=rng.choice(officials),
            assigner_id=rng.choice(officials), deadline=NOW, original_deadline=NOW,
            created_at=NOW, updated_at=NOW,
            extension_requested_deadline=NOW + 5 * DAY if rng.random() < 0.3 else None))
        session.flush()
        for unit in rng.sample([u for u in units if u != lead], rng.randint(0, 2)):
            session.add(TaskCoordinator(task_id=f"t{n}", unit_id=unit, duty="Phối hợp"))
    for principal in rng.sample(officials, 4):
        session.add(Substitution(
            official_id=principal, substitute_id=rng.choice([o for o in officials
                                                             if o != principal]),
            starts_on=NOW.date() - DAY, ends_on=NOW.date() + DAY, reason="Nghỉ phép",
            created_by=principal, created_at=NOW))
    session.commit()


def _awaits(task: Task) -> bool:
    if task.state in {s.value for s in RULES[Action.APPROVE].from_states}:
        return True
    return task.extension_requested_deadline is not None and task.state in {
        s.value for s in RULES[Action.DECIDE_EXTENSION].from_states}


def test_what_awaits_a_decision_is_the_domain_rule_task_by_task(any_engine: Engine) -> None:
    deciders = set().union(*(RULES[a].allowed for a in DECISIONS))
    clock = Clock.at(NOW, WorkingCalendar(), live=True)
    with Session(any_engine) as session:
        seed_small_org(session)
        _seed(session, count=60, seed=26)
        tasks = session.scalars(select(Task)).all()
        scopes = {t.id: task_scope(session, t) for t in tasks}
        actors = {o.id: actor_of(session, o) for o in session.scalars(select(Official))}
        differing: list[tuple[str, str]] = []
        deciding = 0
        for official_id, actor in actors.items():
            principals = tuple(a for a, _ in standing_in_for(session, official_id, NOW.date()))
            viewer = Viewer(actor, principals)
            by_sql = set(session.scalars(select(Task.id).where(*filter_conditions(
                session, viewer, TaskFilter(awaiting_my_decision=True), clock))).all())
            by_rule = {t.id for t in tasks
                       if _awaits(t) and can_read_task(actor, scopes[t.id], principals)
                       and relations_to_task(actor, TaskParties(
                           owner_id="", lead_unit_heads=frozenset(),
                           assigner=actors[t.assigner_id])) & deciders}
            differing += [(official_id, t) for t in sorted(by_sql ^ by_rule)]
            deciding += bool(by_rule)
        assert differing == []
        assert deciding >= 4  # varied enough: several officials have something to decide
