"""The leadership dashboard as served pages: the Jinja2 shell at `/` (everything it shows it
asks of `/graphql`; for a signed-in viewer, the home's first figures painted in the HTML from
the schema's own answer, api/dashboard/first_paint.py), its scripts (installed from npm,
served from here), sign-in and sign-out.

The session is a cookie holding the same bearer token the API takes — a dev token in dev
mode, the provider's access token in production — HttpOnly and SameSite=Strict. `CookieAuth`
turns it into the Authorization header, but for `/graphql` only when the request also carries
the header `X-Giaoviec-Csrf` (a cross-site form cannot set it), for the subscriptions'
websocket only from this site's own origin, and for briefing files only on GET.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import jwt
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry import Schema

from api.auth import issue_dev_token
from api.context import AppServices
from api.dashboard import oidc
from api.dashboard.first_paint import read_start
from domain.errors import DomainError
from domain.timezone import to_local
from giaoviec.reads import read
from giaoviec.reads.dashboard import sign_in_choices
from giaoviec.reads.org import viewer_for

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
MODULES = HERE / "node_modules"
SESSION_COOKIE = "giaoviec_phien"
CSRF_HEADER = "x-giaoviec-csrf"
ASSET_PREFIX = "/bang-dieu-hanh"
# The dashboard's own ES modules (app.js imports the rest), each served under its file name;
# the page names them all for preloading, so they load side by side, not import by import.
# route.js is the one classic script (run in the head, before the body is parsed).
CLASSIC_SCRIPT = "route.js"
MODULE_NAMES = sorted(path.name for path in (HERE / "static").glob("*.js")
                      if path.name != CLASSIC_SCRIPT)
ASSETS = {
    **{name: HERE / "static" / name for name in MODULE_NAMES},
    CLASSIC_SCRIPT: HERE / "static" / CLASSIC_SCRIPT,
    "app.css": HERE / "static" / "app.css",
    "uplot.js": MODULES / "uplot" / "dist" / "uPlot.iife.min.js",
    "uplot.css": MODULES / "uplot" / "dist" / "uPlot.min.css",
    "graphql-ws.js": MODULES / "graphql-ws" / "umd" / "graphql-ws.min.js",
}
MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# Under a folder named by the assets' content hash (`/bang-dieu-hanh/<hash>/app.js`): kept a
# year and never asked again (a reload fetches none of them); a change of any file changes the
# folder. Relative imports (`./api.js`) resolve in the same folder, so the page's preloads and
# the modules' imports are the same URLs.
CACHED = "public, max-age=31536000, immutable"
# Scripts and styles only from this server; no inline script; the API on the same origin.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def vi_number(value: float) -> str:
    """As the page's scripts write a number (dom.js `num`, Intl vi-VN): 1.234.567 and 66,7."""
    whole, _, fraction = f"{value:,.3f}".partition(".")
    fraction = fraction.rstrip("0")
    return whole.replace(",", ".") + ("," + fraction if fraction else "")


def vi_rate(value: float | None) -> str:
    """dom.js `rate`: a percentage, or "—" when there is none (never 0%)."""
    return "—" if value is None else f"{vi_number(value)}%"


def vi_time(iso: str) -> str:
    """dom.js `time`: hours, minutes, seconds in Vietnam's time."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return to_local(moment).strftime("%H:%M:%S")


_templates.filters.update(num=vi_number, rate=vi_rate, clock=vi_time)


def vendor_installed() -> bool:
    return all(path.is_file() for path in ASSETS.values())


class _Assets:
    """The assets' bytes and their version, read again only when a file changed (dev)."""

    def __init__(self) -> None:
        self._stamp: tuple[tuple[int, int], ...] | None = None
        self._files: dict[str, tuple[bytes, str]] = {}
        self.version = ""

    def _fresh(self) -> None:
        stamp = tuple((s.st_mtime_ns, s.st_size) if (s := _stat(path)) else (0, 0)
                      for path in ASSETS.values())
        if stamp == self._stamp:
            return
        files: dict[str, tuple[bytes, str]] = {}
        digest = hashlib.sha256()
        for name, path in ASSETS.items():
            if path.is_file():
                body = path.read_bytes()
                files[name] = (body, hashlib.sha256(body).hexdigest()[:16])
                digest.update(f"{name}\0{files[name][1]}\0".encode())
        self._files, self.version, self._stamp = files, digest.hexdigest()[:12], stamp

    def prefix(self) -> str:
        self._fresh()
        return f"{ASSET_PREFIX}/{self.version}"

    def get(self, name: str) -> tuple[bytes, str] | None:
        self._fresh()
        return self._files.get(name)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


