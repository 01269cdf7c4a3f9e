"""Plans as the read model holds them: the facts their validation needs, the plans a viewer may
read, and a plan's roll-up (the kiểm đếm of its tasks, by lead unit)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from domain.lifecycle import Relation, TaskState
from domain.org import Actor, can_read_plan, heads_of, parse_roles, path_ids, relations_to_task
from domain.plan import PlanDraft, PlanFacts, UnitFacts
from domain.plan_cascade import FulfilsFacts, orders_a_plan
from domain.plan_warnings import PlanWarning, entry_warnings
from domain.plan_wording import EVERY_UNIT, unit_group
from domain.tally import Figures
from domain.text import fold
from domain.titles import Member, title_holders
from giaoviec.reads.counts import Clock
from giaoviec.reads.org import Viewer, members, task_parties
from giaoviec.reads.org_counts import counts_grouped
from giaoviec.reads.visibility import can_read, visible_tasks
from giaoviec.store.models import Official, Plan, PlanTask, RecurringRule, Task, Unit

MAX_PLANS = 100


def fulfils_facts(session: Session, issuer: Actor, task_id: str) -> FulfilsFacts:
    task = session.get(Task, task_id)
    if task is None or not can_read(session, issuer, task):
        return FulfilsFacts(readable=False)
    relations = relations_to_task(issuer, task_parties(session, task))
    linked = session.exec(select(Plan.id).where(Plan.fulfils_task_id == task_id)).first()
    return FulfilsFacts(
        readable=True, product_kind=task.product_kind, state=TaskState(task.state),
        issuer_leads_it=bool(relations & {Relation.OWNER, Relation.LEAD_UNIT_HEAD}),
        fulfilled_by=linked,
    )


def plan_facts(session: Session, draft: PlanDraft, issuer: Actor | None = None) -> PlanFacts:
    """Every unit a plan names (lead and coordinating) with its path and heads, every official
    it may give a task to (those named, and the heads of its lead units), and the task it says
    it fulfils."""
    lead_ids = {u for item in draft.items for u in item.lead_unit_ids}
    unit_ids = lead_ids | {c.unit_id for item in draft.items for c in item.coordinators}
    units: dict[str, UnitFacts] = {}
    official_ids = {item.owner_id for item in draft.items if item.owner_id}
    rows = session.exec(select(Unit).where(col(Unit.id).in_(list(unit_ids)))).all()
    for unit in rows:
        heads = tuple(heads_of(members(session, unit.id))) if unit.id in lead_ids else ()
        units[unit.id] = UnitFacts(unit.path_ids, heads, unit.name)
        official_ids.update(heads)
    officials = session.exec(select(Official).where(
        col(Official.id).in_(list(official_ids)), col(Official.active).is_(True))).all()
    fulfils = None
    if draft.fulfils_task_id and issuer is not None:
        fulfils = fulfils_facts(session, issuer, draft.fulfils_task_id)
    return PlanFacts(units, {o.id: (o.unit_id, parse_roles(o.roles)) for o in officials},
                     fulfils)


# Names an office writes → units ---------------------------------------------------------------


def resolve_units(session: Session, issuer_unit_id: str, names: Iterable[str]
                  ) -> dict[str, list[str]]:
    """Each name as the ids it stands for: a unit id, a unit's name (any case, with or without
    diacritics) inside the issuer's subtree, or a group ("Các sở, ban, ngành": the units of
    those kinds directly under the issuer). A name that matches nothing is left out."""
    issuer = session.get(Unit, issuer_unit_id)
    if issuer is None:
        return {}
    inside = session.exec(select(Unit).where(
        col(Unit.path).startswith(issuer.path, autoescape=True))
        .order_by(col(Unit.sort_order), col(Unit.id))).all()
    by_id = {u.id: u for u in inside}
    by_name: dict[str, list[str]] = {}
    for u in inside:
        by_name.setdefault(fold(u.name), []).append(u.id)
    found: dict[str, list[str]] = {}
    for name in names:
        kinds = unit_group(name)
        if kinds is not None:
            found[name] = [u.id for u in inside if u.parent_id == issuer.id
                           and (kinds == EVERY_UNIT or u.kind in kinds)]
        elif name.strip() in by_id:
            found[name] = [name.strip()]
        elif fold(name) in by_name and len(by_name[fold(name)]) == 1:
            found[name] = by_name[fold(name)]
    return found


@dataclass(frozen=True)
class OwnerMatch:
    """An official named in a sheet: his id, or who a title names when it is not one person."""

    official_id: str | None
    holders: tuple[Member, ...] = ()  # a title's holders when not exactly one
    unit_name: str = ""


def resolve_official(session: Session, unit_id: str, name: str) -> OwnerMatch:
    """An official named by id, username or full name among the active members of a unit, or
    by title ("Chánh Văn phòng", "Phó Trưởng phòng Kinh tế", "Công chức Phòng Kinh tế":
    domain.titles.title_holders)."""
    unit = session.get(Unit, unit_id)
    rows = session.exec(select(Official).where(
        Official.unit_id == unit_id, col(Official.active).is_(True))
        .order_by(col(Official.id))).all()
    for o in rows:
        if name.strip() in (o.id, o.username):
            return OwnerMatch(o.id)
    matches = [o.id for o in rows if fold(o.full_name) == fold(name)]
    if len(matches) == 1:
        return OwnerMatch(matches[0])
    people = [Member(o.id, o.full_name, o.title, frozenset(o.role_list)) for o in rows]
    holders = title_holders(name, unit.name if unit else "", people)
    if holders is None:
        return OwnerMatch(None)
    if len(holders) == 1:
        return OwnerMatch(holders[0].id)
    return OwnerMatch(None, tuple(holders), unit.name if unit else unit_id)


# Plans --------------------------------------------------------------------------------------


def plan_by_client_key(session: Session, issuer_id: str, key: str) -> Plan | None:
    return session.exec(select(Plan).where(Plan.issuer_id == issuer_id,
                                           Plan.client_key == key)).first()


def plan_rules(session: Session, plan_id: str) -> list[RecurringRule]:
    """The recurring duties a plan's periodic rows became, in the plan's order."""
    return list(session.exec(select(RecurringRule).where(RecurringRule.plan_id == plan_id)
                             .order_by(col(RecurringRule.client_key))).all())


def plan_warnings(session: Session, plan: Plan) -> list[PlanWarning]:
    """What the plan's answer warns of: each task whose term had elapsed when the plan was
    keyed in (overdue from the start)."""
    rows = session.exec(select(PlanTask.row, Task.title, Task.deadline)
                        .join(Task, col(Task.id) == col(PlanTask.task_id))
                        .where(PlanTask.plan_id == plan.id)).all()
    return entry_warnings([(r, t, d) for r, t, d in rows], plan.created_at)


def unstarted_records(session: Session, plan_id: str) -> list[str]:
    """The recorded first states (JSON) of a plan's tasks whose assignment is not yet in the
    read model: what a retry still has to start."""
    started = select(Task.id).where(Task.plan_id == plan_id)
    rows = session.exec(select(PlanTask.record).where(
        PlanTask.plan_id == plan_id, col(PlanTask.task_id).not_in(started))
        .order_by(col(PlanTask.row), col(PlanTask.position), col(PlanTask.unit_id))).all()
    return list(rows)


def readable(viewer: Viewer, plan: Plan) -> bool:
    return can_read_plan(viewer.actor, plan.issuer_id, path_ids(plan.issuer_unit_path))


def readable_plan(session: Session, viewer: Viewer, plan_id: str) -> Plan | None:
    plan = session.get(Plan, plan_id)
    return plan if plan is not None and readable(viewer, plan) else None


@dataclass
class PlanFilter:
    issuer_unit_id: str | None = None
    search: str | None = None
    fulfils_task_id: str | None = None


def list_plans(session: Session, viewer: Viewer, f: PlanFilter, first: int = 50) -> list[Plan]:
    """Plans the viewer may read, newest first."""
    stmt = select(Plan).order_by(col(Plan.created_at).desc(), col(Plan.id))
    if f.issuer_unit_id:
        stmt = stmt.where(Plan.issuer_unit_id == f.issuer_unit_id)
    if f.fulfils_task_id:
        stmt = stmt.where(Plan.fulfils_task_id == f.fulfils_task_id)
    words = fold(f.search).split() if f.search else []
    out: list[Plan] = []
    for plan in session.exec(stmt).all():
        text = fold(f"{plan.number} {plan.subject} {plan.basis or ''}")
        if readable(viewer, plan) and all(w in text for w in words):
            out.append(plan)
            if len(out) >= first:
                break
    return out


# Between a plan's id and a unit's in the group key: neither ever holds a control character.
_KEY_SEP = "\x1f"


def plan_rollups(session: Session, viewer: Viewer, plan_ids: Sequence[str], clock: Clock
                 ) -> dict[str, dict[str, Figures]]:
    """The kiểm đếm of each plan's tasks (those the viewer may read) by lead unit, for many
    plans in one query (a page of tasks asking each its plan's counts)."""
    if not plan_ids:
        return {}
    key = col(Task.plan_id).concat(_KEY_SEP).concat(col(Task.lead_unit_id))
    grouped = counts_grouped(session, viewer, key, [col(Task.plan_id).in_(plan_ids)], clock)
    out: dict[str, dict[str, Figures]] = {p: {} for p in plan_ids}
    for composite, figures in grouped.items():
        plan_id, unit_id = composite.split(_KEY_SEP, 1)
        out[plan_id][unit_id] = figures
    return out


@dataclass
class CascadeItem:
    """A task of the plan whose product is a plan of the unit's own, and that plan if issued."""

    task: Task
    plan: Plan | None


def plan_cascade(session: Session, viewer: Viewer, plan_id: str) -> list[CascadeItem]:
    """The plan's tasks that order a plan of their own (the viewer may read), by lead unit, each
    with the plan that fulfils it — none yet: that unit has not issued its plan."""
    tasks = [t for t in session.exec(select(Task).where(
        Task.plan_id == plan_id, Task.state != "cancelled", visible_tasks(viewer))
        .order_by(col(Task.lead_unit_path), col(Task.id))).all()
        if orders_a_plan(t.product_kind)]
    ids = [t.id for t in tasks]
    plans = {p.fulfils_task_id: p for p in session.exec(select(Plan).where(
        col(Plan.fulfils_task_id).in_(ids))).all()} if ids else {}
    return [CascadeItem(t, plans.get(t.id)) for t in tasks]


def plans_fulfilling(session: Session, task_ids: Iterable[str]) -> dict[str, Plan]:
    """The plan issued to carry out each task, by task (one plan per task at most)."""
    rows = session.exec(select(Plan).where(col(Plan.fulfils_task_id).in_(list(task_ids)))).all()
    return {p.fulfils_task_id: p for p in rows if p.fulfils_task_id}


def plans_by_id(session: Session, ids: Iterable[str]) -> dict[str, Plan]:
    return {p.id: p for p in session.exec(select(Plan).where(col(Plan.id).in_(list(ids)))).all()}
