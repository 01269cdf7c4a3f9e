"""The ceiling an assignment is measured against: start, run one activity, answer. In a module
of its own so the workflow sandbox can load it (it cannot load `__main__`)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def touch(value: str) -> str:
    return value


@workflow.defn
class CeilingWorkflow:
    @workflow.run
    async def run(self, value: str) -> str:
        return await workflow.execute_activity(touch, value,
                                               start_to_close_timeout=timedelta(seconds=30))