_assets = _Assets()


def _asset(name: str, version: str | None, if_none_match: str | None) -> Response:
    found = _assets.get(name) if name in ASSETS else None
    if found is None:
        return Response("Không có tệp này.", status_code=404)
    body, etag = found
    # Only the current version is kept for long; an old page's URL gets today's file, asked
    # again next time.
    headers = {"X-Content-Type-Options": "nosniff", "ETag": f'"{etag}"',
               "Cache-Control": CACHED if version == _assets.version else "no-cache"}
    if if_none_match and f'"{etag}"' in if_none_match:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA[Path(name).suffix], headers=headers)


# Every page is someone's (a signed-in viewer's figures, a sign-in form): never kept.
PAGE_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "same-origin", "Cache-Control": "no-store"}
BODY = "<body>"


def _page(name: str, status: int = 200, **values: object) -> HTMLResponse:
    html = _templates.get_template(name).render(prefix=_assets.prefix(), **values)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _streamed_page(name: str, body: Callable[[], Awaitable[dict[str, object]]],
                   **values: object) -> StreamingResponse:
    """The page's head at once (its stylesheets and scripts load meanwhile), then its body
    once `body()` has answered the values it alone needs."""
    prefix = _assets.prefix()
    template = _templates.get_template(name)

    async def parts() -> AsyncIterator[str]:
        head, _, rest = template.render(prefix=prefix, **values).partition(BODY)
        yield head
        try:
            rest = template.render(prefix=prefix, **{**values, **await body()}).partition(
                BODY)[2]
        except Exception:  # the head is out: the body as without those values, never half
            log.warning("a page's body was served without its late values", exc_info=True)
        yield BODY + rest

    return StreamingResponse(parts(), media_type="text/html; charset=utf-8",
                             headers=PAGE_HEADERS)


def _same_origin(headers: dict[bytes, bytes]) -> bool:
    """The request comes from a page of this very host (Origin matches Host)."""
    origin = headers.get(b"origin", b"").decode("latin-1")
    host = headers.get(b"host", b"").decode("latin-1")
    return bool(origin and host) and urlsplit(origin).netloc == host


def _cookie(headers: dict[bytes, bytes], name: str) -> str | None:
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


