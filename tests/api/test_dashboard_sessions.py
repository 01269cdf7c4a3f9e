"""Signing in to the dashboard: the dev sign-in (dev mode only), the OpenID Connect
authorization-code flow with PKCE against a small provider served on localhost, and the
session cookie that reaches /graphql only with the anti-CSRF header."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from api.dashboard import oidc
from api.dashboard.web import SESSION_COOKIE
from domain.errors import DomainError
from tests.api.harness import Api, make_settings, running_api
from tests.conftest import free_port

pytestmark = pytest.mark.asyncio(loop_scope="module")
ME = {"query": "{ me { id } }"}
CSRF = {"X-Giaoviec-Csrf": "1"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(env: WorkflowEnvironment, db: Engine) -> AsyncIterator[Api]:
    async with running_api(env, db, worker=False) as api:
        yield api


def set_cookie(response: httpx.Response, name: str) -> str:
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert found, response.headers
    return found[0]


async def test_dev_sign_in_sets_a_strict_httponly_session(api: Api) -> None:
    page = await api.http.get("/dang-nhap")
    assert page.status_code == 200 and 'value="chutich"' in page.text
    assert "Content-Security-Policy" in page.headers
    origin = {"Origin": "http://localhost"}
    refused = await api.http.post("/dang-nhap", data={"username": "khong-ai"}, headers=origin)
    assert refused.status_code == 400 and "Không tìm thấy cán bộ" in refused.text
    assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    forged = await api.http.post("/dang-nhap", data={"username": "chutich"},
                                 headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    ok = await api.http.post("/dang-nhap", data={"username": "chutich"}, headers=origin)
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    cookie = set_cookie(ok, SESSION_COOKIE).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    token = api.http.cookies[SESSION_COOKIE]  # the token the API takes as a bearer token
    assert (await api.raw(ME["query"], token=token))["data"]["me"]["id"] == "chutich"
    api.http.cookies.clear()


async def test_the_cookie_reaches_graphql_only_with_the_csrf_header(api: Api) -> None:
    cookies = {SESSION_COOKIE: api.token("chutich")}
    api.http.cookies.update(cookies)
    try:
        bare = (await api.http.post("/graphql", json=ME)).json()
        assert bare["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        mutation = {"query": 'mutation { markNotificationsRead(ids: ["1"]) }'}
        forged = (await api.http.post("/graphql", json=mutation)).json()
        assert forged["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        ok = (await api.http.post("/graphql", json=ME, headers=CSRF)).json()
        assert ok["data"]["me"]["id"] == "chutich"
        # The header itself grants nothing: with another bearer token, that token counts.
        other = await api.http.post("/graphql", json=ME, headers={
            **CSRF, "Authorization": f"Bearer {api.token('snv.cb1')}"})
        assert other.json()["data"]["me"]["id"] == "snv.cb1"
        # Briefing files open from a plain link: the cookie counts there, on GET only.
        file = await api.http.get("/briefings/999999/html")
        assert file.status_code == 404  # signed in: "no such briefing", not 401
        api.http.cookies.clear()
        assert (await api.http.get("/briefings/999999/html")).status_code == 401
        api.http.cookies.update(cookies)
        out = await api.http.post("/dang-xuat", headers={"Origin": "http://localhost"})
        assert out.status_code == 303 and SESSION_COOKIE in out.headers["set-cookie"]
    finally:
        api.http.cookies.clear()


async def test_the_page_and_its_scripts_are_served_from_here(api: Api) -> None:
    page = await api.http.get("/")
    assert page.status_code == 200 and 'lang="vi"' in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for name in ("app.js", "app.css"):
        assert (await api.http.get(f"/bang-dieu-hanh/{name}")).status_code == 200
    assert (await api.http.get("/bang-dieu-hanh/..%2Fweb.py")).status_code == 404


# Production: OpenID Connect, authorization code + PKCE, against a provider on localhost -------


class Provider:
    """A minimal OpenID provider: discovery, an authorization endpoint that signs in its one
    user at once, a token endpoint that checks the PKCE verifier, and its JWKS."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.base}/realms/ubnd"
        self.username = "gd.snv"
        self.codes: dict[str, dict[str, str]] = {}
        self.token_requests: list[dict[str, str]] = []

    def token(self) -> str:
        now = datetime.now(UTC)
        return jwt.encode({"iss": self.issuer, "aud": "giaoviec", "sub": "u-1", "iat": now,
                           "exp": now + timedelta(minutes=5),
                           "preferred_username": self.username},
                          self.key, algorithm="RS256", headers={"kid": "k1"})

    def handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/realms/ubnd/.well-known/openid-configuration":
                    self._json(200, {"issuer": provider.issuer,
                                     "authorization_endpoint": f"{provider.base}/auth",
                                     "token_endpoint": f"{provider.base}/token",
                                     "jwks_uri": f"{provider.base}/certs"})
                elif url.path == "/certs":
                    jwk = json.loads(RSAAlgorithm.to_jwk(provider.key.public_key()))
                    jwk.update(kid="k1", use="sig", alg="RS256")
                    self._json(200, {"keys": [jwk]})
                elif url.path == "/auth":
                    code = f"code-{len(provider.codes)}"
                    provider.codes[code] = query
                    target = query["redirect_uri"] + "?" + urllib.parse.urlencode(
                        {"code": code, "state": query["state"]})
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                else:
                    self._json(404, {})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                provider.token_requests.append(form)
                asked = provider.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(
                    hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if (asked is None or asked["code_challenge_method"] != "S256"
                        or asked["code_challenge"] != digest
                        or asked["redirect_uri"] != form.get("redirect_uri")
                        or asked["client_id"] != form.get("client_id")):
                    self._json(400, {"error": "invalid_grant"})
                    return
                self._json(200, {"access_token": provider.token(), "token_type": "Bearer",
                                 "expires_in": 300})

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    found = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", found.port), found.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield found
    server.shutdown()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def prod(env: WorkflowEnvironment, db: Engine, provider: Provider) -> AsyncIterator[Api]:
    settings = make_settings(mode="production", oidc_issuer=provider.issuer,
                             oidc_jwks_url=f"{provider.base}/certs", oidc_audience="giaoviec",
                             public_url="http://localhost", session_secret="s" * 40)
    async with running_api(env, db, settings, worker=False) as api:
        yield api


async def sign_in_at_provider(prod: Api) -> tuple[str, dict[str, str]]:
    """Start at /dang-nhap; follow the provider's redirect back. Returns the callback path
    with its query, and what the dashboard asked the provider for."""
    start = await prod.http.get("/dang-nhap")
    assert start.status_code == 303
    flow = set_cookie(start, "giaoviec_dang_nhap").lower()
    assert "httponly" in flow and "samesite=lax" in flow and "path=/dang-nhap/oidc" in flow
    asked = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start.headers["location"]).query))
    back = httpx.get(start.headers["location"], follow_redirects=False)  # real HTTP
    assert back.status_code == 302
    target = urllib.parse.urlsplit(back.headers["location"])
    assert f"{target.scheme}://{target.netloc}" == "http://localhost"
    return f"{target.path}?{target.query}", asked


