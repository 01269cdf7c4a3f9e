"""The GraphQL schema, its limits, and the SDL export (`python -m api.schema > api/schema.graphql`
is what `make schema` runs; a test keeps the committed file current)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from api.briefing_api import BriefingMutation, BriefingQuery
from api.calendar_api import CalendarMutation, CalendarQuery
from api.dashboard.queries import DashboardQuery
from api.errors import PublicErrors, public_error
from api.live import LiveSubscription
from api.observe import OperationMetrics
from api.plan_api import PlanMutation, PlanQuery
from api.recurring_api import RecurringMutation, RecurringQuery
from api.resolvers import Mutation, Query
from api.substitute_api import SubstituteMutation, SubstituteQuery
from api.subtask_api import SubtaskMutation
from api.suggestions import HideSuggestions
from api.ws_only_subscriptions import SubscriptionsOnlyOverWebsocket
from domain.errors import DomainError

MAX_DEPTH = 10
MAX_TOKENS = 5000
MAX_ALIASES = 30

# The limits' validation rules, made once. The validation cache keys on the rule classes, and
# QueryDepthLimiter and MaxAliasesLimiter make new classes per instance: as per-request
# factories, every request missed the cache and was validated again.
_LIMIT_RULES = (*QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
                *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules)


@strawberry.type(name="Query", description="Các câu hỏi đọc dữ liệu.")
class FullQuery(Query, BriefingQuery, CalendarQuery, DashboardQuery, PlanQuery, SubstituteQuery,
                RecurringQuery):
    pass


@strawberry.type(name="Mutation", description="Các thao tác thay đổi dữ liệu; mỗi thao tác trả "
                                              "lại đối tượng đã cập nhật.")
class FullMutation(Mutation, BriefingMutation, CalendarMutation, PlanMutation, SubtaskMutation,
                   SubstituteMutation, RecurringMutation):
    pass


class GiaoviecSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Refusals (DomainError) are answers, not faults: only the rest is logged.
        faults = [e for e in errors if not isinstance(e.original_error, DomainError)]
        if faults:
            super().process_errors(faults, execution_context)

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        # Subscriptions yield their results one by one, past the PublicErrors extension:
        # each result's errors get the same public form (code, fields, nothing internal).
        return _public_results(await super().stream(*args, **kwargs))


async def _public_results(source: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for result in source:
        if getattr(result, "errors", None):
            result.errors = [public_error(e) for e in result.errors]
        yield result


@strawberry.type(name="Subscription", description="Theo dõi trực tiếp (WebSocket, giao thức "
                                                  "graphql-transport-ws).")
class FullSubscription(LiveSubscription):
    pass


def build_schema(*, production: bool = False) -> strawberry.Schema:
    # Factories: each request gets fresh extension instances.
    extensions: list[Callable[[], SchemaExtension]] = [
        OperationMetrics,  # first: its timing wraps the rest, it sees the public error codes
        lambda: AddValidationRules(list(_LIMIT_RULES)),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        PublicErrors,
        SubscriptionsOnlyOverWebsocket,
        # Clients send the same few documents again and again: parse and validate each once
        # (the caches live at module level, shared by every request; bounded).
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
    ]
    if production:
        extensions += [DisableIntrospection, HideSuggestions]
    return GiaoviecSchema(query=FullQuery, mutation=FullMutation,
                          subscription=FullSubscription, extensions=extensions)


def sdl() -> str:
    return build_schema().as_str() + "\n"


if __name__ == "__main__":
    sys.stdout.write(sdl())
