"""How big a plan may be, decided from its counts before any row is validated, and how many
faults a refusal lists.

Validation costs one six-"rõ" check per item × lead unit × product: 200 × 500 × 20 would be
two million checks for an 18 KB request. The task cap is checked on the counts first, so a
plan over it costs nothing more; a refusal lists at most MAX_FAULTS faults and says how many
it left out (`DomainError.more_fields`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from domain.errors import DomainError, FieldIssue, validation_error
from domain.ro import RO_VIEC

MAX_ITEMS = 200
MAX_PRODUCTS = 20  # per item
MAX_LEAD_UNITS = 500  # per item: every commune of the largest province fits
MAX_TASKS = 2_000  # per plan
MAX_FAULTS = 100  # listed in one refusal; the rest are counted


def planned_tasks(shape: Iterable[tuple[int, int]]) -> int:
    """How many tasks a plan would assign: one per lead unit and product of each item
    (`shape`: each item's number of lead units and of products)."""
    return sum(max(units, 1) * products for units, products in shape)


def size_issues(items: int, shape: Iterable[tuple[int, int]]) -> list[FieldIssue]:
    """Refusals from the counts alone, checked before anything else is."""
    if items > MAX_ITEMS:
        return [FieldIssue("items", "TOO_MANY_ITEMS",
                           f"Một kế hoạch có tối đa {MAX_ITEMS} dòng.", RO_VIEC)]
    total = planned_tasks(shape)
    if total > MAX_TASKS:
        return [FieldIssue("items", "TOO_MANY_TASKS",
                           f"Kế hoạch giao {total} nhiệm vụ; một kế hoạch giao tối đa "
                           f"{MAX_TASKS} nhiệm vụ.", RO_VIEC)]
    return []


def check_size(items: int, shape: Iterable[tuple[int, int]]) -> None:
    if issues := size_issues(items, shape):
        raise validation_error(issues, "Kế hoạch")


def capped(err: DomainError) -> DomainError:
    """The refusal with at most MAX_FAULTS faults, counting those left out."""
    if len(err.fields) <= MAX_FAULTS:
        return err
    return replace(err, fields=err.fields[:MAX_FAULTS],
                   more_fields=err.more_fields + len(err.fields) - MAX_FAULTS)
