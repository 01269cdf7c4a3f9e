"""domain.plan_limits: a plan over the caps is refused from its counts before any row is
validated; duplicates and missing authority stop a row once; a refusal lists at most 100
faults and counts the rest."""

from __future__ import annotations

import pytest

import domain.plan as plan_module
from domain.errors import Code, DomainError
from domain.plan import PlanFacts, UnitFacts, validate_plan
from domain.plan_limits import MAX_FAULTS, MAX_TASKS, capped, planned_tasks
from tests.unit.test_plan import CAL, CHAIRMAN, FACTS, NOW, item, plan, product


def refusal(draft: plan_module.PlanDraft, facts: PlanFacts = FACTS) -> DomainError:
    with pytest.raises(DomainError) as caught:
        validate_plan(draft, CHAIRMAN, facts, CAL, NOW)
    return caught.value


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the six-"rõ" checks validate_plan runs."""
    calls: list[int] = []
    real = plan_module.validate_draft

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(plan_module, "validate_draft", counting)
    return calls


def test_a_plan_over_the_task_cap_is_refused_before_any_row_is_checked(checks: list[int]
                                                                        ) -> None:
    # 200 items × 500 lead units × 20 products: two million checks if validated first.
    units = tuple(f"u{n}" for n in range(500))
    products = tuple(product(f"Báo cáo {j}") for j in range(20))
    draft = plan(*(item(*units, products=products) for _ in range(200)))
    err = refusal(draft)  # at once: `checks` shows no row was looked at
    assert err.code == Code.VALIDATION
    assert [(f.field, f.code) for f in err.fields] == [("items", "TOO_MANY_TASKS")]
    assert "2000000" in err.fields[0].message
    assert checks == []


def test_duplicate_lead_units_stop_the_row(checks: list[int]) -> None:
    products = tuple(product(f"Báo cáo {j}") for j in range(20))
    err = refusal(plan(item("snv", "snv", products=products, description="")))
    assert [(f.row, f.code) for f in err.fields] == [(1, "DUPLICATE_LEAD_UNIT")]
    assert checks == []


def test_missing_authority_is_found_once_per_unit(checks: list[int]) -> None:
    outside = {f"x{n}": UnitFacts(("tinh-khac", f"x{n}"), (f"ct.x{n}",), f"Xã {n}")
               for n in range(100)}
    facts = PlanFacts(units={**FACTS.units, **outside}, officials=FACTS.officials)
    products = tuple(product(f"Báo cáo {j}") for j in range(20))
    err = refusal(plan(item(*outside, products=products)), facts)
    assert err.code == Code.FORBIDDEN
    # Capped at 100 in any case; each unit once, and never a check of its 20 products.
    assert {f.code for f in err.fields} == {"NO_AUTHORITY"}
    assert len({f.field for f in err.fields}) == len(err.fields)
    assert checks == []


def test_a_refusal_lists_at_most_100_faults_and_counts_the_rest() -> None:
    err = refusal(plan(*(item("snv", description="") for _ in range(150))))
    assert err.code == Code.VALIDATION
    assert len(err.fields) == MAX_FAULTS
    assert err.more_fields == 50
    assert capped(err) is err


def test_the_task_count_is_one_per_unit_and_product() -> None:
    assert planned_tasks([(500, 4)]) == MAX_TASKS
    assert planned_tasks([(0, 3), (2, 2)]) == 7  # a row without units still counts its products
