"""Setting the working calendar's yearly overrides (the admin's), and telling every open task
so its reminders follow the new calendar."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlmodel import delete

from domain.errors import forbidden, validation_error
from domain.inputs import override_issues
from domain.org import can_set_calendar
from giaoviec.calendar_config import calendar_from
from giaoviec.config import Settings
from giaoviec.reads.calendar import current_calendar
from giaoviec.reads.org import load_actor
from giaoviec.services.tasks import TaskService
from giaoviec.store.db import session_scope
from giaoviec.store.models import CalendarOverride
from workflows.calendar import CalendarRefreshWorkflow
from workflows.contracts import CalendarConfig


async def set_overrides(service: TaskService, settings: Settings, actor_id: str,
                        days_off: Sequence[date], working_days: Sequence[date],
                        note: str | None = None, *, wait: bool = False) -> CalendarConfig:
    """Replace the stored overrides with these, take them into this process's calendar, and
    start the durable fan-out that re-plans every open task (`wait`: until it is done)."""
    issues = override_issues(days_off, working_days, note)
    if issues:
        raise validation_error(issues, subject="Lịch làm việc")

    def write() -> CalendarConfig:
        with session_scope(service.engine) as session:
            if not can_set_calendar(load_actor(session, actor_id)):
                raise forbidden("Chỉ quản trị hệ thống được thay đổi lịch làm việc.")
            session.exec(delete(CalendarOverride))  # type: ignore[call-overload]
            now = datetime.now(UTC)
            for day, working in [*((d, False) for d in set(days_off)),
                                 *((d, True) for d in set(working_days))]:
                session.add(CalendarOverride(day=day, working=working, note=note or "",
                                             set_by=actor_id, set_at=now))
            session.flush()
            return current_calendar(settings, session)[1]

    config = await asyncio.to_thread(write)
    service.calendar, service.calendar_config = calendar_from(config), config
    handle = await service.client.start_workflow(
        CalendarRefreshWorkflow.run, config, id=f"calendar-refresh-{uuid.uuid4().hex}",
        task_queue=service.task_queue)
    if wait:
        await handle.result()
    return config
