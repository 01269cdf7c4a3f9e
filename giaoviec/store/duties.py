"""The read model's hold on duplicate recurring duties: one row per unit that a live rule
gives a duty (domain.recurrence.duty_key), so two rules giving the same unit the same duty on
the same calendar cannot both be recorded, however concurrent their creators. A rule that ends
gives its claims up."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class RuleDutyClaim(SQLModel, table=True):
    __tablename__ = "rule_duty_claim"

    unit_id: str = Field(primary_key=True, max_length=64)
    duty_key: str = Field(primary_key=True, max_length=64)  # domain.recurrence.duty_key
    rule_id: str = Field(foreign_key="recurringrule.id", index=True, max_length=64)
