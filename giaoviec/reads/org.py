"""The organisation as the read model holds it: officials as `domain.org.Actor`s, the facts
the domain rules need about units and people, and the batch reads the API's loaders use."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Date, Select, String, bindparam, exists, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from domain.errors import not_found
from domain.org import (
    OFFICE_KIND,
    Actor,
    TaskParties,
    TaskScope,
    heads_of,
    jurisdiction,
    parse_roles,
    path_ids,
    tracking_unit,
)
from domain.task import OrgFacts, TaskDraft
from domain.timezone import local_date
from giaoviec.store.models import (
    Official,
    Substitution,
    Task,
    TaskCoordinator,
    TaskMilestone,
    Unit,
)

R = TypeVar("R")


def actor_of(session: Session, official: Official) -> Actor:
    return actors_of(session, [official])[official.id]


def actors_of(session: Session, officials: Iterable[Official]) -> dict[str, Actor]:
    """Officials (rows of this session) as the rules see them, by id: one statement however
    many they are."""
    return actors_by_id(session, [o.id for o in officials])


def actors_by_id(session: Session, ids: Iterable[str]) -> dict[str, Actor]:
    """The officials with these ids (those that exist) as the rules see them, in one
    statement read as plain values (`_ACTORS_BY_ID`): 168 assigners and their units for a
    province chairman's decisions."""
    wanted = list(ids)
    if not wanted:
        return {}
    return {row.id: _actor_of_row(row)
            for row in session.execute(_ACTORS_BY_ID, {"ids": wanted})}


def _actor(official_id: str, unit_id: str, roles: str, unit: tuple[str, str] | None,
           tracks_path: str | None) -> Actor:
    """An official as the rules see him, from his row, his unit's (path, kind) and the path of
    the unit it names to track its tasks."""
    return Actor(official_id, path_ids(unit[0]) if unit else (unit_id,), parse_roles(roles),
                 unit[1] if unit else "",
                 tracks_path=path_ids(tracks_path) if tracks_path else ())


def tracking_unit_of(session: Session, unit: Unit) -> Unit:
    """The unit that tracks this People's Committee's (or department's) tasks and prepares its
    weekly briefing (domain.org.tracking_unit)."""
    children = session.exec(select(Unit.id, Unit.kind).where(Unit.parent_id == unit.id)
                            .order_by(col(Unit.sort_order), col(Unit.id))).all()
    found = tracking_unit(unit.id, unit.tracking_unit_id, [(c[0], c[1]) for c in children])
    return unit if found == unit.id else session.get(Unit, found) or unit


def load_actor(session: Session, official_id: str) -> Actor:
    official = session.get(Official, official_id)
    if official is None or not official.active:
        raise not_found("Không tìm thấy cán bộ.")
    return actor_of(session, official)


@dataclass(frozen=True)
class Viewer:
    """Who asks: the official as the rules see him, and the path of his jurisdiction as the
    read model writes paths ("/a/b/"), for subtree questions in SQL."""

    actor: Actor
    # The officials he stands in for today (their substitute): he reads what they read.
    principals: tuple[Actor, ...] = ()

    @property
    def id(self) -> str:
        return self.actor.id

    @property
    def scope_path(self) -> str:
        return scope_path(self.actor)


def scope_path(actor: Actor) -> str:
    """The path of an official's jurisdiction as the read model writes paths ("/a/b/")."""
    return "/" + "".join(f"{p}/" for p in jurisdiction(actor))


def _actor_rows() -> Select[Any]:
    """Officials as the rules need them, one row each: id, unit id, roles, his unit's path and
    kind, and the path of the unit it names to track its tasks (of several, the first by id).
    That first one is a grouped min, so PostgreSQL cannot turn it into a walk of unit's
    primary key in order (the min/max shortcut) — a walk of every unit when none tracks, and
    the plan it picks while unit has no statistics (7.5 ms against 0.2 ms at a million)."""
    own, tracker = aliased(Unit), aliased(Unit)
    first_tracker = (select(func.min(tracker.id))
                     .where(tracker.tracking_unit_id == Official.unit_id)
                     .group_by(tracker.tracking_unit_id)
                     .correlate(Official).scalar_subquery())
    tracks_path = select(Unit.path).where(Unit.id == first_tracker).scalar_subquery()
    return (select(Official.id, Official.unit_id, Official.roles, own.path.label("unit_path"),
                   own.kind.label("unit_kind"), tracks_path.label("tracks_path"))
            .outerjoin(own, own.id == Official.unit_id))


