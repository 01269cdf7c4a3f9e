"""completed tasks counted per lead unit by triggers (completedcount)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 12:00:00

A province's figures read every task of its subtree, three in four of them completed, whose
standing never changes again. The database now keeps their number per lead unit path, on
time and late, by triggers on `task` (giaoviec.store.completed_counts); the counts read it
with a live clock and count only the open tasks row by row (giaoviec.reads.live_counts),
from an index of their own (ix_task_open_subtree: 30 MB at a million, ix_task_subtree 173).
The tasks already recorded are counted here, under a lock that holds writers off meanwhile.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from giaoviec.store import completed_counts

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# As giaoviec.store.models.SUBTREE_COUNT_COLUMNS and OPEN_ROWS stood at this revision.
INCLUDE = ["lead_unit_id", "created_at", "submitted_at", "completed_at", "paused_at",
           "cancelled_at", "declined_at", "returned_at", "flagged",
           "extension_requested_deadline"]
OPEN_ROWS = "state NOT IN ('completed', 'cancelled', 'declined')"
PATTERN = {"lead_unit_path": "varchar_pattern_ops"}


def upgrade() -> None:
    # The open tasks' part of ix_task_subtree: what a live count still reads row by row.
    op.create_index("ix_task_open_subtree", "task", ["lead_unit_path", "state", "deadline"],
                    unique=False, postgresql_ops=PATTERN, postgresql_include=INCLUDE,
                    postgresql_where=sa.text(OPEN_ROWS), sqlite_where=sa.text(OPEN_ROWS))
    op.create_table(
        "completedcount",
        sa.Column("lead_unit_path", AutoString(length=2000), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("lead_unit_path"),
    )
    op.create_index("ix_completedcount_subtree", "completedcount", ["lead_unit_path"],
                    unique=False, postgresql_ops=PATTERN,
                    postgresql_include=["on_time", "late"])
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        # No task written between the count and the triggers (the migration's transaction
        # holds the lock until it commits).
        conn.execute(sa.text("LOCK TABLE task IN SHARE ROW EXCLUSIVE MODE"))
    completed_counts.create_triggers(conn)
    completed_counts.rebuild(conn)


def downgrade() -> None:
    completed_counts.drop_triggers(op.get_bind())
    op.drop_index("ix_completedcount_subtree", table_name="completedcount",
                  postgresql_ops=PATTERN,
                  postgresql_include=["on_time", "late"])
    op.drop_table("completedcount")
    op.drop_index("ix_task_open_subtree", table_name="task", postgresql_ops=PATTERN,
                  postgresql_include=INCLUDE, postgresql_where=sa.text(OPEN_ROWS),
                  sqlite_where=sa.text(OPEN_ROWS))
