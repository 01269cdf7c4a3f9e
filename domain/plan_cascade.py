"""A cascade: a task whose product is a plan is answered by the plan its unit issues, which
says so (`fulfilsTaskId`); these are the checks on that link."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import FieldIssue
from domain.lifecycle import TERMINAL_STATES, TaskState
from domain.ro import RO_SAN_PHAM, RO_THAM_QUYEN, RO_THOI_GIAN
from domain.text import fold


@dataclass(frozen=True)
class FulfilsFacts:
    """The task a plan says it fulfils (a cascade: a higher plan ordered this unit's plan)."""

    readable: bool  # exists, and the issuer may read it
    product_kind: str | None = None
    state: TaskState | None = None
    issuer_leads_it: bool = False  # the issuer owns it or heads its lead unit
    fulfilled_by: str | None = None  # a plan already linked to it



PLAN_KIND = "kế hoạch"


def orders_a_plan(product_kind: str | None) -> bool:
    """A task whose product is a plan: the unit it goes to answers with a plan of its own
    (a cascade), which createPlan links to it."""
    return fold(product_kind) == fold(PLAN_KIND)


def fulfils_issues(facts: FulfilsFacts) -> list[FieldIssue]:
    """Whether a plan may say it is the product of this task."""
    where = "fulfilsTaskId"
    if not facts.readable:
        return [FieldIssue(where, "UNKNOWN_TASK", "Không tìm thấy nhiệm vụ mà kế hoạch thực hiện.",
                           RO_THAM_QUYEN)]
    issues: list[FieldIssue] = []
    if not orders_a_plan(facts.product_kind):
        issues.append(FieldIssue(where, "FULFILS_NOT_A_PLAN_TASK",
                                 "Sản phẩm của nhiệm vụ này không phải là một kế hoạch.",
                                 RO_SAN_PHAM))
    if not facts.issuer_leads_it:
        issues.append(FieldIssue(where, "FULFILS_NOT_YOURS",
                                 "Chỉ người chịu trách nhiệm chính hoặc thủ trưởng đơn vị chủ trì "
                                 "nhiệm vụ mới ban hành kế hoạch thực hiện nó.", RO_THAM_QUYEN))
    if facts.state is not None and facts.state in TERMINAL_STATES:
        issues.append(FieldIssue(where, "FULFILS_CLOSED_TASK", "Nhiệm vụ đã kết thúc.",
                                 RO_THOI_GIAN))
    if facts.fulfilled_by is not None:
        issues.append(FieldIssue(where, "ALREADY_FULFILLED",
                                 "Nhiệm vụ này đã có kế hoạch thực hiện.", RO_SAN_PHAM))
    return issues
