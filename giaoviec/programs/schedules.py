"""Temporal Schedules giaoviec relies on, installed idempotently at start-up and deploy."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.engine import Engine
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)
from temporalio.service import RPCError, RPCStatusCode

from domain.timezone import TIME_ZONE
from giaoviec.config import Settings
from giaoviec.reads import read
from giaoviec.reads.recurring import rule_states
from giaoviec.services.recurring import SCHEDULE_PREFIX, ScheduleChange, TemporalScheduler
from giaoviec.services.schedules import ensure_schedule
from workflows.contracts import TallyRequest
from workflows.digest import DigestWorkflow
from workflows.tally import BriefingWorkflow

DIGEST_SCHEDULE_ID = "giaoviec-email-digest"
TALLY_SCHEDULE_ID = "giaoviec-weekly-tally"
# The seeds' periodic reports: the 6-month report before 05/6, the annual one before 05/12.
# Each is drawn up on the 1st of June / December with the figures of its period so far.
PERIODIC_REPORTS = {
    "giaoviec-half-year-report": (6, "half", "Báo cáo sơ kết 6 tháng (trước ngày 05/6)"),
    "giaoviec-annual-report": (12, "year", "Báo cáo tổng kết năm (trước ngày 05/12)"),
}


def digest_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DigestWorkflow.run, id="email-digest", task_queue=settings.task_queue
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(minutes=settings.digest_every_minutes))]
        ),
        # A digest still running when the next is due: that next one is skipped (dropped,
        # not queued), so digests never pile up; the following interval mails what is due.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


def tally_schedule(settings: Settings) -> Schedule:
    """Every week at the configured time: the tally of the week just ended."""
    # Temporal counts days of week from Sunday = 0; ISO 7 (Sunday) is 0 there.
    weekday = settings.tally_weekday % 7
    return Schedule(
        action=ScheduleActionStartWorkflow(
            BriefingWorkflow.run, TallyRequest(), id="weekly-tally",
            task_queue=settings.task_queue,
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


def periodic_report_schedule(settings: Settings, month: int, kind: str, comment: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            BriefingWorkflow.run, TallyRequest(kind=kind), id=f"{kind}-report",
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(
                month=[ScheduleRange(month)], day_of_month=[ScheduleRange(1)],
                hour=[ScheduleRange(settings.tally_hour)],
                minute=[ScheduleRange(settings.tally_minute)], comment=comment,
            )],
            time_zone_name=TIME_ZONE,
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP,
                              catchup_window=timedelta(days=3)),
    )


async def ensure_schedules(client: Client, settings: Settings) -> None:
    await ensure_schedule(client, DIGEST_SCHEDULE_ID, digest_schedule(settings))
    await ensure_schedule(client, TALLY_SCHEDULE_ID, tally_schedule(settings))
    for schedule_id, (month, kind, comment) in PERIODIC_REPORTS.items():
        await ensure_schedule(
            client, schedule_id, periodic_report_schedule(settings, month, kind, comment))


async def ensure_rule_schedules(client: Client, engine: Engine, task_queue: str
                                ) -> list[tuple[str, str, ScheduleChange]]:
    """Every recurring duty's Schedule in line with the database, which is what counts: an
    active duty's there and awake, a paused one's there and asleep (made again if the Temporal
    server lost it: a new cluster, a restore), an ended one's deleted (a pause, resume or end
    whose second step failed while Temporal was away), and one whose duty is gone removed.
    Idempotent. Returns what changed beyond renewing definitions: (rule id, title, change)."""
    rules = await asyncio.to_thread(read, engine, rule_states)
    scheduler = TemporalScheduler(client, task_queue)
    changes: list[tuple[str, str, ScheduleChange]] = []
    for rule_id, (title, state) in rules.items():
        # Not run now: the next 06:00 run (or its one-day catch-up) opens what is due.
        if (change := await scheduler.sync(rule_id, title, state)) is not None:
            changes.append((rule_id, title, change))
    async for listed in await client.list_schedules():
        rule_id = listed.id[len(SCHEDULE_PREFIX):]
        if listed.id.startswith(SCHEDULE_PREFIX) and rule_id not in rules:
            try:
                await client.get_schedule_handle(listed.id).delete()
                changes.append((rule_id, "", ScheduleChange.REMOVED))
            except RPCError as err:  # the list lags: already gone
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise
    return changes
