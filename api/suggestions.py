"""No "Did you mean …?" in production: graphql-core suggests field, argument, type, enum and
input field names close to a wrong one, which spells out the schema that introspection being
off is meant to keep to its users.

Post-processing the messages covers every source at once (validation, variable coercion at
execution) on this graphql-core/Strawberry pair: Strawberry's `disable_field_suggestions` only
handles unknown fields, and graphql-core's `hide_suggestions` is not reachable through
Strawberry's validation and execution calls. The suggestion is always a final sentence
"Did you mean 'a', 'b', or 'c'?" and GraphQL names cannot contain "?".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)


class HideSuggestions(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in (result.errors or []) if result is not None else []:
            _strip(error)


def _strip(error: GraphQLError) -> None:
    error.message = without_suggestions(error.message)
    if isinstance(error.original_error, GraphQLError):  # limit extensions wrap their errors
        _strip(error.original_error)
