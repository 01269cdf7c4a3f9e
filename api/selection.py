"""What a query asks of a field's result, looked ahead (fragments included)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField


def asks_for(info: Any, *path: str) -> bool:
    """Whether the field being resolved selects the field at `path` (GraphQL names, e.g.
    "edges", "node", "leadUnit") below its result, in any of the places it is asked for in
    the document."""
    return any(_selects(field.selections, path) for field in info.selected_fields)


def _selects(selections: Iterable[Any], path: tuple[str, ...]) -> bool:
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == path[0] and (
                    len(path) == 1 or _selects(selection.selections, path[1:])):
                return True
        elif isinstance(selection, FragmentSpread | InlineFragment) and _selects(
                selection.selections, path):
            return True
    return False
