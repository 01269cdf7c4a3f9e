"""the home's lists: what awaits a decision by subtree and by owner, the flagged, unit paths

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:30:00

A chairman's home asks for the flagged tasks of his subtree and for what awaits his decision.
Both filtered with the visibility test's OR (his subtree, or he owns, or he assigned, or a unit
of his jurisdiction coordinates), which no one index serves: the candidates' query read all of
ix_task_awaiting_decision (33,383 entries at a million, 31,761 thrown away for a province), the
flagged list all 4,975 flagged rows by ix_task_flagged, heap row by heap row. The candidates
are now one index range per alternative, united (giaoviec.reads.decisions): the subtree's in
ix_task_awaiting_subtree, the owner's in ix_task_awaiting_owner, both partial like
ix_task_awaiting_decision and index-only. The flagged are a partial index of their own carrying
what a page reads. ix_unit_path is in varchar_pattern_ops: the units of a jurisdiction
(`path LIKE '/p/%'`, the coordinated tasks' subquery) were a sequential scan of every unit
(docs/benchmarks.md, "The home's lists").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As giaoviec.store.task_indexes.AWAITING_DECISION_SUPERSET and AWAITING_CANDIDATE_COLUMNS
# stood at this revision.
AWAITING = "state = 'submitted' OR extension_requested_deadline IS NOT NULL"
CANDIDATE = ["state", "extension_requested_deadline"]
PATTERN = {"lead_unit_path": "varchar_pattern_ops"}


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index("ix_task_awaiting_subtree", ["lead_unit_path", "assigner_id"],
                              unique=False, postgresql_ops=PATTERN,
                              postgresql_where=sa.text(AWAITING),
                              sqlite_where=sa.text(AWAITING), postgresql_include=CANDIDATE)
        batch_op.create_index("ix_task_awaiting_owner", ["owner_id"], unique=False,
                              postgresql_where=sa.text(AWAITING),
                              sqlite_where=sa.text(AWAITING),
                              postgresql_include=["assigner_id", *CANDIDATE])
        batch_op.create_index("ix_task_flagged_subtree", ["lead_unit_path", "deadline", "id"],
                              unique=False, postgresql_ops=PATTERN,
                              postgresql_where=sa.text("flagged"),
                              sqlite_where=sa.text("flagged = 1"))
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index("ix_unit_path")
        batch_op.create_index("ix_unit_path", ["path"], unique=False,
                              postgresql_ops={"path": "varchar_pattern_ops"})


def downgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index("ix_unit_path")
        batch_op.create_index("ix_unit_path", ["path"], unique=False)
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_flagged_subtree")
        batch_op.drop_index("ix_task_awaiting_owner")
        batch_op.drop_index("ix_task_awaiting_subtree")
