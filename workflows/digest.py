"""DigestWorkflow: one run of the e-mail digest, started by a Temporal Schedule."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

DIGEST_ACTIVITY = "send_email_digests"


@workflow.defn
class DigestWorkflow:
    @workflow.run
    async def run(self) -> int:
        result = await workflow.execute_activity(
            DIGEST_ACTIVITY, start_to_close_timeout=timedelta(minutes=5),
            result_type=dict,
        )
        return int(result.get("notifications_mailed", 0))
