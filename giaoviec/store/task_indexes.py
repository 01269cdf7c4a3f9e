"""What the task table's indexes hold and cover, named once for the models and the reads."""

from __future__ import annotations

from sqlalchemy import Index, text

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

# What an official's counts read (giaoviec.reads.dashboard.counts_by_owner): the counted
# columns and the visibility test's (his subtree, his own, his assigned, the coordinated).
OWNER_COUNT_COLUMNS = ("lead_unit_path", "assigner_id", "id", "state", "deadline",
                       *SUBTREE_COUNT_COLUMNS)

# The task table's indexes (giaoviec.store.models.Task), each with what it serves.
TASK_INDEXES = (
    Index("ix_task_state_deadline", "state", "deadline"),
    # A subtree is `LIKE '/p/u/%'`: on PostgreSQL only a pattern-ops index serves LIKE; with
    # what counts read riding along, a province's figures are an index-only scan; with the
    # id last, its list is read in order per (unit, state) (docs/benchmarks.md).
    Index("ix_task_subtree", "lead_unit_path", "state", "deadline", "id",
          postgresql_ops={"lead_unit_path": "varchar_pattern_ops"},
          postgresql_include=list(SUBTREE_COUNT_COLUMNS)),
    # What may await an assigner's decision (giaoviec.reads.decisions narrows it further):
    # a few percent of the tasks, found by assigner without reading the others.
    Index("ix_task_awaiting_decision", "assigner_id", "deadline",
          postgresql_where=text(AWAITING_DECISION_SUPERSET),
          sqlite_where=text(AWAITING_DECISION_SUPERSET),
          postgresql_include=list(AWAITING_DECISION_COLUMNS)),
    # The open rows of ix_task_subtree alone: a live subtree count reads these and the
    # completed tasks' rollup, not the whole subtree.
    Index("ix_task_open_subtree", "lead_unit_path", "state", "deadline",
          postgresql_ops={"lead_unit_path": "varchar_pattern_ops"},
          postgresql_include=list(SUBTREE_COUNT_COLUMNS),
          postgresql_where=text(OPEN_ROWS), sqlite_where=text(OPEN_ROWS)),
    # An official's tasks (his list, the unit page's officials' counts): with what his counts
    # read riding along, a province chairman's thousands of tasks are an index-only range, not
    # a heap row each (on SQLite, a plain index on owner_id).
    Index("ix_task_owner_counts", "owner_id", postgresql_include=list(OWNER_COUNT_COLUMNS)),
    # A unit's own tasks by deadline (the unit page's list): read in order, no sort.
    Index("ix_task_unit_deadline", "lead_unit_id", "deadline"),
    # Who assigned what may await a decision, by the visibility test's alternatives
    # (giaoviec.reads.visibility.visibility_alternatives), each one index's range: the
    # subtree's (the assigner's by ix_task_awaiting_decision above), the owner's.
    Index("ix_task_awaiting_subtree", "lead_unit_path", "assigner_id",
          postgresql_ops={"lead_unit_path": "varchar_pattern_ops"},
          postgresql_where=text(AWAITING_DECISION_SUPERSET),
          sqlite_where=text(AWAITING_DECISION_SUPERSET),
          postgresql_include=list(AWAITING_CANDIDATE_COLUMNS)),
    Index("ix_task_awaiting_owner", "owner_id",
          postgresql_where=text(AWAITING_DECISION_SUPERSET),
          sqlite_where=text(AWAITING_DECISION_SUPERSET),
          postgresql_include=["assigner_id", *AWAITING_CANDIDATE_COLUMNS]),
    # The flagged tasks (a fraction of a percent), with what a page of them reads: a
    # subtree's flagged list is an index-only scan of these alone.
    Index("ix_task_flagged_subtree", "lead_unit_path", "deadline", "id",
          postgresql_ops={"lead_unit_path": "varchar_pattern_ops"},
          postgresql_where=text("flagged"), sqlite_where=text("flagged = 1")),
)
