"""Installing a Temporal Schedule: create it, or bring an existing one in line, so start-up,
deploy and a recurring duty's creation can each run again without harm."""

from __future__ import annotations

import dataclasses

from temporalio.client import (
    Client,
    Schedule,
    ScheduleAlreadyRunningError,
    ScheduleUpdate,
    ScheduleUpdateInput,
)


async def ensure_schedule(client: Client, schedule_id: str, schedule: Schedule) -> bool:
    """Create the schedule, or replace an existing one's definition; True when newly created.
    A pause found on it (an operator's, with its note) is kept: bringing a schedule in line
    never silently resumes it (resuming is `unpause`, on purpose). A recurring duty's Schedule
    is then set paused or not as its rule says (services.recurring.TemporalScheduler.sync)."""
    try:
        await client.create_schedule(schedule_id, schedule)
        return True
    except ScheduleAlreadyRunningError:
        def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
            found = current.description.schedule.state
            if not found.paused or schedule.state.paused:
                return ScheduleUpdate(schedule=schedule)
            state = dataclasses.replace(schedule.state, paused=True, note=found.note)
            return ScheduleUpdate(schedule=dataclasses.replace(schedule, state=state))

        await client.get_schedule_handle(schedule_id).update(update)
        return False
