"""Generating a briefing now: through the very workflow the weekly Schedule starts."""

from __future__ import annotations

import uuid

from temporalio.client import Client

from domain.periods import Period
from workflows.contracts import TallyOutcome, TallyRequest
from workflows.tally import BriefingWorkflow


async def generate(client: Client, task_queue: str, period: Period,
                   unit_id: str | None = None) -> TallyOutcome:
    """Run the tally for `period` now (for one unit's subtree, or every unit) and wait."""
    return await client.execute_workflow(
        BriefingWorkflow.run, TallyRequest(period.key, unit_id=unit_id),
        id=f"tally-{period.key}-{unit_id or 'all'}-{uuid.uuid4().hex[:8]}",
        task_queue=task_queue,
    )
