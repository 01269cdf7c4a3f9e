"""Every API field has an explicit policy (issue 16 item 13): the schema is walked, and a root
field without one, or an object type reachable some other way, fails the test."""

from __future__ import annotations

from graphql import GraphQLObjectType, get_named_type
from strawberry.permission import PermissionExtension
from strawberry.types.base import StrawberryObjectDefinition

from api.policy import IsSignedIn, policy_of
from api.schema import build_schema

SCHEMA = build_schema()
ROOTS = ("Query", "Mutation", "Subscription")


def _definition(name: str) -> StrawberryObjectDefinition:
    found = SCHEMA.get_type_by_name(name)
    assert isinstance(found, StrawberryObjectDefinition), name
    return found


def test_every_root_field_carries_exactly_one_policy_run_before_its_resolver() -> None:
    unpoliced = []
    for root in ROOTS:
        for field in _definition(root).fields:
            policies = policy_of(field)
            outermost = field.extensions[-1] if field.extensions else None
            if len(policies) != 1 or not isinstance(outermost, PermissionExtension):
                unpoliced.append(f"{root}.{field.graphql_name or field.python_name}")
    assert not unpoliced, f"fields without an explicit policy: {unpoliced}"


def test_all_root_fields_today_require_a_signed_in_official() -> None:
    # When a public field is added on purpose, this is the line to change (and docs/security.md).
    for root in ROOTS:
        for field in _definition(root).fields:
            assert policy_of(field) == [IsSignedIn], field.python_name


def test_object_types_are_reached_only_through_policed_root_fields() -> None:
    """Object fields run under the policy of the root field they were reached from: every
    object type of the schema must hang below a root field, none be reachable another way."""
    schema = SCHEMA._schema
    reached: set[str] = set()
    stack = [schema.get_type(r) for r in ROOTS]
    while stack:
        current = stack.pop()
        if not isinstance(current, GraphQLObjectType) or current.name in reached:
            continue
        reached.add(current.name)
        stack += [get_named_type(f.type) for f in current.fields.values()]
    objects = {name for name, t in schema.type_map.items()
               if isinstance(t, GraphQLObjectType) and not name.startswith("__")}
    assert objects == reached, objects ^ reached
