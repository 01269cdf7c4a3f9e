"""briefings named by an unguessable public id, not their sequential key

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 05:10:00

The API and the file URLs named a briefing by its integer key, so one could count briefings and
walk them. Each briefing gets a random URL-safe token (128 bits); existing rows get one here.
Links already sent in notifications (/briefings/<integer>/html) stop working: they answer 404,
as any unknown id does; the dashboard links the briefing afresh.
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("briefing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_id", AutoString(length=43), nullable=True))
    bind = op.get_bind()
    # As giaoviec.store.public_ids.new_public_id stood at this revision.
    for (key,) in bind.execute(sa.text("SELECT id FROM briefing ORDER BY id")).all():
        bind.execute(sa.text("UPDATE briefing SET public_id = :token WHERE id = :id"),
                     {"token": secrets.token_urlsafe(16), "id": key})
    with op.batch_alter_table("briefing", schema=None) as batch_op:
        batch_op.alter_column("public_id", existing_type=AutoString(length=43), nullable=False)
        batch_op.create_index(batch_op.f("ix_briefing_public_id"), ["public_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("briefing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_briefing_public_id"))
        batch_op.drop_column("public_id")