def _actor_of_row(row: Any) -> Actor:
    unit = (row.unit_path, row.unit_kind) if row.unit_path is not None else None
    return _actor(row.id, row.unit_id, row.roles, unit, row.tracks_path)


def _viewer_row() -> Select[Any]:
    """Who asks, in one statement: his actor's row, whether he is active and whether he
    stands in for anyone on the day `today`."""
    today = bindparam("today", type_=Date)
    stands_in = exists().where(
        Substitution.substitute_id == Official.id, col(Substitution.cancelled_at).is_(None),
        Substitution.starts_on <= today, Substitution.ends_on >= today)
    return (_actor_rows().add_columns(Official.active, stands_in.label("stands_in"))
            .where(Official.username == bindparam("username", type_=String)))


# Built once: the viewer is asked on every request, and building these (aliases and all) cost
# more than the database's answer.
_VIEWER_ROW = _viewer_row()
_ACTORS_BY_ID = _actor_rows().where(col(Official.id).in_(bindparam("ids", expanding=True)))


def viewer_for(session: Session, username: str) -> Viewer | None:
    """The active official with this username, or None; with those he stands in for today
    (read only when he stands in for someone)."""
    today = local_date(datetime.now(UTC))
    row = session.execute(_VIEWER_ROW, {"username": username, "today": today}).first()
    if row is None or not row.active:
        return None
    actor = _actor_of_row(row)
    principals = (tuple(a for a, _ in standing_in_for(session, row.id, today))
                  if row.stands_in else ())
    return Viewer(actor, principals)


def standing_in_for(session: Session, substitute_id: str, day: date
                    ) -> list[tuple[Actor, Official]]:
    """The active officials someone stands in for on `day` (as the rules see them, and as
    recorded: name, title)."""
    rows = session.exec(select(Official).join(
        Substitution, col(Substitution.official_id) == Official.id).where(
        Substitution.substitute_id == substitute_id, col(Substitution.cancelled_at).is_(None),
        Substitution.starts_on <= day, Substitution.ends_on >= day,
        col(Official.active).is_(True)).order_by(col(Substitution.id))).all()
    return [(actor_of(session, o), o) for o in rows]


# What the domain rules need -------------------------------------------------------------------


def members(session: Session, unit_id: str) -> list[tuple[str, list[str]]]:
    """A unit's active officials as (id, roles), for heads_of and friends."""
    rows = session.exec(select(Official).where(
        Official.unit_id == unit_id, col(Official.active).is_(True))).all()
    return [(o.id, o.role_list) for o in rows]


def unit_heads(session: Session, unit_id: str) -> list[str]:
    return heads_of(members(session, unit_id))


def office_members(session: Session, unit_id: str) -> list[tuple[str, list[str]]]:
    """The staff of the office (Văn phòng) that serves a unit: its child units of kind office."""
    offices = session.exec(select(Unit.id).where(
        Unit.parent_id == unit_id, Unit.kind == OFFICE_KIND)).all()
    found: list[tuple[str, list[str]]] = []
    for office_id in offices:
        found += members(session, office_id)
    return found


def org_facts(session: Session, lead_unit_id: str, owner_id: str,
              coordinator_ids: Sequence[str] = ()) -> OrgFacts:
    lead = session.get(Unit, lead_unit_id) if lead_unit_id else None
    owner = session.get(Official, owner_id) if owner_id else None
    ids = list(coordinator_ids)
    paths = {u.id: u.path_ids for u in session.exec(select(Unit).where(col(Unit.id).in_(ids)))
             } if ids else {}
    active = owner is not None and owner.active
    return OrgFacts(
        lead_unit_path=lead.path_ids if lead else None,
        owner_unit_id=owner.unit_id if active and owner else None,
        known_unit_ids=frozenset(paths),
        owner_roles=parse_roles(owner.roles) if active and owner else frozenset(),
        coordinator_paths=paths,
    )


