"""CalendarRefreshWorkflow: when the working calendar's overrides change, every open task's
workflow hears of it and re-plans its reminders (a durable fan-out: a crash mid-way resumes,
and telling a task twice changes nothing)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import SIGNAL_OPEN_TASKS, CalendarConfig


@workflow.defn
class CalendarRefreshWorkflow:
    @workflow.run
    async def run(self, config: CalendarConfig) -> int:
        """How many open tasks were told."""
        return await SIGNAL_OPEN_TASKS.run(config)
