"""Bounds on the JSON a client sends: a POST body, `variables`/`extensions` in a GET query, or
the `operations` and `map` fields of a multipart upload (GraphQL multipart request).

json.loads recurses once per level, so a document nested 100,000 deep raises RecursionError
(a 500 if not caught); anything deeper than MAX_JSON_DEPTH is refused before the app sees it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.types import Scope

MAX_JSON_DEPTH = 64
NOT_AN_OBJECT = "Nội dung yêu cầu phải là một đối tượng JSON (UTF-8) hợp lệ."
TOO_DEEP = f"Nội dung JSON lồng nhau quá sâu (tối đa {MAX_JSON_DEPTH} cấp)."
BAD_PARAMETER = "Tham số '{name}' phải là JSON hợp lệ, lồng nhau không quá {depth} cấp."
BAD_MULTIPART = "Nội dung multipart không hợp lệ: cần trường 'operations' và 'map' là JSON."
_JSON_PARAMETERS = ("variables", "extensions")
_MULTIPART_JSON = ("operations", "map")
MAX_MULTIPART_FILES = 1  # importPlan takes one file


class _TooDeep(Exception):
    pass


def nesting(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep objects and arrays nest in a decoded value (a scalar is 0, `{}` is 1).
    Iterative, and stops counting once past `limit`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _decode(text: str | bytes, limit: int) -> Any:
    """Raises ValueError (not JSON), UnicodeDecodeError or _TooDeep."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise _TooDeep from None
    if nesting(value, limit) > limit:
        raise _TooDeep
    return value


def body_problem(body: bytes, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why a JSON request body is refused, or None when it is an object within the limits."""
    try:
        value = _decode(body.decode("utf-8"), limit)
    except _TooDeep:
        return TOO_DEEP
    except ValueError:  # UnicodeDecodeError is a ValueError too
        return NOT_AN_OBJECT
    return None if isinstance(value, dict) else NOT_AN_OBJECT


def query_problem(query_string: bytes, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why a GET query's JSON parameters are refused, or None. Decoded as Starlette does."""
    for name, text in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name in _JSON_PARAMETERS and text:
            try:
                _decode(text, limit)
            except (_TooDeep, ValueError):
                return BAD_PARAMETER.format(name=name, depth=limit)
    return None


async def multipart_operations(scope: Scope, body: bytes,
                               limit: int = MAX_JSON_DEPTH) -> tuple[bytes, str | None]:
    """A multipart body's `operations` field (for the rate limits), or why the body is
    refused: unreadable, or `operations`/`map` missing, not a JSON object or nested too deep."""

    async def stream():  # type: ignore[no-untyped-def]
        yield body

    parser = MultiPartParser(Headers(scope=scope), stream(), max_files=MAX_MULTIPART_FILES,
                             max_fields=len(_MULTIPART_JSON) + 1)
    try:
        form = await parser.parse()
    except MultiPartException:
        return b"", BAD_MULTIPART
    try:
        fields = {name: form.get(name) for name in _MULTIPART_JSON}
        for name, value in fields.items():
            if not isinstance(value, str):
                return b"", BAD_MULTIPART
            if problem := body_problem(value.encode("utf-8"), limit):
                return b"", BAD_PARAMETER.format(name=name, depth=limit) \
                    if problem == TOO_DEEP else problem
        return str(fields["operations"]).encode("utf-8"), None
    finally:
        for value in form.values():
            if isinstance(value, UploadFile):
                await value.close()
