"""The org chart's counts, within what the viewer may read: what each unit leads itself, and
what it leads with its descendants — for a batch of units from one grouped query under their
common ancestor, added up along the paths (`within`, the one place a subtree is summed). The
figures themselves are counted by `giaoviec.reads.counts` (one rule for every count)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy import ColumnElement, select
from sqlmodel import Session, col

from domain.org import path_ids
from domain.tally import Figures
from giaoviec.reads import live_counts
from giaoviec.reads.counts import FOUR_WAY, Clock, own_figures, total_figures
from giaoviec.reads.org import Viewer
from giaoviec.reads.visibility import visible_tasks
from giaoviec.store.models import Task, Unit


def counts_by_lead_unit(
    session: Session, viewer: Viewer, unit_ids: Sequence[str], clock: Clock
) -> dict[str, Figures]:
    """Tasks each unit leads itself. Units inside the viewer's jurisdiction are read by their
    paths (a task's `lead_unit_path` is its lead unit's path): every such task is visible, so
    no visibility test, and the count is an index-only range of `ix_task_subtree` per unit
    instead of a heap row per task."""
    paths = unit_paths(session, unit_ids)
    inside = bool(paths) and all(p.startswith(viewer.scope_path) for p in paths.values())
    if inside and clock.live:  # the completed ones from the rollup (`live_counts`)
        by_path = live_counts.led_by(session, sorted(set(paths.values())), clock)
        return {unit_id: by_path[path] for unit_id, path in paths.items() if path in by_path}
    if inside:
        conds = [col(Task.lead_unit_path).in_(sorted(set(paths.values())))]
    else:
        conds = [col(Task.lead_unit_id).in_(unit_ids), visible_tasks(viewer)]
    return own_figures(session, conds, clock, only=FOUR_WAY)


def unit_paths(session: Session, unit_ids: Sequence[str]) -> dict[str, str]:
    """The units' materialised paths, by id (those that exist)."""
    return {row[0]: row[1] for row in session.execute(
        select(Unit.id, Unit.path).where(col(Unit.id).in_(unit_ids)))}


def counts_with_descendants(
    session: Session, viewer: Viewer, unit_ids: Sequence[str], clock: Clock
) -> dict[str, Figures]:
    """Tasks led by each unit or any unit below it, for a whole batch of units: one grouped
    query under the batch's common ancestor, rolled up here along the paths."""
    paths = unit_paths(session, unit_ids)
    if not paths:
        return {}
    common = common_prefix(list(paths.values()))
    if len(paths) == 1:  # one unit (the home's figures): one plain sum, nothing to roll up
        return {unit_id: subtree_figures(session, viewer, common, clock) for unit_id in paths}
    return within(subtree_groups(session, viewer, common, clock), paths)


def subtree_figures(session: Session, viewer: Viewer, path: str, clock: Clock) -> Figures:
    """The figures of the tasks led inside the subtree at `path` that the viewer may read, all
    together. Inside his jurisdiction (all visible) and as of now, the completed ones come
    from the database's rollup (`live_counts`)."""
    if path.startswith(viewer.scope_path) and clock.live:
        return live_counts.subtree_total(session, path, clock)
    return total_figures(session, _readable_inside(viewer, path), clock, only=FOUR_WAY)


def subtree_groups(session: Session, viewer: Viewer, path: str,
                   clock: Clock) -> dict[str, Figures]:
    """The figures of the tasks led inside the subtree at `path` that the viewer may read,
    grouped by lead unit path: one index range, from which `within` reads the figures of any
    unit inside it with its descendants (the unit page: the unit's and each child's)."""
    if path.startswith(viewer.scope_path) and clock.live:  # all visible; the rollup's
        return live_counts.subtree_by_path(session, path, clock)
    return own_figures(session, _readable_inside(viewer, path), clock,
                       by=col(Task.lead_unit_path), only=FOUR_WAY)


def _readable_inside(viewer: Viewer, path: str) -> list[ColumnElement[bool]]:
    """The tasks led inside the subtree at `path` that the viewer may read: all of them when
    it lies inside his jurisdiction, so no visibility test there."""
    conds = [col(Task.lead_unit_path).startswith(path, autoescape=True)]
    if not path.startswith(viewer.scope_path):
        conds.append(visible_tasks(viewer))
    return conds


def within(groups: Mapping[str, Figures], paths: Mapping[str, str]) -> dict[str, Figures]:
    """Each unit's figures with its descendants (units given as id -> path), added up from
    figures grouped by lead unit path (`subtree_groups` of a subtree holding them all): a
    group counts toward each unit on its path, itself included."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for unit_id, path in paths.items():
        wanted[path].append(unit_id)
    result = {unit_id: Figures() for unit_id in paths}
    for lead_path, figures in groups.items():
        # Each ancestor's path is a prefix of it ending at a "/": "/a/", "/a/b/", "/a/b/c/".
        end = lead_path.find("/", 1)
        while end != -1:
            for unit_id in wanted.get(lead_path[:end + 1], ()):
                result[unit_id].add(figures)
            end = lead_path.find("/", end + 1)
    return result


def common_prefix(paths: list[str]) -> str:
    """The path of the nearest unit above all of them ("/" when they share none)."""
    parts = [path_ids(p) for p in paths]
    shared: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        shared.append(level[0])
    return "/" + "".join(f"{p}/" for p in shared)


def counts_grouped(
    session: Session, viewer: Viewer, key: ColumnElement[str] | None,
    conds: Sequence[ColumnElement[bool]], clock: Clock,
) -> dict[str, Figures]:
    """The same figures for the tasks matching `conds` the viewer may read, grouped by `key`
    (a plan's tasks by lead unit, a recurring duty's by period), or all together under ""
    when `key` is None (everything split from a task)."""
    where = [*conds, visible_tasks(viewer)]
    if key is None:
        return {"": total_figures(session, where, clock)}
    return own_figures(session, where, clock, by=key)
