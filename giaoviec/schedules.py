"""Temporal Schedules giaoviec relies on, installed idempotently at start-up and deploy."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from giaoviec.config import Settings
from workflows.digest import DigestWorkflow
from workflows.tally import TallyWorkflow

DIGEST_SCHEDULE_ID = "giaoviec-email-digest"
TALLY_SCHEDULE_ID = "giaoviec-weekly-tally"
TIME_ZONE = "Asia/Ho_Chi_Minh"


def digest_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DigestWorkflow.run, id="email-digest", task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(minutes=settings.digest_every_minutes))]
        ),
        # A digest that is still running makes the next one wait its turn, never pile up.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


def tally_schedule(settings: Settings) -> Schedule:
    """Every week at the configured time: the tally of the week just ended."""
    # Temporal counts days of week from Sunday = 0; ISO 7 (Sunday) is 0 there.
    weekday = settings.tally_weekday % 7
    return Schedule(
        action=ScheduleActionStartWorkflow(
            TallyWorkflow.run, id="weekly-tally", task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(
                day_of_week=[ScheduleRange(weekday)],
                hour=[ScheduleRange(settings.tally_hour)],
                minute=[ScheduleRange(settings.tally_minute)],
                comment="Kiểm đếm nhiệm vụ hằng tuần",
            )],
            time_zone_name=TIME_ZONE,
        ),
        # A missed week (server down) is caught up once within six days, never piled up; a
        # run for a period already tallied changes nothing unless the numbers changed.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP,
                              catchup_window=timedelta(days=6)),
    )


async def ensure_schedule(client: Client, schedule_id: str, schedule: Schedule) -> bool:
    """Create the schedule, or bring an existing one in line; True when newly created."""
    try:
        await client.create_schedule(schedule_id, schedule)
        return True
    except ScheduleAlreadyRunningError:
        def update(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(update)
        return False


async def ensure_schedules(client: Client, settings: Settings) -> None:
    await ensure_schedule(client, DIGEST_SCHEDULE_ID, digest_schedule(settings))
    await ensure_schedule(client, TALLY_SCHEDULE_ID, tally_schedule(settings))
