"""Errors as clients see them: a Vietnamese message and a stable `extensions.code` from
UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, VALIDATION, CONFLICT, ILLEGAL_TRANSITION, UNAVAILABLE
(and, for VALIDATION, `extensions.fields`); the database or Temporal away is UNAVAILABLE.
Anything unexpected is masked as INTERNAL: no stack trace, SQL or internal name ever leaves the
server (it is logged instead)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from graphql import GraphQLError
from sqlalchemy.exc import InterfaceError, OperationalError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from domain.errors import DomainError, read_unavailable
from giaoviec.services.temporal_away import away

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
    if cause.more_fields:
        extensions["moreFields"] = cause.more_fields
    return GraphQLError(cause.message, nodes=error.nodes, path=error.path,
                        extensions=extensions)


# A value the schema cannot take ("15/01/2027" for a DateTime): graphql's English, in words
# people read, with a stable code per kind of value.
_UNREADABLE = re.compile(r"(?:Value cannot represent an? (\w+)|(\w+) cannot represent[^:]*): "
                         r"\\?\"?(.*?)\\?\"?(?:\. |$)")
_VALUE_WORDS = {  # kind: (code, what it is, what is wrong with it)
    "DateTime": ("INVALID_DATETIME", "Thời điểm", "không đúng dạng: ghi năm-tháng-ngày và giờ "
                                                 "theo ISO 8601, ví dụ 2027-01-15T17:00:00+07:00."),
    "Date": ("INVALID_DATE", "Ngày", "không đúng dạng: ghi năm-tháng-ngày, ví dụ 2027-01-15."),
    "Int": ("INVALID_NUMBER", "Giá trị", "không phải là số nguyên."),
    "Float": ("INVALID_NUMBER", "Giá trị", "không phải là số."),
    "Boolean": ("INVALID_BOOLEAN", "Giá trị", "không phải là giá trị đúng/sai."),
}
def _unreadable(error: GraphQLError, text: str) -> GraphQLError | None:
    """A value the schema cannot read, in Vietnamese with a code of its own; None when `text`
    (graphql's words) is about something else."""
    found = _UNREADABLE.search(text)
    kind = (found.group(1) or found.group(2)) if found else None
    if found is None or kind not in _VALUE_WORDS:
        return None
    code, subject, wrong = _VALUE_WORDS[kind]
    value = found.group(3)
    # A list or an object where a value belongs: graphql prints it as Python would; say so
    # without quoting that back.
    shown = "đã gửi" if value[:1] in "{[" else f"“{value}”"
    message = f"{subject} {shown} {wrong}"
    variable = re.search(r"Variable '\$(\w+)'", f"{error.message} {text}")
    return GraphQLError(message, nodes=error.nodes, path=error.path, extensions={
        "code": "VALIDATION",
        "fields": [{"field": variable.group(1) if variable else "", "code": code,
                    "message": message}]})


def _malformed(error: GraphQLError) -> GraphQLError:
    """A request the schema refuses before any resolver runs: a value it cannot read in words
    people read; otherwise graphql's own message, which says to the developer how."""
    return _unreadable(error, error.message) or error


def public_error(error: GraphQLError, *, reading: bool = False) -> GraphQLError:
    """`reading`: the request was a query (or a subscription), so it changed nothing."""
    cause = error.original_error
    if cause is None:  # the request itself is malformed
        return _malformed(error)
    if isinstance(cause, DomainError):
        return _domain_error(error, cause)
    if (gone := away(cause, reading=reading)) is not None:
        # Temporal is away (a change that knows it is safe to send again says so itself, in
        # the service): UNAVAILABLE, and a change may have been done — never INTERNAL.
        return _domain_error(error, gone)
    if isinstance(cause, OperationalError | InterfaceError):
        # The database is away (a changing request says so itself, in the service): a reader
        # hears UNAVAILABLE — try again shortly — not INTERNAL.
        log.warning("database unavailable in %s: %s", error.path, cause.__class__.__name__)
        return _domain_error(error, read_unavailable())
    if isinstance(cause, GraphQLError):  # a limit refusing the query, a value unreadable
        if (unreadable := _unreadable(error, cause.message)) is not None:
            return unreadable
        return public_error(cause, reading=reading) if cause.original_error else GraphQLError(
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
            reading = _reading(self.execution_context)
            result.errors = [public_error(e, reading=reading) for e in result.errors]


def _reading(context: ExecutionContext) -> bool:
    """Whether the operation could change nothing (a query; no operation that ran at all)."""
    try:
        return context.operation_type is not OperationType.MUTATION
    except RuntimeError:  # no document, no operation: nothing ran
        return True
