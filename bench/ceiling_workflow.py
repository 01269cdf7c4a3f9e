"""The ceilings an assignment is measured against: start, run one activity, answer — as an
ordinary activity (the issue's ceiling) and as a local activity (what TaskWorkflow uses to
write the read model). In a module of its own so the workflow sandbox can load it (it cannot
load `__main__`)."""

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


@workflow.defn
class LocalCeilingWorkflow:
    @workflow.run
    async def run(self, value: str) -> str:
        return await workflow.execute_local_activity(
            touch, value, start_to_close_timeout=timedelta(seconds=30))
