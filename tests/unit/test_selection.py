"""`asks_for`: what a query selects on a field's result, looked ahead through fragments."""

from __future__ import annotations

from types import SimpleNamespace

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from api.selection import asks_for


def field(name: str, *selections: object) -> SelectedField:
    return SelectedField(name=name, directives={}, arguments={}, selections=list(selections))


def info(*selected: SelectedField) -> SimpleNamespace:
    return SimpleNamespace(selected_fields=list(selected))


def test_a_field_asked_directly_by_spread_or_inline_fragment() -> None:
    counts = field("countsWithDescendants", field("total"))
    assert asks_for(info(field("children", field("id"), counts)), "countsWithDescendants")
    spread = FragmentSpread(name="Ranked", type_condition="Unit", directives={},
                            selections=[field("id"), InlineFragment(
                                type_condition="Unit", directives={}, selections=[counts])])
    assert asks_for(info(field("children", spread)), "countsWithDescendants")
    # in any of the places the field is asked for (two aliases of `children`)
    assert asks_for(info(field("children", field("id")), field("children", counts)),
                    "countsWithDescendants")


def test_a_field_not_asked_or_asked_deeper_is_not_looked_ahead() -> None:
    assert not asks_for(info(field("children", field("id"), field("name"))),
                        "countsWithDescendants")
    deeper = field("children", field("parent", field("countsWithDescendants")))
    assert not asks_for(info(deeper), "countsWithDescendants")
    assert not asks_for(info(), "countsWithDescendants")


def test_a_path_below_the_result() -> None:
    owner = field("owner", field("fullName"))
    page = info(field("tasks", field("totalCount"), field("edges", field("node", owner))))
    assert asks_for(page, "edges", "node", "owner")
    assert not asks_for(page, "edges", "node", "leadUnit")
    assert not asks_for(page, "node", "owner")  # a path from the result, not anywhere
    spread = FragmentSpread(name="Line", type_condition="Task", directives={},
                            selections=[field("leadUnit", field("name"))])
    assert asks_for(info(field("tasks", field("edges", field("node", spread)))),
                    "edges", "node", "leadUnit")
