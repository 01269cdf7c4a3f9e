"""The one data converter every part of giaoviec uses: pydantic JSON, with the type adapters
cached once per process.

Temporal's pydantic converter keeps its cache on the converter object, and the worker copies
the converter into every sandboxed workflow instance with an empty cache, so each task's
workflow rebuilt the schema of TaskStart, TaskRecord and Command: ~20 ms of CPU per task
started. Here the cache lives in this module, which the sandbox passes through (see
giaoviec.programs.worker.RUNNER), so every workflow shares it.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import TypeAdapter
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

_ADAPTERS = functools.lru_cache(maxsize=1024)(TypeAdapter)


class _SharedCacheJSON(PydanticJSONPlainPayloadConverter):
    def __init__(self) -> None:
        super().__init__()
        self._type_adapter = _ADAPTERS

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_type_adapter"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._type_adapter = _ADAPTERS


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default converters, with pydantic JSON in place of plain JSON."""

    def __init__(self) -> None:
        json = _SharedCacheJSON()
        super().__init__(*(
            json if isinstance(c, JSONPlainPayloadConverter) else c
            for c in DefaultPayloadConverter.default_encoding_payload_converters
        ))


DATA_CONVERTER = DataConverter(payload_converter_class=PayloadConverter)
