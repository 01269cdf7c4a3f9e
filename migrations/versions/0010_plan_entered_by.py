"""who keyed a plan in for its signer ("nhập thay")

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 04:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entered_by_id", AutoString(length=64), nullable=True))
        batch_op.create_foreign_key("fk_plan_entered_by_id_official", "official",
                                    ["entered_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_constraint("fk_plan_entered_by_id_official", type_="foreignkey")
        batch_op.drop_column("entered_by_id")
