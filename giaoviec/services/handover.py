"""Handing over the open tasks of officials who left their unit (`giaoviec import` records
them, giaoviec.orgdata.handovers.record_handovers): each goes to the head of its lead unit, to
reassign — or, with no head, to the one who assigned it — through the task's own workflow, so
the trail says who had it, who has it now and why. Idempotent: run again after a crash, it
finishes what is left and repeats nothing."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlmodel import col, select

from domain.errors import Code, DomainError
from domain.lifecycle import TERMINAL_STATES, Action, Relation
from domain.record import Command
from domain.substitution import handover_target
from giaoviec.reads.org import members
from giaoviec.services.tasks import TaskService
from giaoviec.store.db import session_scope
from giaoviec.store.models import HandOver, Official, Task, Unit

log = logging.getLogger(__name__)


def _pending(service: TaskService) -> list[tuple[str, str, str | None, str]]:
    """(task, from, to, note) for every hand-over not yet done."""
    out: list[tuple[str, str, str | None, str]] = []
    with session_scope(service.engine) as session:
        rows = session.exec(select(HandOver).where(col(HandOver.done_at).is_(None))
                            .order_by(col(HandOver.created_at), col(HandOver.task_id))).all()
        for h in rows:
            task = session.get(Task, h.task_id)
            official = session.get(Official, h.from_official_id)
            assigner = session.get(Official, task.assigner_id) if task else None
            if task is None or official is None:
                continue
            target = handover_target(official.id, members(session, task.lead_unit_id),
                                     task.assigner_id, bool(assigner and assigner.active))
            unit = session.get(Unit, official.unit_id)
            where = f"chuyển công tác sang {unit.name}" if h.reason == "moved" and unit \
                else "thôi công tác"
            note = (f"Đồng chí {official.full_name} {where}: bàn giao nhiệm vụ để phân công "
                    f"lại.")
            out.append((h.task_id, official.id, target, note))
    return out


def _done(service: TaskService, task_id: str, from_id: str, to_id: str | None) -> None:
    with session_scope(service.engine) as session:
        h = session.get(HandOver, (task_id, from_id))
        if h is not None:
            h.done_at, h.to_official_id = datetime.now(UTC), to_id
            session.add(h)


async def complete_handovers(service: TaskService) -> tuple[int, int]:
    """Hand over every pending task; (handed over, left pending for want of anyone)."""
    done = left = 0
    for task_id, from_id, to_id, note in await asyncio.to_thread(_pending, service):
        if to_id is None:
            log.error("task %s: nobody to hand it to from %s", task_id, from_id)
            left += 1
            continue
        try:
            view = await service.record(task_id)
            if view.owner_id == from_id and view.state not in TERMINAL_STATES:
                await service.execute(task_id, Command(
                    Action.HAND_OVER, "", [Relation.ORGANISATION], note=note,
                    new_owner_id=to_id))
        except DomainError as err:
            if err.code != Code.ILLEGAL_TRANSITION:  # closed meanwhile: nothing to hand over
                raise
        await asyncio.to_thread(_done, service, task_id, from_id, to_id)
        done += 1
    return done, left
