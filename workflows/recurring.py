"""RecurringRunWorkflow: one run of a recurring duty, started every morning by the duty's
Temporal Schedule (or by a test playing the calendar). Its activity works out which
occurrences are due to open and have no task yet (the rule, the organisation, the claims) and
starts each task's own TaskWorkflow — one per unit and period, each with its own deadline and
ladder, independent of this run. A rerun, or a run retried after a crash, starts only what is
still missing."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import OPEN_OCCURRENCES, RecurringAsOf, RecurringRun


@workflow.defn
class RecurringRunWorkflow:
    @workflow.run
    async def run(self, request: RecurringRun) -> int:
        opened = await OPEN_OCCURRENCES.run(RecurringAsOf(request.rule_id, workflow.now()))
        return len(opened.task_ids)
