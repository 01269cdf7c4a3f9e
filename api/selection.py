"""What a query asks of a field's result, looked ahead (fragments included)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField


def asks_for(info: Any, name: str) -> bool:
    """Whether the field being resolved selects `name` (its GraphQL name) on its result, in
    any of the places it is asked for in the document."""
    return any(_selects(field.selections, name) for field in info.selected_fields)


def _selects(selections: Iterable[Any], name: str) -> bool:
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                return True
        elif isinstance(selection, FragmentSpread | InlineFragment) and _selects(
                selection.selections, name):
            return True
    return False
