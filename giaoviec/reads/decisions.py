"""Tasks awaiting the viewer's decision: a submitted product to approve or return, or a
pending extension request to decide, on tasks where he is the assigner or a leader above
him. Who may decide is `domain.org.relations_to_task` with the lifecycle's rules, asked once
per distinct assigner; SQL only narrows the candidates."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select, union
from sqlmodel import Session, col

from domain.lifecycle import RULES, Action, Relation
from domain.org import TaskParties, relations_to_task
from giaoviec.reads.org import Viewer, actors_by_id
from giaoviec.reads.visibility import visibility_alternatives
from giaoviec.store.models import Task

# The actions that ask for a decision of the assigner's side, and who may take them.
DECISIONS = (Action.APPROVE, Action.RETURN, Action.DECIDE_EXTENSION)


def _deciders() -> frozenset[Relation]:
    found: frozenset[Relation] = frozenset()
    for action in DECISIONS:
        found |= RULES[action].allowed
    return found


def awaiting_decision() -> ColumnElement[bool]:
    """A submitted product (approve/return), or an extension request waiting in a state in
    which it may be decided."""
    submitted = col(Task.state).in_([s.value for s in RULES[Action.APPROVE].from_states])
    extension = and_(
        col(Task.extension_requested_deadline).is_not(None),
        col(Task.state).in_([s.value for s in RULES[Action.DECIDE_EXTENSION].from_states]),
    )
    return or_(submitted, extension)


def awaiting_my_decision(session: Session, viewer: Viewer) -> ColumnElement[bool]:
    """The condition for tasks awaiting this viewer's decision."""
    # The assigners of what awaits a decision and the viewer may read: one index range per
    # alternative of the visibility test, united (their OR would read every task that may
    # await anyone's decision).
    candidates = session.execute(union(*(
        select(Task.assigner_id).where(awaiting_decision(), visible)
        for visible in visibility_alternatives(viewer)))).scalars().all()
    assigners = actors_by_id(session, candidates)
    deciders = _deciders()
    allowed = [
        assigner_id for assigner_id in candidates
        if assigner_id in assigners and relations_to_task(
            viewer.actor,
            TaskParties(owner_id="", lead_unit_heads=frozenset(),
                        assigner=assigners[assigner_id]),
        ) & deciders
    ]
    if not allowed:
        return false()
    return and_(awaiting_decision(), col(Task.assigner_id).in_(allowed))
