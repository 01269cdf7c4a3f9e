"""one live recurring duty per unit: a claim per unit and duty (rule_duty_claim)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 06:30:00

Two rules giving a unit the same duty (the same title, case and diacritics aside, on the same
calendar: domain.recurrence.duty_key) were refused by a look before the insert, which two
concurrent creators could both pass. Each live rule now claims its duty for each of its units;
the primary key lets one claim in. Live rules recorded before get their claims here, the
earliest first; a later twin already recorded keeps running without one (it is listed in the
log of this migration).
"""

import json
import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from domain.recurrence import duty_key, from_json

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    op.create_table(
        "rule_duty_claim",
        sa.Column("unit_id", AutoString(length=64), nullable=False),
        sa.Column("duty_key", AutoString(length=64), nullable=False),
        sa.Column("rule_id", AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["rule_id"], ["recurringrule.id"]),
        sa.PrimaryKeyConstraint("unit_id", "duty_key"),
    )
    with op.batch_alter_table("rule_duty_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_duty_claim_rule_id"), ["rule_id"],
                              unique=False)
    bind = op.get_bind()
    claimed: set[tuple[str, str]] = set()
    rows = bind.execute(sa.text(
        "SELECT id, title, recurrence, unit_ids FROM recurringrule WHERE state <> 'ended' "
        "ORDER BY created_at, id")).all()
    for rule_id, title, recurrence, unit_ids in rows:
        key = duty_key(title, from_json(recurrence))
        for unit_id in json.loads(unit_ids):
            if (unit_id, key) in claimed:
                log.warning("recurring rule %s repeats a live duty of unit %s", rule_id, unit_id)
                continue
            claimed.add((unit_id, key))
            bind.execute(sa.text("INSERT INTO rule_duty_claim (unit_id, duty_key, rule_id) "
                                 "VALUES (:unit, :key, :rule)"),
                         {"unit": unit_id, "key": key, "rule": rule_id})


def downgrade() -> None:
    with op.batch_alter_table("rule_duty_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_duty_claim_rule_id"))
    op.drop_table("rule_duty_claim")