async def test_production_signs_in_with_oidc_code_and_pkce(prod: Api,
                                                           provider: Provider) -> None:
    callback, asked = await sign_in_at_provider(prod)
    assert asked["response_type"] == "code" and asked["code_challenge_method"] == "S256"
    assert asked["redirect_uri"] == "http://localhost/dang-nhap/oidc"
    assert "code_verifier" not in asked  # only its hash leaves the server
    done = await prod.http.get(callback)
    assert done.status_code == 200, done.text
    session = set_cookie(done, SESSION_COOKIE).lower()
    assert "httponly" in session and "samesite=strict" in session
    assert provider.token_requests[-1]["code_verifier"]  # redeemed with the verifier
    me = (await prod.http.post("/graphql", json=ME, headers=CSRF)).json()
    assert me["data"]["me"]["id"] == "gd.snv"
    bare = (await prod.http.post("/graphql", json=ME)).json()
    assert bare["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    prod.http.cookies.clear()


async def test_production_refuses_a_forged_state_and_offers_no_dev_sign_in(
        prod: Api, provider: Provider) -> None:
    callback, _ = await sign_in_at_provider(prod)
    forged = callback.replace("state=", "state=x")
    refused = await prod.http.get(forged)
    assert refused.status_code == 401 and "state" in refused.text
    assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    prod.http.cookies.clear()
    no_flow = await prod.http.get(callback)  # the code without the flow cookie
    assert no_flow.status_code == 401 and "đăng nhập lại" in no_flow.text
    dev = await prod.http.post("/dang-nhap", data={"username": "chutich"},
                               headers={"Origin": "http://localhost"})
    assert dev.status_code == 404
    unsigned = prod.settings.model_copy(update={"session_secret": None})
    with pytest.raises(DomainError):  # production never signs with the public dev secret
        oidc.session_secret(unsigned)
    provider.username = "khong-ai"  # signed in at the provider, unknown here
    try:
        callback, _ = await sign_in_at_provider(prod)
        unknown = await prod.http.get(callback)
        assert unknown.status_code == 401 and "danh sách cán bộ" in unknown.text
    finally:
        provider.username = "gd.snv"
        prod.http.cookies.clear()
