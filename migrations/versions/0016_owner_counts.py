"""an official's counts from one index: ix_task_owner_counts replaces ix_task_owner_id

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 14:40:00

The unit page counts each of the unit's officials' tasks (the responsible official's). For a
province's chairman, 4,448 tasks at a million, that was a bitmap scan of ix_task_owner_id and a
heap row per task (4,188 blocks, 16 ms in EXPLAIN ANALYZE). The owner's index now carries what
those counts read, on PostgreSQL, so they are an index-only range (3 ms); on SQLite it is the
same plain index on owner_id under a new name (docs/benchmarks.md, "An official's counts").
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As giaoviec.store.task_indexes.OWNER_COUNT_COLUMNS stood at this revision.
OWNER_COUNT = ["lead_unit_path", "assigner_id", "id", "state", "deadline", "lead_unit_id",
               "created_at", "submitted_at", "completed_at", "paused_at", "cancelled_at",
               "declined_at", "returned_at", "flagged", "extension_requested_deadline"]


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index("ix_task_owner_counts", ["owner_id"], unique=False,
                              postgresql_include=OWNER_COUNT)
        batch_op.drop_index("ix_task_owner_id")


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index("ix_task_owner_id", ["owner_id"], unique=False)
        batch_op.drop_index("ix_task_owner_counts")
