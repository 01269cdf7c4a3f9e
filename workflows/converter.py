"""The one data converter every part of giaoviec uses: pydantic JSON, with the type adapters
cached once per process.

Temporal's pydantic converter keeps its cache on the converter object, and the worker copies
the converter into every sandboxed workflow instance with an empty cache, so each task's
workflow rebuilt the schema of TaskStart, TaskRecord and Command: ~20 ms of CPU per task
started. Here the cache lives in this module, which the sandbox passes through (see
giaoviec.programs.worker.RUNNER), so every workflow shares it.

Only the SDK's public surface is used: `from_payload` (the EncodingPayloadConverter contract)
is overridden to read through the module's cache, and the SDK's own per-instance cache is
switched off with its public `max_cached_type_adapters` argument; encoding is the SDK's.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import TypeAdapter
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

_ADAPTERS = functools.lru_cache(maxsize=1024)(TypeAdapter)


def type_adapter(type_hint: Any) -> TypeAdapter[Any]:
    """The process-wide adapter for a type hint; an unhashable hint gets a fresh one."""
    try:
        hash(type_hint)
    except TypeError:
        return TypeAdapter(type_hint)
    return _ADAPTERS(type_hint)


class SharedCacheJSON(PydanticJSONPlainPayloadConverter):
    """Pydantic JSON, decoding through the module-wide cache of type adapters."""

    def __init__(self) -> None:
        super().__init__(max_cached_type_adapters=0)

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        return type_adapter(Any if type_hint is None else type_hint).validate_json(payload.data)


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default converters, with pydantic JSON in place of plain JSON."""

    def __init__(self) -> None:
        json = SharedCacheJSON()
        super().__init__(*(
            json if isinstance(c, JSONPlainPayloadConverter) else c
            for c in DefaultPayloadConverter.default_encoding_payload_converters
        ))


DATA_CONVERTER = DataConverter(payload_converter_class=PayloadConverter)
