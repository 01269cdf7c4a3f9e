"""Fuzzing with Hypothesis: ill-formed GraphQL documents, wrong or deeply nested variables,
hostile strings, random tokens, and odd requests to the REST routes never produce a 5xx or leak
an internal detail."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from api.json_limits import MAX_JSON_DEPTH
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


def nested_json(depth: int, shape: str) -> str:
    """JSON text nested `depth` deep, written out directly: json.dumps itself would recurse."""
    if shape == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@FUZZ
@given(depth=st.one_of(st.integers(1, 200), st.integers(200, 100_000)),
       shape=st.sampled_from(["array", "object"]), token=st.booleans(),
       get=st.booleans())
async def test_deeply_nested_variables(
    api: Api, depth: int, shape: str, token: bool, get: bool
) -> None:
    if get:  # a URL carries less: HTTP clients and servers cap its length
        depth = min(depth, 2000)
    variables = '{"v":' + nested_json(depth, shape) + "}"
    headers = {"Authorization": f"Bearer {api.token('chutich')}"} if token else {}
    if get:
        response = await api.http.get(
            "/graphql", params={"query": "{ me { id } }", "variables": variables},
            headers=headers)
    else:
        body = '{"query":"query($v: String) { me { id } }","variables":' + variables + "}"
        response = await api.http.post("/graphql", content=body.encode(), headers={
            "Content-Type": "application/json", **headers})
    assert_safe(response.status_code, response.text)
    if depth + 1 > MAX_JSON_DEPTH:  # 413 when it is also over the size limit
        assert response.status_code in (400, 413), response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "VALIDATION"


@FUZZ
@given(declared=st.fixed_dictionaries({}, optional={name: json_values for name in (
           "v", "first", "after", "u", "p")}),
       extra=st.dictionaries(st.text(max_size=8), json_values, max_size=2),
       operation=st.sampled_from([
           "query($v: String) { me { id } }",
           "query($first: Int, $after: String) { tasks(first: $first, after: $after) "
           "{ edges { node { id } } } }",
           "query($v: ID!) { task(id: $v) { id } }",
           "query($u: ID!, $p: String!) { tally(unitId: $u, period: $p) { period } }",
       ]))
async def test_random_variables(
    api: Api, declared: dict[str, Any], extra: dict[str, Any], operation: str
) -> None:
    response = await api.http.post(
        "/graphql", json={"query": operation, "variables": {**extra, **declared}},
        headers={"Authorization": f"Bearer {api.token('chutich')}"})
    assert_safe(response.status_code, response.text)


segments = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.text(max_size=30).map(lambda t: quote(t, safe="")),
    st.sampled_from(["0", "1", "9223372036854775807", "9223372036854775808", "1e3", "0x10",
                     "١٢", "²", "%00", "..", "%2e%2e", "html", "docx", "xlsx", "pdf", ""]),
)
ids = st.one_of(st.integers(min_value=2**31 - 2, max_value=10**40).map(str), segments)
briefing_paths = st.tuples(ids, st.sampled_from(["html", "docx", "xlsx"]) | segments).map(
    lambda p: f"/briefings/{p[0]}/{p[1]}")
ODD_METHODS = ["HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"]


# Cheap per example (no workflow runs), so more of them: the fault must be found, not hoped for.
@settings(FUZZ, max_examples=300)
@given(method=st.just("GET") | st.sampled_from(ODD_METHODS),
       path=st.one_of(briefing_paths, st.sampled_from(["/health", "/graphql", "/"]),
                      # "/x/…": a path starting "//" would name a host to the HTTP client
                      st.lists(segments, max_size=4).map(lambda p: "/x/" + "/".join(p))),
       token=st.just("valid") | st.sampled_from(["none", "garbage"]),
       body=st.one_of(st.none(), st.binary(max_size=64)))
async def test_random_rest_requests(
    api: Api, method: str, path: str, token: str, body: bytes | None
) -> None:
    headers = {"valid": {"Authorization": f"Bearer {api.token('chutich')}"},
               "garbage": {"Authorization": "Bearer a.b.c"}, "none": {}}[token]
    if body is not None:
        headers["Content-Type"] = "application/json"
    response = await api.http.request(method, path, content=body, headers=headers)
    assert_safe(response.status_code, response.text)
    if method != "HEAD" and response.status_code >= 400 and response.text:
        assert response.headers["content-type"].startswith(("application/json", "text/plain"))
