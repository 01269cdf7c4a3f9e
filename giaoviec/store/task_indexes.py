"""What the task table's indexes hold and cover, named once for the models and the reads."""

from __future__ import annotations

from domain.lifecycle import TaskState

# What giaoviec.reads.counts reads of a task besides its path, state and deadline; what the
# awaiting-decision conditions and the visibility test read (both for index-only scans).
SUBTREE_COUNT_COLUMNS = ("lead_unit_id", "created_at", "submitted_at", "completed_at",
                         "paused_at", "cancelled_at", "declined_at", "returned_at", "flagged",
                         "extension_requested_deadline")
AWAITING_DECISION_COLUMNS = ("id", "state", "extension_requested_deadline", "lead_unit_path",
                             "owner_id")
AWAITING_DECISION_SUPERSET = "state = 'submitted' OR extension_requested_deadline IS NOT NULL"
# What the candidates' query of giaoviec.reads.decisions reads of what may await a decision,
# for an index-only scan of each of the visibility test's alternatives.
AWAITING_CANDIDATE_COLUMNS = ("state", "extension_requested_deadline")
# The tasks a live count works out one by one (giaoviec.reads.live_counts): not completed (the
# database's rollup has those, giaoviec.store.completed_counts), cancelled or declined (never
# counted) — a quarter of them at a million.
NOT_OPEN_STATES = (TaskState.COMPLETED.value, TaskState.CANCELLED.value,
                   TaskState.DECLINED.value)
OPEN_ROWS = f"state NOT IN ({', '.join(repr(s) for s in NOT_OPEN_STATES)})"
