"""Recurring duties as the read model holds them: the rules a viewer may read, their trail,
and each period's roll-up — who has submitted, who has not."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from domain.lifecycle import TaskState
from domain.org import can_read_plan, path_ids
from domain.recurrence import Occurrence, from_json, occurrence_for
from domain.tally import Figures
from giaoviec.reads.counts import Clock
from giaoviec.reads.org import Viewer
from giaoviec.reads.org_counts import counts_grouped
from giaoviec.reads.visibility import visible_tasks
from giaoviec.store.models import RecurringRule, RecurringRuleEvent, Task, Unit

MAX_RULES = 100
SUBMITTED = frozenset({TaskState.SUBMITTED.value, TaskState.COMPLETED.value})


def readable(viewer: Viewer, rule: RecurringRule) -> bool:
    """A recurring duty is a document of the unit that set it: read as a plan is."""
    return can_read_plan(viewer.actor, rule.creator_id, path_ids(rule.creator_unit_path))


def readable_rule(session: Session, viewer: Viewer, rule_id: str) -> RecurringRule | None:
    rule = session.get(RecurringRule, rule_id)
    return rule if rule is not None and readable(viewer, rule) else None


def list_rules(session: Session, viewer: Viewer, unit_id: str | None = None,
               first: int = 50, *, plan_id: str | None = None) -> list[RecurringRule]:
    """The rules the viewer may read, newest first; `unit_id`: those given to that unit or to a
    unit inside it (a commune's chairman sees his phòng's duties); `plan_id`: a plan's."""
    query = select(RecurringRule).order_by(col(RecurringRule.created_at).desc(),
                                           col(RecurringRule.id))
    if plan_id is not None:
        query = query.where(RecurringRule.plan_id == plan_id)
    rules = [r for r in session.exec(query).all() if readable(viewer, r)]
    if unit_id is not None:
        inside = _units_inside(session, unit_id, {u for r in rules
                                                  for u in json.loads(r.unit_ids)})
        rules = [r for r in rules if inside.intersection(json.loads(r.unit_ids))]
    return rules[:first]


def _units_inside(session: Session, unit_id: str, candidates: set[str]) -> set[str]:
    """Those of `candidates` that are `unit_id` or lie inside it."""
    rows = session.exec(select(Unit.id, Unit.path).where(col(Unit.id).in_(candidates))).all()
    return {uid for uid, path in rows if unit_id in path_ids(path)}


def rule_states(session: Session) -> dict[str, tuple[str, str]]:
    """Every recurring duty, by id: its title and its state (active, paused, ended)."""
    rows = session.exec(select(RecurringRule.id, RecurringRule.title, RecurringRule.state)).all()
    return {rule_id: (title, state) for rule_id, title, state in rows}


def rule_events(session: Session, rule_id: str) -> list[RecurringRuleEvent]:
    return list(session.exec(select(RecurringRuleEvent).where(
        RecurringRuleEvent.rule_id == rule_id).order_by(col(RecurringRuleEvent.at),
                                                        col(RecurringRuleEvent.id))).all())


@dataclass
class PeriodStatus:
    key: str
    occurrence: Occurrence | None
    counts: Figures
    tasks: dict[str, Task] = field(default_factory=dict)  # by unit, those the viewer may read
    not_submitted: list[str] = field(default_factory=list)  # units, in the rule's order


def rule_periods(session: Session, viewer: Viewer, rule: RecurringRule, clock: Clock,
                 last: int = 6) -> list[PeriodStatus]:
    """The latest periods that have tasks, newest first: their kiểm đếm and, unit by unit,
    whether the period's product has been submitted."""
    keys = session.exec(select(Task.period).where(Task.rule_id == rule.id, visible_tasks(viewer))
                        .group_by(Task.period).order_by(col(Task.period).desc())
                        .limit(max(0, min(last, 60)))).all()
    recurrence = from_json(rule.recurrence)
    units = json.loads(rule.unit_ids)
    out: list[PeriodStatus] = []
    for key in keys:
        assert key is not None
        rows = session.exec(select(Task).where(Task.rule_id == rule.id, Task.period == key,
                                               visible_tasks(viewer))).all()
        tasks = {t.lead_unit_id: t for t in rows}
        counts = counts_grouped(session, viewer, None,
                                [Task.rule_id == rule.id, Task.period == key], clock)[""]
        waiting = [u for u in units if u in tasks and tasks[u].state not in SUBMITTED
                   and tasks[u].state != TaskState.CANCELLED.value]
        out.append(PeriodStatus(key, occurrence_for(recurrence, key), counts, tasks, waiting))
    return out