class CookieAuth:
    """Lends the session cookie's token to the API as `Authorization: Bearer …` where a
    forged cross-site request cannot profit from it (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope.get("headers") or [])
            token = _cookie(headers, SESSION_COOKIE)
            if token and b"authorization" not in headers and self._lend(scope, headers):
                scope = dict(scope)
                scope["headers"] = [*scope["headers"],
                                    (b"authorization", f"Bearer {token}".encode("latin-1"))]
        await self.app(scope, receive, send)

    @staticmethod
    def _lend(scope: Scope, headers: dict[bytes, bytes]) -> bool:
        path: str = scope.get("path", "")
        if scope["type"] == "websocket":
            return path == "/graphql" and _same_origin(headers)
        if path == "/graphql":
            return CSRF_HEADER.encode() in headers
        return path.startswith("/briefings/") and scope.get("method") == "GET"


def _set_session(response: Response, token: str, secure: bool, max_age: int) -> None:
    """The cookie lives no longer than the token in it (the API checks the token anyway)."""
    try:
        expires = int(jwt.decode(token, options={"verify_signature": False}).get("exp", 0))
        max_age = max(0, min(max_age, expires - int(time.time())))
    except (jwt.PyJWTError, TypeError, ValueError):
        pass
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, secure=secure,
                        samesite="strict", path="/")


def dashboard_router(services: AppServices, schema: Schema | None = None) -> APIRouter:
    """`schema`: the API's own, for the home's first figures (without it, none)."""
    settings = services.settings
    secure = settings.public_url.startswith("https://")
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def home(request: Request) -> Response:
        values = {"dev": settings.is_dev, "vendor": vendor_installed(), "modules": MODULE_NAMES}
        token = request.cookies.get(SESSION_COOKIE)
        if not token or schema is None or settings.dashboard_first_paint_ms <= 0:
            return _page("dashboard.html", start=None, **values)

        # Per viewer, so never kept by a cache (no-store). The head goes out at once: the
        # page's files load while the server reads the figures (at most the setting's wait).
        async def figures() -> dict[str, object]:
            return {"start": await read_start(schema, services, request, token)}

        return _streamed_page("dashboard.html", figures, start=None, **values)

    # Served from memory, on the event loop: a page's twenty files are no thread's work.
    @router.get(ASSET_PREFIX + "/{version}/{name}")
    async def versioned_asset(request: Request, version: str, name: str) -> Response:
        return _asset(name, version, request.headers.get("if-none-match"))

    @router.get(ASSET_PREFIX + "/{name}")
    async def asset(request: Request, name: str) -> Response:
        return _asset(name, None, request.headers.get("if-none-match"))

    @router.get("/dang-nhap")
    async def sign_in_page() -> Response:
        if not settings.is_dev:
            try:
                url, flow = await oidc.begin(settings)
            except DomainError as err:
                return _page("sign_in.html", 503, dev=False, choices=[], error=err.message)
            response = RedirectResponse(url, status_code=303)
            response.set_cookie(oidc.FLOW_COOKIE, flow, max_age=oidc.FLOW_MINUTES * 60,
                                httponly=True, secure=secure, samesite="lax",
                                path=oidc.CALLBACK_PATH)
            return response
        choices = await asyncio.to_thread(read, services.engine, sign_in_choices)
        return _page("sign_in.html", dev=True, choices=choices, error=None)

    @router.post("/dang-nhap")
    async def dev_sign_in(request: Request, username: str = Form("")) -> Response:
        """Dev mode only: sign in as a demo official with the same token `giaoviec token`
        mints."""
        if not settings.is_dev:
            return Response("Không có trang này.", status_code=404)
        if not _same_origin({k.lower(): v for k, v in request.headers.raw}):
            return Response("Yêu cầu không đến từ trang đăng nhập.", status_code=403)
        viewer = await asyncio.to_thread(read, services.engine,
                                         lambda s: viewer_for(s, username.strip()))
        if viewer is None:
            choices = await asyncio.to_thread(read, services.engine, sign_in_choices)
            return _page("sign_in.html", 400, dev=True, choices=choices,
                         error="Không tìm thấy cán bộ đang công tác với tên đăng nhập này.")
        response = RedirectResponse("/", status_code=303)
        _set_session(response, issue_dev_token(settings, username.strip()), secure,
                     settings.token_ttl_hours * 3600)
        return response

    @router.get(oidc.CALLBACK_PATH)
    async def oidc_callback(request: Request, code: str | None = None,
                            state: str | None = None) -> Response:
        try:
            token = await oidc.finish(settings, code, state,
                                      request.cookies.get(oidc.FLOW_COOKIE))
            username = await services.authenticator.verify(f"Bearer {token}")
            viewer = await asyncio.to_thread(read, services.engine,
                                             lambda s: viewer_for(s, username))
            if viewer is None:
                raise oidc.refused("Tài khoản không có trong danh sách cán bộ hoặc đã bị khóa.")
        except DomainError as err:
            return _page("sign_in.html", 401, dev=False, choices=[], error=err.message)
        # A page, not a redirect: the next request to `/` then starts on this site, so the
        # SameSite=Strict session cookie goes with it.
        response = _page("signed_in.html")
        _set_session(response, token, secure, settings.token_ttl_hours * 3600)
        response.delete_cookie(oidc.FLOW_COOKIE, path=oidc.CALLBACK_PATH)
        return response

    @router.post("/dang-xuat")
    def sign_out(request: Request) -> Response:
        if not _same_origin({k.lower(): v for k, v in request.headers.raw}):
            return Response("Yêu cầu không đến từ trang này.", status_code=403)
        response = RedirectResponse("/dang-nhap", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router
