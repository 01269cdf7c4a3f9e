"""a plan's recurring duties and what it leaves untracked

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 04:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("untracked", sa.Text(), nullable=True))
    with op.batch_alter_table("recurringrule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_id", AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_recurringrule_plan_id"), ["plan_id"], unique=False)
        batch_op.create_foreign_key("fk_recurringrule_plan_id_plan", "plan", ["plan_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("recurringrule", schema=None) as batch_op:
        batch_op.drop_constraint("fk_recurringrule_plan_id_plan", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_recurringrule_plan_id"))
        batch_op.drop_column("plan_id")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("untracked")
