"""Fuzzing the GraphQL endpoint with Hypothesis: ill-formed documents, wrong variable types,
hostile strings and random tokens never produce a 500 or leak an internal detail."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from tests.api.harness import ASSIGN, Api, running_api

pytestmark = pytest.mark.asyncio(loop_scope="module")
LEAKS = ("Traceback", "sqlalchemy", "psycopg", "sqlite3", ".py", "File \"", "temporalio")
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
    st.sampled_from(["2026-13-45", "9999-12-31T23:59:59+07:00", "snv", "'; DROP TABLE task;--",
                     "\x00", "ả" * 300, "NaN"]),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["title", "leadUnitId", "ownerId", "workingDays", "deadline",
                         "deadlineDate", "product", "kind", "description", "clientKey",
                         "coordinators", "unitId", "duty", "milestones", "due", "x"]),
        inner, max_size=6),
    max_leaves=12,
)
fragments = st.sampled_from([
    "{", "}", "(", ")", "query", "mutation", "me", "id", "tasks", "first:", "$v", "...",
    "fragment F on Task", "__schema", "@include(if: true)", "assignTask", "\"", ":", "[", "]",
    "task(id: \"x\")", "unit(id: 1)", "units", "edges", "node", "counts", "#", ",",
])
documents = st.one_of(st.text(max_size=200), st.lists(fragments, max_size=25).map(" ".join))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    async with running_api(env, db) as api:
        yield api


def assert_safe(status: int, text: str) -> None:
    assert status < 500, text
    for leak in LEAKS:
        assert leak not in text, text


@FUZZ
@given(document=documents, variables=st.dictionaries(st.text(max_size=8), json_values,
                                                      max_size=3))
async def test_random_documents(api: Api, document: str, variables: dict[str, Any]) -> None:
    response = await api.http.post(
        "/graphql", json={"query": document, "variables": variables},
        headers={"Authorization": f"Bearer {api.token('chutich')}"})
    assert_safe(response.status_code, response.text)


@FUZZ
@given(value=json_values)
async def test_random_assign_inputs(api: Api, value: Any) -> None:
    response = await api.http.post(
        "/graphql", json={"query": ASSIGN, "variables": {"input": value}},
        headers={"Authorization": f"Bearer {api.token('chutich')}"})
    assert_safe(response.status_code, response.text)
    body = response.json()
    if body.get("errors"):
        for error in body["errors"]:
            code = (error.get("extensions") or {}).get("code")
            assert code in (None, "VALIDATION", "CONFLICT"), error


@FUZZ
@given(token=st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=300),
       raw=st.binary(max_size=300))
async def test_random_tokens_and_bodies(api: Api, token: str, raw: bytes) -> None:
    response = await api.http.post(
        "/graphql", json={"query": "{ me { id } }"},
        headers={"Authorization": f"Bearer {token}"})
    assert_safe(response.status_code, response.text)
    assert json.loads(response.text)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    response = await api.http.post("/graphql", content=raw,
                                   headers={"Content-Type": "application/json"})
    assert_safe(response.status_code, response.text)
