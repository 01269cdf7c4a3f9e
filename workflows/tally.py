"""TallyWorkflow: the weekly kiểm đếm and giao ban briefing, started by a Temporal Schedule
every Monday morning, or on demand (generateBriefing) — the same code path either way."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.periods import parse_period, week_just_ended
    from workflows.contracts import TallyOutcome, TallyRequest

TALLY_ACTIVITY = "tally_and_brief"


@workflow.defn
class TallyWorkflow:
    @workflow.run
    async def run(self, period: str | None = None) -> TallyOutcome:
        # Without a period: the week that has just ended, by the workflow's own clock.
        key = parse_period(period).key if period else week_just_ended(workflow.now()).key
        return await workflow.execute_activity(
            TALLY_ACTIVITY,
            TallyRequest(key),
            result_type=TallyOutcome,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
        )
