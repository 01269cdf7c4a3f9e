"""DigestWorkflow: one run of the e-mail digest, started by a Temporal Schedule."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import SEND_EMAIL_DIGESTS


@workflow.defn
class DigestWorkflow:
    @workflow.run
    async def run(self) -> int:
        result = await SEND_EMAIL_DIGESTS.run()
        return result.notifications_mailed
