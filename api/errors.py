"""Errors as clients see them: a Vietnamese message and a stable `extensions.code` from
UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, VALIDATION, CONFLICT, ILLEGAL_TRANSITION, UNAVAILABLE
(and, for VALIDATION, `extensions.fields`). Anything unexpected is masked as INTERNAL: no stack
trace, SQL or internal name ever leaves the server (it is logged instead)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domain.errors import DomainError

log = logging.getLogger("giaoviec.api")
INTERNAL = "INTERNAL"
INTERNAL_MESSAGE = "Hệ thống gặp sự cố khi xử lý yêu cầu, đề nghị thử lại sau."


def _domain_error(error: GraphQLError, cause: DomainError) -> GraphQLError:
    extensions: dict[str, object] = {"code": cause.code}
    if cause.fields:
        extensions["fields"] = [
            {"field": f.field, "code": f.code, "message": f.message,
             **({"ro": f.ro} if f.ro else {}), **({"row": f.row} if f.row is not None else {})}
            for f in cause.fields
        ]
    return GraphQLError(cause.message, nodes=error.nodes, path=error.path,
                        extensions=extensions)


def public_error(error: GraphQLError) -> GraphQLError:
    cause = error.original_error
    if cause is None:
        return error  # the request itself is malformed: graphql's own message says how
    if isinstance(cause, DomainError):
        return _domain_error(error, cause)
    if isinstance(cause, GraphQLError):  # e.g. a limit extension refusing the query
        return public_error(cause) if cause.original_error else GraphQLError(
            cause.message, nodes=error.nodes, path=error.path,
            extensions={"code": "VALIDATION", **(cause.extensions or {})})
    log.error("unexpected error in %s", error.path, exc_info=cause)
    return GraphQLError(INTERNAL_MESSAGE, nodes=error.nodes, path=error.path,
                        extensions={"code": INTERNAL})


class PublicErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [public_error(e) for e in result.errors]
