"""briefing drafts and issue (register number, corrections), each UBND's tracking unit

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 03:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from giaoviec.store.db import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tracking_unit_id", AutoString(length=64), nullable=True))
        batch_op.create_foreign_key("fk_unit_tracking_unit", "unit", ["tracking_unit_id"],
                                    ["id"])
        # Every request asks which UBND the viewer's unit tracks.
        batch_op.create_index(batch_op.f("ix_unit_tracking_unit_id"), ["tracking_unit_id"],
                              unique=False)

    with op.batch_alter_table("briefing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer_unit_id", AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("issued_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("issued_by_id", AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("register_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("register_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("corrects_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_briefing_issuer_unit", "unit", ["issuer_unit_id"],
                                    ["id"])
        batch_op.create_foreign_key("fk_briefing_issued_by", "official", ["issued_by_id"],
                                    ["id"])
        batch_op.create_foreign_key("fk_briefing_corrects", "briefing", ["corrects_id"], ["id"])
        batch_op.create_unique_constraint(
            "uq_briefing_register", ["issuer_unit_id", "register_year", "register_number"])
    # Briefings made before drafts existed were numbered when made: they stand as issued.
    op.execute("UPDATE briefing SET issued_at = generated_at, issuer_unit_id = root_unit_id")


def downgrade() -> None:
    with op.batch_alter_table("briefing", schema=None) as batch_op:
        batch_op.drop_constraint("uq_briefing_register", type_="unique")
        batch_op.drop_constraint("fk_briefing_corrects", type_="foreignkey")
        batch_op.drop_constraint("fk_briefing_issued_by", type_="foreignkey")
        batch_op.drop_constraint("fk_briefing_issuer_unit", type_="foreignkey")
        batch_op.drop_column("corrects_id")
        batch_op.drop_column("register_number")
        batch_op.drop_column("register_year")
        batch_op.drop_column("issued_by_id")
        batch_op.drop_column("issued_at")
        batch_op.drop_column("issuer_unit_id")

    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_tracking_unit_id"))
        batch_op.drop_constraint("fk_unit_tracking_unit", type_="foreignkey")
        batch_op.drop_column("tracking_unit_id")
