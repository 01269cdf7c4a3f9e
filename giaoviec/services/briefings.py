"""Generating a briefing now: through the very workflow the weekly Schedule starts."""

from __future__ import annotations

import uuid

from temporalio.client import Client

from domain.periods import Period
from workflows.contracts import TallyOutcome, TallyRequest
from workflows.tally import BriefingWorkflow


async def generate(client: Client, task_queue: str, period: Period) -> TallyOutcome:
    """Run the tally for `period` now and wait for it."""
    return await client.execute_workflow(
        BriefingWorkflow.run, TallyRequest(period.key),
        id=f"tally-{period.key}-{uuid.uuid4().hex[:8]}", task_queue=task_queue,
    )
