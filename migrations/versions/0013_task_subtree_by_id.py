"""ix_task_subtree ends with the task id: a subtree's page read in order per (unit, state)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 06:30:00

A province's task list (its subtree, some states, a deadline window, 50 a page by deadline
then id) walked ix_task_deadline and threw away the window's other tasks. It is now the first
page of each (unit, state) read in (deadline, id) order and merged
(giaoviec.reads.tasks._merged_by_unit_and_state): with the id as the index's last key column
each of those reads stops after 51 entries, the keyset cursor is an index condition, and the
ids come from the index alone (docs/benchmarks.md, "A million tasks"). The counts read the
index as before.
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As giaoviec.store.models.SUBTREE_COUNT_COLUMNS stood at this revision.
INCLUDE = ["lead_unit_id", "created_at", "submitted_at", "completed_at", "paused_at",
           "cancelled_at", "declined_at", "returned_at", "flagged",
           "extension_requested_deadline"]
PATTERN = {"lead_unit_path": "varchar_pattern_ops"}


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_subtree", postgresql_include=INCLUDE)
        batch_op.create_index("ix_task_subtree", ["lead_unit_path", "state", "deadline", "id"],
                              unique=False, postgresql_ops=PATTERN,
                              postgresql_include=INCLUDE)


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_subtree", postgresql_include=INCLUDE)
        batch_op.create_index("ix_task_subtree", ["lead_unit_path", "state", "deadline"],
                              unique=False, postgresql_ops=PATTERN,
                              postgresql_include=INCLUDE)
