"""Authentication (dev tokens and OpenID Connect over real HTTP), production hardening, limits,
error masking, and the fixed cost of a page of tasks in SQL queries."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import delete, event, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col
from temporalio.testing import WorkflowEnvironment

from api import graphiql
from api.auth import Authenticator, issue_dev_token
from api.loaders import Loaders
from domain.errors import DomainError
from giaoviec.store.models import Plan, Task, TaskCoordinator
from tests.api.harness import Api, make_settings, running_api
from tests.api.test_queries import NOW, put
from tests.conftest import free_port
from tests.org_fixture import unit_path
from tests.services import graphiql_assets

pytestmark = pytest.mark.asyncio(loop_scope="module")
ME = "{ me { id } }"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    async with running_api(env, db) as api:
        yield api


async def test_missing_expired_forged_and_malformed_tokens_are_refused(api: Api) -> None:
    expired = issue_dev_token(api.settings, "chutich", now=datetime.now(UTC) - timedelta(days=2))
    forged = issue_dev_token(make_settings(jwt_secret="another-secret-another-secret-00"),
                             "chutich")
    unknown = issue_dev_token(api.settings, "khong-ai")
    for token in (expired, forged, unknown, "abc.def.ghi", "x", forged[:-4]):
        body = await api.raw(ME, token=token)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", token
    body = await api.raw(ME)  # no Authorization header at all
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    basic = await api.http.post("/graphql", json={"query": ME},
                                headers={"Authorization": "Basic Y2h1dGljaDp4"})
    assert basic.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    ok = await api.raw(ME, user="chutich")
    assert ok["data"]["me"]["id"] == "chutich"


async def test_limits_refuse_abuse(api: Api) -> None:
    deep = "{ me { unit { parent { parent { parent { parent { parent { parent { parent { " \
           "parent { parent { id } } } } } } } } } } } }"
    body = await api.raw(deep, user="chutich")
    assert body["errors"] and "depth" in body["errors"][0]["message"].lower()
    aliases = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(40)) + " }"
    body = await api.raw(aliases, user="chutich")
    assert body["errors"] and body.get("data") is None
    huge = await api.http.post("/graphql", content=b"{" + b" " * 400_000 + b"}",
                               headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    for raw in (b"\x80\x81", b"0", b"[1, 2]", b"{"):  # found by the fuzzer: were 500s
        bad = await api.http.post("/graphql", content=raw,
                                  headers={"Content-Type": "application/json"})
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
    mutation_over_get = await api.http.get(
        "/graphql", params={"query": 'mutation { markNotificationsRead(ids: ["1"]) }'},
        headers={"Authorization": f"Bearer {api.token('chutich')}"})
    assert mutation_over_get.status_code in (400, 405)


async def test_a_document_is_validated_once_and_its_refusal_remembered(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    import strawberry.schema.schema as strawberry_schema

    calls: list[object] = []
    validate = strawberry_schema.validate

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args[1])
        return validate(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(strawberry_schema, "validate", counting)
    query = "{ me { id fullName } validatedOnce: me { id } }"  # text no other test sends
    for _ in range(3):
        assert (await api.raw(query, user="chutich"))["data"]["me"]["id"] == "chutich"
    assert len(calls) == 1
    deep = "{ me { unit { parent { parent { parent { parent { parent { parent { parent { " \
           "parent { parent { parent { id } } } } } } } } } } } } }"
    for _ in range(2):
        body = await api.raw(deep, user="chutich")
        assert body["errors"] and "depth" in body["errors"][0]["message"].lower()
    assert len(calls) == 2


async def test_rest_routes_answer_4xx_in_the_error_shape(api: Api) -> None:
    auth = {"Authorization": f"Bearer {api.token('chutich')}"}
    for path in ("/briefings/99999999999999999999999/html", "/briefings/9223372036854775808/html",
                 "/briefings/abc/docx", "/briefings/0/xlsx", "/briefings/" + "9" * 5000 + "/html",
                 "/khong-co"):
        response = await api.http.get(path, headers=auth)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    wrong_method = await api.http.delete("/health")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_deep_json_is_refused_with_400_not_a_recursion_error(api: Api) -> None:
    deep = '{"query": "{ me { id } }", "variables": {"v": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    response = await api.http.post("/graphql", content=deep,  # no token: refused before auth
                                   headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION" and "lồng nhau quá sâu" in error["message"]

    def nested(depth: int) -> str:  # the body object is level 1, variables level 2
        return '{"query": "{ me { id } }", "variables": ' + '{"a":' * (depth - 1) + "1" + \
            "}" * (depth - 1) + "}"

    auth = {"Authorization": f"Bearer {api.token('chutich')}", "Content-Type": "application/json"}
    assert (await api.http.post("/graphql", content=nested(64), headers=auth)).status_code == 200
    assert (await api.http.post("/graphql", content=nested(65), headers=auth)).status_code == 400
    over_get = await api.http.get("/graphql", params={"query": "{ me { id } }",
                                                      "variables": "[" * 5000 + "]" * 5000})
    assert over_get.status_code == 400
    assert over_get.json()["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_unexpected_faults_are_masked(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(self: object, ids: list[str]) -> list[object]:
        raise RuntimeError("psycopg2: SELECT secret FROM official -- /opt/giaoviec/queries.py")

    monkeypatch.setattr(Loaders, "_officials", broken)
    body = await api.raw("{ me { id } }", user="chutich")
    text = json.dumps(body, ensure_ascii=False)
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
    for leak in ("psycopg2", "secret", "Traceback", "/opt", ".py"):
        assert leak not in text


PAGE = """id title timeliness leadUnit { id name parent { id name } } owner { id fullName
  unit { id name } } assignedBy { id fullName } coordinators { duty unit { id name } }"""
# Each per-row field on its own, and what it may cost beyond the page: a batch per level of
# the task tree (MAX_DEPTH bounds it) or per kind of fact, never a query per row.
PER_ROW_FIELDS = {
    "": 0,
    "availableActions": 7,  # assigners, their units, lead units' members, substitutions,
                            # open sub-tasks, manual reminders (+ a tick's split)
    "subtaskCounts { total openOverdue }": 4,  # a level at a time, then one count
    "parent { id title }": 2,
    "chain { id title }": 4,  # a level at a time
    "plan { id number }": 5,  # the chain, then the plans
    "fulfilledBy { id number }": 2,
}


async def test_a_page_of_100_tasks_costs_a_fixed_number_of_queries(api: Api) -> None:
    """Two levels of sub-tasks under roots a plan assigned, plans carrying some of them out:
    each per-row field of a 100-row page costs a bounded number of statements."""
    with Session(api.engine) as s:
        s.add(Plan(id="many-plan", issuer_id="chutich", issuer_unit_id="tinh",
                   issuer_unit_path=unit_path("tinh"), client_key="many", request_hash="",
                   number="208/KH-UBND", subject="Kế hoạch", created_at=NOW))
        for r in range(3):
            put(s, f"many-root-{r}", title="Đề án gốc")
            s.get(Task, f"many-root-{r}").plan_id = "many-plan"  # type: ignore[union-attr]
        for n in range(100):
            lead, owner = [("snv", "snv.cb1"), ("stc", "stc.cb"), ("snv-tccb", "tccb.cb"),
                           ("xa1", "xa1.cb")][n % 4]
            put(s, f"many-{n:03d}", lead=lead, owner=owner, deadline=NOW + timedelta(days=n),
                coordinators=("vp",) if n % 2 else ())
            row = s.get(Task, f"many-{n:03d}")
            assert row is not None
            row.parent_id = f"many-root-{n % 3}" if n < 50 else f"many-{n - 50:03d}"
        s.flush()
        for n in range(10):
            s.add(Plan(id=f"many-plan-{n}", issuer_id="snv.cb1", issuer_unit_id="snv",
                       issuer_unit_path=unit_path("snv"), client_key=f"many-{n}",
                       request_hash="", number=f"{n}/KH-SNV", subject="Kế hoạch thực hiện",
                       fulfils_task_id=f"many-{n:03d}", created_at=NOW))
        s.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    async def cost(n: int, field: str) -> int:
        query = ("query($n: Int) { tasks(first: $n, filter: {search: \"nhiem vu\"}) { edges "
                 f"{{ node {{ {PAGE} {field} }} }} }} }}")
        statements.clear()
        event.listen(api.engine, "before_cursor_execute", count)
        try:
            body = await api.ok("chutich", query, n=n)
        finally:
            event.remove(api.engine, "before_cursor_execute", count)
        assert len(body["tasks"]["edges"]) == n
        return len(statements)

    try:
        # viewer (and whom he stands in for today: he reads their tasks too), count, page,
        # then a batch per level: units, parents, officials, their units,
        # coordinators, coordinator units. Batches may split by a tick, never by page size:
        # without loaders a page of 100 would cost hundreds of queries.
        for field, extra in PER_ROW_FIELDS.items():
            small, large = await cost(5, field), await cost(100, field)
            assert small <= 11 + extra and large <= 11 + extra, (field, small, large)
    finally:
        with Session(api.engine) as s:  # leave the module's other tests their population
            s.execute(delete(Plan).where(col(Plan.id).like("many-%")))
            s.execute(delete(TaskCoordinator).where(col(TaskCoordinator.task_id).like("many-%")))
            s.execute(update(Task).where(col(Task.id).like("many-%")).values(parent_id=None))
            s.execute(delete(Task).where(col(Task.id).like("many-%")))
            s.commit()


# Production mode: OIDC tokens only, no introspection ----------------------------------------


class _Jwks(BaseHTTPRequestHandler):
    body = b"{}"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def oidc() -> Iterator[tuple[rsa.RSAPrivateKey, str]]:
    """An identity provider's signing key, its JWKS served over real local HTTP."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", use="sig", alg="RS256")
    handler = type("Jwks", (_Jwks,), {"body": json.dumps({"keys": [jwk]}).encode()})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield key, f"http://127.0.0.1:{server.server_address[1]}/certs"
    server.shutdown()


