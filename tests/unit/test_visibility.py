"""The read rule has two forms: `domain.org.can_read_task` for one task and its SQL form
`giaoviec.reads.visibility.visible_tasks` for lists and counts. They must agree for every
viewer on every task, or a list would show what the task page refuses (or hide what it shows)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.org import can_read_task
from giaoviec.reads.org import Viewer, actor_of, standing_in_for, task_scope
from giaoviec.reads.visibility import visible_tasks
from giaoviec.store.models import Official, Substitution, Task, TaskCoordinator
from tests.org_fixture import OFFICIALS, UNITS, seed_small_org, unit_path

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _seed_tasks(session: Session, count: int, seed: int) -> None:
    """Tasks of every shape: any lead unit, any owner and assigner, zero to three coordinators
    (including units whose id is a prefix of another's: snv and snv-tccb)."""
    rng = random.Random(seed)
    units = [u[0] for u in UNITS]
    officials = [o[0] for o in OFFICIALS]
    for n in range(count):
        lead = rng.choice(units)
        session.add(Task(
            id=f"t{n}", client_key=f"k{n}", title=f"Nhiệm vụ {n}", state="in_progress",
            lead_unit_id=lead, lead_unit_path=unit_path(lead), owner_id=rng.choice(officials),
            assigner_id=rng.choice(officials), deadline=NOW, original_deadline=NOW,
            created_at=NOW, updated_at=NOW))
        session.flush()
        for unit in rng.sample([u for u in units if u != lead], rng.randint(0, 3)):
            session.add(TaskCoordinator(task_id=f"t{n}", unit_id=unit, duty="Phối hợp"))
    session.commit()


def test_the_sql_form_of_the_read_rule_agrees_with_the_domain_rule(any_engine: Engine) -> None:
    with Session(any_engine) as session:
        seed_small_org(session)
        _seed_tasks(session, count=300, seed=18)
        tasks = session.scalars(select(Task)).all()
        scopes = {t.id: task_scope(session, t) for t in tasks}
        differing: list[tuple[str, str]] = []
        partial_views = 0
        for official in session.scalars(select(Official)).all():
            viewer = Viewer(actor_of(session, official))
            by_sql = set(session.scalars(select(Task.id).where(visible_tasks(viewer))).all())
            by_rule = {i for i, scope in scopes.items() if can_read_task(viewer.actor, scope)}
            differing += [(official.id, t) for t in sorted(by_sql ^ by_rule)]
            partial_views += 0 < len(by_rule) < len(scopes)
        assert differing == []
        # Varied enough to tell the rules apart: all but the province's chairman, vice-chairman
        # and office (who see everything) see part of the tasks.
        assert partial_views == len(OFFICIALS) - 3


def _seed_substitutions(session: Session, seed: int) -> date:
    """Substitutions of every kind: in force on the day the test reads, over already, not yet
    begun, cancelled — only the first widen what a substitute reads."""
    rng = random.Random(seed)
    officials = [o[0] for o in OFFICIALS]
    day = NOW.date()
    windows = [(day - timedelta(days=2), day + timedelta(days=2)),  # in force
               (day - timedelta(days=9), day - timedelta(days=1)),  # over
               (day + timedelta(days=1), day + timedelta(days=5))]  # not yet
    for n, principal in enumerate(officials):
        substitute = rng.choice([o for o in officials if o != principal])
        starts, ends = windows[n % len(windows)]
        session.add(Substitution(
            official_id=principal, substitute_id=substitute, starts_on=starts, ends_on=ends,
            reason="Nghỉ phép", created_by=principal, created_at=NOW,
            cancelled_at=NOW if n % 4 == 3 else None))
    session.commit()
    return day


def test_a_substitute_reads_what_he_acts_on_in_both_forms(any_engine: Engine) -> None:
    """A substitute acts on the tasks of the official he stands in for (the service's rule):
    while the substitution runs he reads them too, in the task page's rule and in lists alike;
    outside its window, or once it is cancelled, he reads only his own."""
    with Session(any_engine) as session:
        seed_small_org(session)
        _seed_tasks(session, count=300, seed=19)
        day = _seed_substitutions(session, seed=19)
        tasks = session.scalars(select(Task)).all()
        scopes = {t.id: task_scope(session, t) for t in tasks}
        differing: list[tuple[str, str]] = []
        widened = 0
        for official in session.scalars(select(Official)).all():
            principals = tuple(a for a, _ in standing_in_for(session, official.id, day))
            viewer = Viewer(actor_of(session, official), principals)
            by_sql = set(session.scalars(select(Task.id).where(visible_tasks(viewer))).all())
            by_rule = {i for i, scope in scopes.items()
                       if can_read_task(viewer.actor, scope, principals)}
            differing += [(official.id, t) for t in sorted(by_sql ^ by_rule)]
            alone = {i for i, scope in scopes.items() if can_read_task(viewer.actor, scope)}
            theirs = {i for i, scope in scopes.items()
                      if any(can_read_task(p, scope) for p in principals)}
            assert by_rule == alone | theirs
            widened += bool(by_rule - alone)
        assert differing == []
        assert widened >= 2  # some substitutes do read more than their own