def draft_facts(session: Session, draft: TaskDraft) -> OrgFacts:
    return org_facts(session, draft.lead_unit_id, draft.owner_id,
                     [c.unit_id for c in draft.coordinators])


def task_parties(session: Session, task: Task) -> TaskParties:
    assigner = session.get(Official, task.assigner_id)
    return TaskParties(
        owner_id=task.owner_id,
        lead_unit_heads=frozenset(unit_heads(session, task.lead_unit_id)),
        assigner=actor_of(session, assigner) if assigner else None,
        lead_unit_path=path_ids(task.lead_unit_path),
    )


def task_scope(session: Session, task: Task) -> TaskScope:
    paths = session.exec(
        select(Unit.path).join(TaskCoordinator, col(TaskCoordinator.unit_id) == Unit.id)
        .where(TaskCoordinator.task_id == task.id)).all()
    return TaskScope(
        lead_unit_path=path_ids(task.lead_unit_path),
        owner_id=task.owner_id, assigner_id=task.assigner_id,
        coordinator_paths=tuple(path_ids(path) for path in paths),
    )


# Batch reads for the API's loaders ------------------------------------------------------------


def units_by_id(session: Session, ids: Iterable[str]) -> dict[str, Unit]:
    rows = session.exec(select(Unit).where(col(Unit.id).in_(list(ids)))).all()
    return {u.id: u for u in rows}


def officials_by_id(session: Session, ids: Iterable[str]) -> dict[str, Official]:
    rows = session.exec(select(Official).where(col(Official.id).in_(list(ids)))).all()
    return {o.id: o for o in rows}


def root_units(session: Session) -> list[Unit]:
    return list(session.exec(select(Unit).where(col(Unit.parent_id).is_(None))
                             .order_by(col(Unit.sort_order), col(Unit.name))).all())


def _grouped(rows: Sequence[R], key: Callable[[R], str]) -> dict[str, list[R]]:
    """Rows by key, each group in the rows' order."""
    grouped: dict[str, list[R]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


def children_of(session: Session, parent_ids: Sequence[str]) -> dict[str, list[Unit]]:
    rows = session.exec(select(Unit).where(col(Unit.parent_id).in_(parent_ids))
                        .order_by(col(Unit.sort_order), col(Unit.name))).all()
    return _grouped(rows, lambda row: row.parent_id or "")


def members_of(session: Session, unit_ids: Sequence[str]) -> dict[str, list[Official]]:
    rows = session.exec(select(Official).where(col(Official.unit_id).in_(unit_ids),
                                               col(Official.active).is_(True))
                        .order_by(col(Official.full_name))).all()
    return _grouped(rows, lambda row: row.unit_id)


def coordinators_of(session: Session, task_ids: Sequence[str]) -> dict[str, list[TaskCoordinator]]:
    rows = session.exec(select(TaskCoordinator).where(col(TaskCoordinator.task_id).in_(task_ids))
                        .order_by(col(TaskCoordinator.unit_id))).all()
    return _grouped(rows, lambda row: row.task_id)


def milestones_of(session: Session, task_ids: Sequence[str]) -> dict[str, list[TaskMilestone]]:
    rows = session.exec(select(TaskMilestone).where(col(TaskMilestone.task_id).in_(task_ids))
                        .order_by(col(TaskMilestone.position))).all()
    return _grouped(rows, lambda row: row.task_id)


def unit_head(officials: Sequence[Official]) -> Official | None:
    """Who answers for a unit (heads_of): its head; for a People's Committee, its chairman."""
    heads = heads_of([(o.id, o.role_list) for o in officials])
    return next((o for o in officials if heads and o.id == heads[0]), None)


def get_unit(session: Session, unit_id: str) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise not_found("Không tìm thấy đơn vị.")
    return unit
