"""indexes for a million tasks: subtree, awaiting a decision, a unit's own by deadline

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 03:30:00.000000

`lead_unit_path LIKE '/p/u/%'` (a unit's subtree) could use no index on PostgreSQL: the old
(lead_unit_path, state) index is in the database's collation, which serves no LIKE unless it is
"C". The new one is in varchar_pattern_ops and carries the columns the counts read, so a
province's figures are an index-only scan (docs/benchmarks.md, "A million tasks"). The partial
index finds what awaits an assigner's decision without reading his other tasks; a unit's own
tasks are read by (unit, deadline) in the order its page lists them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As giaoviec.store.models.SUBTREE_COUNT_COLUMNS stood at this revision.
INCLUDE = ["lead_unit_id", "created_at", "submitted_at", "completed_at", "paused_at",
           "cancelled_at", "declined_at", "returned_at", "flagged",
           "extension_requested_deadline"]
# As giaoviec.store.models.AWAITING_DECISION_SUPERSET and _COLUMNS stood at this revision.
AWAITING = "state = 'submitted' OR extension_requested_deadline IS NOT NULL"
AWAITING_INCLUDE = ["id", "state", "extension_requested_deadline", "lead_unit_path", "owner_id"]


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_unitpath_state")
        batch_op.create_index("ix_task_awaiting_decision", ["assigner_id", "deadline"],
                              unique=False, postgresql_where=sa.text(AWAITING),
                              sqlite_where=sa.text(AWAITING),
                              postgresql_include=AWAITING_INCLUDE)
        batch_op.drop_index("ix_task_lead_unit_id")
        batch_op.create_index("ix_task_unit_deadline", ["lead_unit_id", "deadline"],
                              unique=False)
        batch_op.create_index("ix_task_subtree", ["lead_unit_path", "state", "deadline"],
                              unique=False,
                              postgresql_ops={"lead_unit_path": "varchar_pattern_ops"},
                              postgresql_include=INCLUDE)


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_subtree", postgresql_include=INCLUDE)
        batch_op.drop_index("ix_task_awaiting_decision")
        batch_op.drop_index("ix_task_unit_deadline")
        batch_op.create_index("ix_task_lead_unit_id", ["lead_unit_id"], unique=False)
        batch_op.create_index("ix_task_unitpath_state", ["lead_unit_path", "state"],
                              unique=False)
