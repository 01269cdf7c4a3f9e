"""The JSON bounds of the request guard: depth is measured without recursion, and no input,
however deep or ill-formed, makes the check itself fail."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from api.json_limits import MAX_JSON_DEPTH, TOO_DEEP, body_problem, nesting, query_problem

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=30,
)


def depth(value: Any) -> int:
    children = value.values() if isinstance(value, dict) else value \
        if isinstance(value, list) else None
    if children is None:
        return 0
    return 1 + max((depth(c) for c in children), default=0)


@given(values)
def test_nesting_is_the_depth(value: Any) -> None:
    assert nesting(value, limit=10_000) == depth(value)


@given(st.binary(max_size=200))
def test_any_body_gets_an_answer(raw: bytes) -> None:
    for problem in (body_problem(raw), query_problem(b"variables=" + raw)):
        assert problem is None or isinstance(problem, str)


def test_depth_limit_is_exact() -> None:
    def body(levels: int) -> bytes:
        return ('{"a":' * levels + "1" + "}" * levels).encode()

    assert body_problem(body(MAX_JSON_DEPTH)) is None
    assert body_problem(body(MAX_JSON_DEPTH + 1)) == TOO_DEEP
    assert body_problem(b"[" * 1_000_000 + b"]" * 1_000_000) == TOO_DEEP  # no RecursionError
    assert query_problem(b"variables=" + b"%5B" * 100_000) is not None
    assert query_problem(b"query=%7B+me+%7D&variables=%7B%7D") is None
