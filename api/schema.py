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

from api import calendar, live, notifications, organisation, plans, recurring, substitutes
from api.cost import QueryCost
from api.errors import PublicErrors, public_error
from api.observe import OperationMetrics
from api.policy import signed_in
from api.suggestions import HideSuggestions
from api.tally import briefings, tallies
from api.tasks import labels as task_label_api
from api.tasks import mutations as task_mutations
from api.tasks import queries as task_queries
from api.tasks import subtasks
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


# Every field is defined by its concept's module; here they are put together, in the order the
# published schema (api/schema.graphql) lists them, each with its policy (api/policy.py).

@strawberry.type(name="Query", description="Các câu hỏi đọc dữ liệu.")
class Query:
    me = signed_in(organisation.me)
    task = signed_in(task_queries.task)
    tasks = signed_in(task_queries.tasks)
    unit = signed_in(organisation.unit)
    units = signed_in(organisation.units)
    notification_counts = signed_in(notifications.notification_counts)
    notifications = signed_in(notifications.notifications)
    task_history = signed_in(task_queries.task_history)
    tally = signed_in(tallies.tally)
    briefing = signed_in(briefings.briefing)
    scores = signed_in(briefings.scores)
    calendar_overrides = signed_in(calendar.calendar_overrides)
    official = signed_in(organisation.official)
    check_assignment = signed_in(task_queries.check_assignment)
    tally_trend = signed_in(tallies.tally_trend)
    plan = signed_in(plans.plan)
    plans = signed_in(plans.plans)
    substitutions = signed_in(substitutes.substitutions)
    standing_in_for = signed_in(substitutes.standing_in_for)
    recurring_rule = signed_in(recurring.recurring_rule)
    recurring_rules = signed_in(recurring.recurring_rules)
    task_labels = signed_in(task_label_api.task_labels)


@strawberry.type(name="Mutation", description="Các thao tác thay đổi dữ liệu; mỗi thao tác trả "
                                              "lại đối tượng đã cập nhật.")
class Mutation:
    assign_task = signed_in(task_mutations.assign_task)
    accept_task = signed_in(task_mutations.accept_task)
    report_progress = signed_in(task_mutations.report_progress)
    submit_output = signed_in(task_mutations.submit_output)
    approve_task = signed_in(task_mutations.approve_task)
    return_task = signed_in(task_mutations.return_task)
    decline_task = signed_in(task_mutations.decline_task)
    request_extension = signed_in(task_mutations.request_extension)
    decide_extension = signed_in(task_mutations.decide_extension)
    change_deadline = signed_in(task_mutations.change_deadline)
    reassign_task = signed_in(task_mutations.reassign_task)
    pause_task = signed_in(task_mutations.pause_task)
    resume_task = signed_in(task_mutations.resume_task)
    remind_task = signed_in(task_mutations.remind_task)
    cancel_task = signed_in(task_mutations.cancel_task)
    mark_notifications_read = signed_in(notifications.mark_notifications_read)
    generate_briefing = signed_in(briefings.generate_briefing)
    issue_briefing = signed_in(briefings.issue_briefing)
    set_calendar_overrides = signed_in(calendar.set_calendar_overrides)
    create_plan = signed_in(plans.create_plan)
    import_plan = signed_in(plans.import_plan)
    split_task = signed_in(subtasks.split_task)
    set_substitute = signed_in(substitutes.set_substitute)
    cancel_substitute = signed_in(substitutes.cancel_substitute)
    create_recurring_rule = signed_in(recurring.create_recurring_rule)
    pause_recurring_rule = signed_in(recurring.pause_recurring_rule)
    resume_recurring_rule = signed_in(recurring.resume_recurring_rule)
    end_recurring_rule = signed_in(recurring.end_recurring_rule)


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
            result.errors = [public_error(e, reading=True) for e in result.errors]
        yield result


@strawberry.type(name="Subscription", description="Theo dõi trực tiếp (WebSocket, giao thức "
                                                  "graphql-transport-ws).")
class Subscription:
    task_changes = signed_in(live.task_changes)


def build_schema(*, production: bool = False) -> strawberry.Schema:
    # Factories: each request gets fresh extension instances.
    extensions: list[Callable[[], SchemaExtension]] = [
        OperationMetrics,  # first: its timing wraps the rest, it sees the public error codes
        lambda: AddValidationRules(list(_LIMIT_RULES)),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        PublicErrors,
        SubscriptionsOnlyOverWebsocket,
        QueryCost,  # after validation, before any resolver: priced, refused over the limit
        # Clients send the same few documents again and again: parse and validate each once
        # (the caches live at module level, shared by every request; bounded).
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
    ]
    if production:
        extensions += [DisableIntrospection, HideSuggestions]
    return GiaoviecSchema(query=Query, mutation=Mutation,
                          subscription=Subscription, extensions=extensions)


def sdl() -> str:
    return build_schema().as_str() + "\n"


if __name__ == "__main__":
    sys.stdout.write(sdl())