ISSUER = "https://sso.example.gov.vn/realms/ubnd"


def oidc_token(key: rsa.RSAPrivateKey, username: str, **overrides: object) -> str:
    now = datetime.now(UTC)
    claims = {"iss": ISSUER, "aud": "giaoviec", "sub": "uuid-1", "iat": now,
              "exp": now + timedelta(minutes=5), "preferred_username": username}
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


async def test_production_accepts_oidc_only_and_hides_the_schema(
    env: WorkflowEnvironment, db: Engine, oidc: tuple[rsa.RSAPrivateKey, str]
) -> None:
    key, jwks_url = oidc
    settings = make_settings(mode="production", oidc_issuer=ISSUER, oidc_jwks_url=jwks_url,
                             oidc_audience="giaoviec")
    async with running_api(env, db, settings, worker=False) as prod:
        good = await prod.raw(ME, token=oidc_token(key, "gd.snv"))
        assert good["data"]["me"]["id"] == "gd.snv"
        other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        dev = issue_dev_token(make_settings(), "chutich")
        for bad in (oidc_token(key, "gd.snv", iss="https://evil.example"),
                    oidc_token(key, "gd.snv", aud="other-app"),
                    oidc_token(key, "gd.snv", exp=datetime.now(UTC) - timedelta(minutes=1)),
                    oidc_token(other_key, "gd.snv"),
                    oidc_token(key, "khong-ai"),
                    dev):
            body = await prod.raw(ME, token=bad)
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        intro = await prod.raw("{ __schema { types { name } } }", token=oidc_token(key, "gd.snv"))
        assert intro.get("errors") and not intro.get("data")
        page = await prod.http.get("/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            issue_dev_token(settings, "chutich")


async def test_the_audience_is_always_checked(oidc: tuple[rsa.RSAPrivateKey, str]) -> None:
    key, jwks_url = oidc
    without_audience = Authenticator(make_settings(mode="production", oidc_issuer=ISSUER,
                                                   oidc_jwks_url=jwks_url))
    with pytest.raises(DomainError):  # was: any audience accepted when none was configured
        without_audience.username("Bearer " + oidc_token(key, "gd.snv", aud="another-app"))
    checked = Authenticator(make_settings(mode="production", oidc_issuer=ISSUER,
                                          oidc_jwks_url=jwks_url, oidc_audience="giaoviec"))
    assert checked.username("Bearer " + oidc_token(key, "gd.snv")) == "gd.snv"
    no_aud = jwt.encode({"iss": ISSUER, "sub": "u", "preferred_username": "gd.snv",
                         "exp": datetime.now(UTC) + timedelta(minutes=5)}, key,
                        algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(DomainError):
        checked.username("Bearer " + no_aud)


SUGGESTED = [
    ("{ mee { id } }", None),
    ("{ tasks(frist: 1) { totalCount } }", None),
    ("{ tasks(filter: {role: LEDA}) { totalCount } }", None),
    ("{ tasks(filter: {rol: LEAD}) { totalCount } }", None),
    ("query { ...F } fragment F on Quer { me { id } }", None),
    ("query($f: TaskFilter) { tasks(filter: $f) { totalCount } }", {"f": {"role": "LEDA"}}),
    ("query($f: TaskFilter) { tasks(filter: $f) { totalCount } }", {"f": {"rol": "LEAD"}}),
]


async def test_production_suggests_no_names(
    api: Api, env: WorkflowEnvironment, db: Engine, oidc: tuple[rsa.RSAPrivateKey, str]
) -> None:
    key, jwks_url = oidc
    settings = make_settings(mode="production", oidc_issuer=ISSUER, oidc_jwks_url=jwks_url,
                             oidc_audience="giaoviec")
    token = oidc_token(key, "gd.snv")
    async with running_api(env, db, settings, worker=False) as prod:
        for query, variables in SUGGESTED:
            dev = await api.raw(query, variables, user="gd.snv")
            assert "Did you mean" in dev["errors"][0]["message"], (query, dev)  # dev helps
            body = await prod.raw(query, variables, token=token)
            assert body["errors"], query
            for error in body["errors"]:
                assert "Did you mean" not in error["message"], (query, error)


async def test_dev_graphiql_loads_nothing_from_outside(api: Api) -> None:
    page = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "https://" not in page.text and "http://" not in page.text
    graphiql_assets()
    for name in graphiql.ASSETS:
        asset = await api.http.get(f"{graphiql.PREFIX}/{name}")
        assert asset.status_code == 200 and len(asset.content) > 1000
    assert (await api.http.get(f"{graphiql.PREFIX}/..%2Fpackage.json")).status_code == 404
