"""The committed SDL is the schema served, and every type and field is described."""

from __future__ import annotations

from pathlib import Path

from api.schema import build_schema, sdl

BUILT_IN = {"String", "Int", "Float", "Boolean", "ID", "DateTime", "Date"}


def test_schema_sdl_is_current() -> None:
    committed = (Path(__file__).parents[2] / "api" / "schema.graphql").read_text("utf-8")
    assert committed == sdl(), "api/schema.graphql is stale: run `make schema`"


def test_every_type_and_field_has_a_vietnamese_description() -> None:
    schema = build_schema()._schema
    missing = []
    for name, gtype in schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN:
            continue
        if not gtype.description:
            missing.append(name)
        for field_name, f in getattr(gtype, "fields", {}).items():
            if not f.description:
                missing.append(f"{name}.{field_name}")
    assert missing == []
