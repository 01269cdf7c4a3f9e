"""TallyWorkflow: the weekly kiểm đếm and giao ban briefing, started by a Temporal Schedule
every Monday morning, or on demand (generateBriefing) — the same code path either way; and the
periodic reports (6-month before 05/6, annual before 05/12) on their own Schedules."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.periods import PeriodKind, parse_period, period_containing, week_just_ended
    from workflows.contracts import TallyOutcome, TallyRequest

TALLY_ACTIVITY = "tally_and_brief"


@workflow.defn
class TallyWorkflow:
    @workflow.run
    async def run(self, period: str | None = None, kind: str | None = None) -> TallyOutcome:
        """A given period; or, by the workflow's own clock, the current period of a kind (the
        periodic reports: "half", "year"); or else the week that has just ended."""
        if period:
            key = parse_period(period).key
        elif kind:
            key = period_containing(workflow.now(), PeriodKind(kind)).key
        else:
            key = week_just_ended(workflow.now()).key
        return await workflow.execute_activity(
            TALLY_ACTIVITY,
            TallyRequest(key),
            result_type=TallyOutcome,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
        )
