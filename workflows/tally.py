"""The weekly kiểm đếm and giao ban briefings, started by a Temporal Schedule every Monday
morning or on demand (generateBriefing) — the same code path either way — and the periodic
reports (6-month before 05/6, annual before 05/12) on their own Schedules."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.periods import PeriodKind, parse_period, period_containing, week_just_ended
    from workflows.contracts import TALLY_AND_BRIEF, TallyOutcome, TallyRequest


def period_key(request: TallyRequest) -> str:
    """The period a request names, by the workflow's own clock when it names none."""
    if request.period:
        return parse_period(request.period).key
    if request.kind:
        return period_containing(workflow.now(), PeriodKind(request.kind)).key
    return week_just_ended(workflow.now()).key


@workflow.defn
class BriefingWorkflow:
    @workflow.run
    async def run(self, request: TallyRequest) -> TallyOutcome:
        return await TALLY_AND_BRIEF.run(TallyRequest(
            period_key(request), unit_id=request.unit_id, now=workflow.now()))


@workflow.defn
class TallyWorkflow:
    """The first version, with loose arguments: kept so that runs started before the upgrade
    (and Schedules not yet updated by `giaoviec schedules`) finish. New runs use
    BriefingWorkflow."""

    @workflow.run
    async def run(self, period: str | None = None, kind: str | None = None) -> TallyOutcome:
        return await TALLY_AND_BRIEF.run(TallyRequest(period_key(TallyRequest(period, kind))))
