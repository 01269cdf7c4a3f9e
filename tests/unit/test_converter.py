"""The data converter: pydantic JSON whose type adapters are cached once per process, built
on the SDK's public surface only (temporalio<2 is allowed, and its private attributes may
change in any release)."""

from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from workflows import converter
from workflows.converter import DATA_CONVERTER, SharedCacheJSON


@dataclass(frozen=True)
class _Probe:
    at: datetime
    tags: frozenset[str]


PROBE = _Probe(datetime(2026, 11, 23, 2, 0, tzinfo=UTC), frozenset({"a", "b"}))


def test_values_round_trip_through_the_data_converter() -> None:
    payloads = DATA_CONVERTER.payload_converter
    for value, hint in ((PROBE, _Probe), ([1, 2], list[int]), (None, type(None)),
                        (b"\x00raw", bytes), ({"k": "v"}, None)):
        encoded = payloads.to_payloads([value])
        assert payloads.from_payloads(encoded, [hint] if hint is not None else None) == [value]


def test_decoding_needs_none_of_the_sdks_private_attributes() -> None:
    # Stand-in for a release that renames or drops the SDK's private adapter cache: whatever
    # the base class keeps on the instance, our decoding does not read it.
    json = SharedCacheJSON()
    payload = json.to_payload(PROBE)
    assert payload is not None
    for name in list(vars(json)):  # the encoder's own options stay: to_payload is the SDK's
        if name not in ("_to_json_options", "_schema_serializer"):
            delattr(json, name)
    assert json.from_payload(payload, _Probe) == PROBE


def test_every_copy_of_the_converter_shares_one_adapter_per_type() -> None:
    # The worker copies the converter into each sandboxed workflow: the copies must not start
    # with an empty cache, or each task rebuilds its schemas.
    json = SharedCacheJSON()
    payload = json.to_payload(PROBE)
    assert payload is not None
    assert json.from_payload(payload, _Probe) == PROBE
    built = converter._ADAPTERS.cache_info().misses
    for twin in (copy.deepcopy(json), pickle.loads(pickle.dumps(json)), SharedCacheJSON()):
        assert twin.from_payload(payload, _Probe) == PROBE
    assert converter._ADAPTERS.cache_info().misses == built


def test_an_unhashable_type_hint_still_decodes() -> None:
    hint: Any = Annotated[int, {}]
    json = SharedCacheJSON()
    payload = json.to_payload(3)
    assert payload is not None
    assert json.from_payload(payload, hint) == 3
