"""The GraphQL schema, its limits, and the SDL export (`python -m api.schema > api/schema.graphql`
is what `make schema` runs; a test keeps the committed file current)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.types import ExecutionContext

from api.briefing_api import BriefingMutation, BriefingQuery
from api.errors import PublicErrors
from api.plan_api import PlanMutation, PlanQuery
from api.recurring_api import RecurringMutation, RecurringQuery
from api.resolvers import Mutation, Query
from api.substitute_api import SubstituteMutation, SubstituteQuery
from api.subtask_api import SubtaskMutation
from domain.errors import DomainError

MAX_DEPTH = 10
MAX_TOKENS = 5000
MAX_ALIASES = 30


@strawberry.type(name="Query", description="Các câu hỏi đọc dữ liệu.")
class FullQuery(Query, BriefingQuery, PlanQuery, SubstituteQuery, RecurringQuery):
    pass


@strawberry.type(name="Mutation", description="Các thao tác thay đổi dữ liệu; mỗi thao tác trả "
                                              "lại đối tượng đã cập nhật.")
class FullMutation(Mutation, BriefingMutation, PlanMutation, SubtaskMutation,
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


def build_schema(*, production: bool = False) -> strawberry.Schema:
    # Factories: each request gets fresh extension instances.
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        PublicErrors,
    ]
    if production:
        extensions.append(DisableIntrospection)
    return GiaoviecSchema(query=FullQuery, mutation=FullMutation, extensions=extensions)


def sdl() -> str:
    return build_schema().as_str() + "\n"


if __name__ == "__main__":
    sys.stdout.write(sdl())
