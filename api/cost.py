"""What a query costs, computed from the document before anything runs (issue 16 item 3).

A field costs its own weight, plus, for what is selected under it, that selection's cost times
how many items the field may return: `first` (or the field's default) for a page, an estimate
for an unbounded list. A field read from the row already fetched costs nothing; a related
object through a loader costs 1; the counts and other aggregates cost more (WEIGHTS). Over
MAX_COST the query is refused with QUERY_TOO_COSTLY before any resolver runs; from EXPENSIVE
on, a read also spends one of the official's expensive reads (api/ratelimit.py). The model and
its figures are in docs/security.md. Every operation's cost is charged to the official's cost
budget per minute, and he runs one expensive operation at a time in a process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry import Schema
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from domain.errors import Code, DomainError
from giaoviec.reads.notifications import MAX_NOTIFICATIONS
from giaoviec.reads.plans import MAX_PLANS
from giaoviec.reads.tasks import MAX_PAGE

QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
MAX_COST = 5000
# Operations costing this much: one at a time per official (api/db_share.py
# EXPENSIVE_AT_ONCE); reads among them counted per official too (rate_expensive_reads).
EXPENSIVE = 1500
UNBOUNDED_LIST = 20  # the estimate for a list no argument bounds: children, coordinators…
BUSY = ("Một yêu cầu nặng khác của đồng chí đang chạy; đề nghị chờ nó xong rồi gửi tiếp (mỗi "
        "lúc một yêu cầu nặng).")
MESSAGE = ("Truy vấn quá nặng (chi phí ước tính {cost}, tối đa {limit}): đề nghị lấy ít bản "
           "ghi hơn (first) hoặc bớt các trường kiểm đếm lồng nhau, tách thành nhiều truy vấn.")


@dataclass(frozen=True)
class ListSize:
    """How many items a field may return: its argument `arg` (else `default`), at most
    `maximum`; a connection's size is set on the field returning it, and its `edges` count 1."""

    default: int
    arg: str | None = None
    maximum: int | None = None


SIZES: dict[tuple[str, str], ListSize] = {
    ("Query", "tasks"): ListSize(50, "first", MAX_PAGE),
    ("TaskConnection", "edges"): ListSize(1),
    ("Query", "plans"): ListSize(50, "first", MAX_PLANS),
    ("Query", "notifications"): ListSize(50, "first", MAX_NOTIFICATIONS),
    ("Query", "tallyTrend"): ListSize(12, "weeks", 52),
    ("RecurringRule", "periods"): ListSize(6, "last", 24),
    ("Unit", "children"): ListSize(50),  # a province's communes are the widest level
    ("Unit", "officials"): ListSize(50),
}

# Own weights beyond the default (1 for a field with a resolver returning objects, else 0),
# per item: an aggregate a loader batches is one grouped query for the whole level (2-3); a
# read made row by row is a query per item (5-10).
WEIGHTS: dict[tuple[str, str], int] = {
    ("Query", "tasks"): 10, ("Query", "plans"): 5, ("Query", "tally"): 20,
    ("Query", "tallyTrend"): 5, ("Query", "scores"): 20, ("Query", "briefing"): 5,
    ("Query", "checkAssignment"): 20, ("Query", "taskHistory"): 2,
    ("Query", "recurringRules"): 5, ("Query", "notifications"): 2,
    # Batched by loaders.
    ("Unit", "counts"): 2, ("Unit", "countsWithDescendants"): 3, ("Official", "counts"): 2,
    ("Plan", "counts"): 3, ("Plan", "byUnit"): 3, ("Task", "subtaskCounts"): 3,
    ("Task", "availableActions"): 3, ("Task", "plan"): 3, ("Task", "fulfilledBy"): 2,
    ("Task", "parent"): 2, ("Task", "chain"): 2, ("Task", "subtasks"): 2,
    # Read row by row.
    ("Official", "jurisdiction"): 5, ("Plan", "fulfils"): 5, ("Plan", "cascade"): 10,
    ("Plan", "notIssued"): 10,
    # Mutations whose work grows with what they are given (a plan of up to 2,000 tasks parsed
    # and validated): expensive whatever the document says.
    ("Mutation", "createPlan"): EXPENSIVE, ("Mutation", "importPlan"): EXPENSIVE,
}
MUTATION_WEIGHT = 10


