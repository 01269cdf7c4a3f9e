"""one substitute a day, held by the database: substitution_day

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 03:50:00

"""

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    days = op.create_table(
        "substitution_day",
        sa.Column("official_id", AutoString(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("substitution_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["official_id"], ["official.id"]),
        sa.ForeignKeyConstraint(["substitution_id"], ["substitution.id"]),
        sa.PrimaryKeyConstraint("official_id", "day"),
    )
    op.create_index(op.f("ix_substitution_day_substitution_id"), "substitution_day",
                    ["substitution_id"], unique=False)
    # The days of substitutions still standing; where two overlap (recorded concurrently
    # before this table), the earlier keeps the day.
    rows = op.get_bind().execute(sa.text(
        "SELECT id, official_id, starts_on, ends_on FROM substitution "
        "WHERE cancelled_at IS NULL ORDER BY id")).all()
    taken: set[tuple[str, object]] = set()
    out = []
    for sub_id, official_id, starts_on, ends_on in rows:
        day, last = _day(starts_on), _day(ends_on)
        while day <= last:
            if (official_id, day) not in taken:
                taken.add((official_id, day))
                out.append({"official_id": official_id, "day": day, "substitution_id": sub_id})
            day += timedelta(days=1)
    if out:
        op.bulk_insert(days, out)


def _day(value: object) -> date:
    """A DATE as read by a plain SELECT: a date (PostgreSQL) or its ISO text (SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def downgrade() -> None:
    op.drop_index(op.f("ix_substitution_day_substitution_id"), table_name="substitution_day")
    op.drop_table("substitution_day")
