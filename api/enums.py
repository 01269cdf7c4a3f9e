"""The domain's enums served as GraphQL enums, each value described by its Vietnamese label.

Resolvers take and return the domain enum itself: no mirror class to keep in step, no
conversion at each use."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

from domain.recurrence import FREQUENCY_LABELS_VI, Frequency

E = TypeVar("E", bound=Enum)


def graphql_enum(source: type[E], labels: Mapping[E, str], *, name: str, description: str,
                 without: Collection[E] = ()) -> None:
    """Serve `source` as the GraphQL enum `name`, less the members in `without`."""
    strawberry.enum(source, name=name, description=description)
    definition: StrawberryEnumDefinition = vars(source)["__strawberry_definition__"]
    definition.values = [replace(v, description=labels[source(v.value)])
                         for v in definition.values if source(v.value) not in without]


# Shared by the concepts that speak of a cycle (recurring duties, a plan's reporting cycle),
# which may not import one another.
graphql_enum(Frequency, FREQUENCY_LABELS_VI, name="Frequency",
             description="Chu kỳ của nhiệm vụ định kỳ.")
__all__ = ["Frequency", "graphql_enum"]