class _Costing:
    def __init__(self, schema: Schema, document: DocumentNode,
                 variables: Mapping[str, Any] | None) -> None:
        self.schema = schema
        self.variables = variables or {}
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}

    def selection(self, node: SelectionSetNode | None, parent: GraphQLObjectType,
                  seen: frozenset[str] = frozenset()) -> int:
        if node is None:
            return 0
        total = 0
        for sel in node.selections:
            if isinstance(sel, FieldNode):
                total += self.field(sel, parent, seen)
            elif isinstance(sel, InlineFragmentNode):
                total += self.selection(sel.selection_set, self._narrowed(sel, parent), seen)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                fragment = self.fragments.get(sel.name.value)
                if fragment is not None:  # validation has refused unknown ones
                    total += self.selection(fragment.selection_set,
                                            self._narrowed(fragment, parent),
                                            seen | {sel.name.value})
        return total

    def _narrowed(self, node: InlineFragmentNode | FragmentDefinitionNode,
                  parent: GraphQLObjectType) -> GraphQLObjectType:
        if node.type_condition is None:
            return parent
        named = self.schema._schema.get_type(node.type_condition.name.value)
        return named if isinstance(named, GraphQLObjectType) else parent

    def field(self, node: FieldNode, parent: GraphQLObjectType, seen: frozenset[str]) -> int:
        name = node.name.value
        definition = parent.fields.get(name)
        if definition is None or name.startswith("__"):
            return 0  # introspection (refused in production) and __typename
        returned = get_named_type(definition.type)
        inner = (self.selection(node.selection_set, returned, seen)
                 if isinstance(returned, GraphQLObjectType) else 0)
        return self.own(parent.name, name, returned) + self.size(parent.name, node,
                                                                 definition.type) * inner

    def own(self, parent: str, name: str, returned: Any) -> int:
        if (parent, name) in WEIGHTS:
            return WEIGHTS[(parent, name)]
        if parent == "Mutation":
            return MUTATION_WEIGHT
        if not isinstance(returned, GraphQLObjectType):
            return 0
        found = self.schema.get_field_for_type(field_name=name, type_name=parent)
        return 1 if found is not None and found.base_resolver is not None else 0

    def size(self, parent: str, node: FieldNode, of: GraphQLOutputType) -> int:
        bound = SIZES.get((parent, node.name.value))
        if bound is None:
            return UNBOUNDED_LIST if _is_list(of) else 1
        value = bound.default
        for argument in node.arguments or ():
            if bound.arg is not None and argument.name.value == bound.arg:
                value = self._int(argument.value, bound.default)
        return max(0, min(value, bound.maximum) if bound.maximum is not None else value)

    def _int(self, value: Any, default: int) -> int:
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            given = self.variables.get(value.name.value)
            return given if isinstance(given, int) else default
        return default


def _is_list(of: GraphQLOutputType) -> bool:
    inner = of.of_type if isinstance(of, GraphQLNonNull) else of
    return isinstance(inner, GraphQLList)


def query_cost(schema: Schema, document: DocumentNode, variables: Mapping[str, Any] | None = None,
               operation_name: str | None = None) -> int:
    """The cost of the operation the request runs (the named one, else the only one)."""
    costing = _Costing(schema, document, variables)
    total = 0
    for op in document.definitions:
        if not isinstance(op, OperationDefinitionNode):
            continue
        if operation_name is not None and (op.name is None or op.name.value != operation_name):
            continue
        root = schema._schema.get_root_type(op.operation)
        if root is not None:
            total = max(total, costing.selection(op.selection_set, root))
    return total


def too_costly(cost: int) -> DomainError:
    return DomainError(QUERY_TOO_COSTLY, MESSAGE.format(cost=cost, limit=MAX_COST))


class QueryCost(SchemaExtension):
    """Prices the validated document and refuses it over MAX_COST before it runs; then charges
    it to the asking official (api/ratelimit.py `admit`: his cost budget, and one of his
    expensive reads for an expensive query), and holds him to EXPENSIVE_AT_ONCE expensive
    operations at a time in this process. Each refusal counts against him
    (api/ratelimit.py `refused`)."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        if ctx.graphql_document is None or ctx.result is not None or (
                ctx.operation_type is OperationType.SUBSCRIPTION):
            yield
            return
        cost = query_cost(ctx.schema, ctx.graphql_document, ctx.variables, ctx.operation_name)
        if cost > MAX_COST:
            await _refused(ctx.context)
            raise _refusal(too_costly(cost))
        gate = await _one_at_a_time(ctx.context) if cost >= EXPENSIVE else None
        try:
            # Mutations have their own count (the mutation limit), not the expensive reads'.
            await _admit(ctx.context, cost, cost >= EXPENSIVE and
                         ctx.operation_type is OperationType.QUERY)
            yield
        finally:
            if gate is not None:
                gate.release()


async def _refused(context: Any) -> None:
    from api.ratelimit import refused  # the limits import the schema's limits

    await refused(context)


async def _admit(context: Any, cost: int, expensive_read: bool) -> None:
    from api.ratelimit import admit

    try:
        await admit(context, cost, expensive_read)
    except DomainError as refusal:
        raise _refusal(refusal) from refusal


async def _one_at_a_time(context: Any) -> asyncio.Semaphore | None:
    """The official's gate for expensive operations, taken; RATE_LIMITED if another of his
    holds it (a request without a verified official is refused by `admit`)."""
    app = getattr(context, "app", None)
    if app is None:
        return None
    try:
        username = await context.official()
    except DomainError:
        return None
    gate: asyncio.Semaphore = app.expensive.for_official(username)
    if gate.locked():
        await _refused(context)
        raise _refusal(DomainError(Code.RATE_LIMITED, BUSY))
    await gate.acquire()  # free: nothing awaits between the check and this
    return gate


def _refusal(error: DomainError) -> GraphQLError:
    # Raised before execution, the error goes out as is: it carries its code itself (and its
    # cause, so that the schema does not log a refusal as a fault).
    return GraphQLError(error.message, extensions={"code": error.code}, original_error=error)
