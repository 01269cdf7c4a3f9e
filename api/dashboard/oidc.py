"""OpenID Connect sign-in for the dashboard: the authorization-code flow with PKCE (RFC 7636).

The provider is found by discovery (`<issuer>/.well-known/openid-configuration`). The state
and the PKCE verifier travel in a short-lived, signed, HttpOnly cookie (SameSite=Lax, because
the provider's redirect back is a cross-site navigation); nothing is kept in the server. The
access token the provider returns is checked exactly as the API checks a bearer token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from domain.errors import Code, DomainError
from giaoviec.config import Settings

FLOW_COOKIE = "giaoviec_dang_nhap"
FLOW_MINUTES = 10
CALLBACK_PATH = "/dang-nhap/oidc"
_TIMEOUT = 10


def refused(message: str) -> DomainError:
    return DomainError(Code.UNAUTHENTICATED, message)


def session_secret(settings: Settings) -> str:
    """Signs the sign-in cookie. Production needs its own (the start-up checks refuse to start
    without it); dev mode signs with its JWT secret, a random one made per install."""
    if settings.session_secret:
        return settings.session_secret
    if not settings.is_dev:
        raise refused("Máy chủ chưa cấu hình GIAOVIEC_SESSION_SECRET cho đăng nhập.")
    return settings.jwt_secret


def redirect_uri(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + CALLBACK_PATH


@dataclass(frozen=True)
class Provider:
    authorization_endpoint: str
    token_endpoint: str


def _get_json(url: str, data: bytes | None = None) -> dict[str, object]:
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/json"})
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:  # noqa: S310
        body = json.loads(response.read().decode("utf-8"))
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    return body


async def discover(settings: Settings) -> Provider:
    if not settings.oidc_issuer:
        raise refused("Máy chủ chưa cấu hình đăng nhập OpenID Connect.")
    url = settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        found = await asyncio.to_thread(_get_json, url)
        return Provider(str(found["authorization_endpoint"]), str(found["token_endpoint"]))
    except (OSError, ValueError, KeyError):
        raise refused("Không kết nối được máy chủ đăng nhập, đề nghị thử lại sau.") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


async def begin(settings: Settings) -> tuple[str, str]:
    """The provider's authorization URL to redirect to, and the signed flow cookie."""
    provider = await discover(settings)
    state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": settings.oidc_client_id,
        "redirect_uri": redirect_uri(settings), "scope": settings.oidc_scope, "state": state,
        "code_challenge": pkce_challenge(verifier), "code_challenge_method": "S256",
    })
    sep = "&" if "?" in provider.authorization_endpoint else "?"
    flow = jwt.encode({"state": state, "verifier": verifier,
                       "exp": datetime.now(UTC) + timedelta(minutes=FLOW_MINUTES)},
                      session_secret(settings), algorithm="HS256")
    return f"{provider.authorization_endpoint}{sep}{query}", flow


async def finish(settings: Settings, code: str | None, state: str | None,
                 flow_cookie: str | None) -> str:
    """Check the state against the flow cookie, redeem the code with the PKCE verifier, and
    return the access token."""
    if not code or not state or not flow_cookie:
        raise refused("Phiên đăng nhập không hợp lệ hoặc đã hết hạn, đề nghị đăng nhập lại.")
    try:
        flow = jwt.decode(flow_cookie, session_secret(settings), algorithms=["HS256"])
    except jwt.PyJWTError:
        raise refused("Phiên đăng nhập không hợp lệ hoặc đã hết hạn, đề nghị đăng nhập "
                      "lại.") from None
    if not secrets.compare_digest(str(flow.get("state", "")), state):
        raise refused("Phiên đăng nhập không khớp (state), đề nghị đăng nhập lại.")
    provider = await discover(settings)
    form = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": redirect_uri(settings), "client_id": settings.oidc_client_id,
            "code_verifier": str(flow["verifier"])}
    if settings.oidc_client_secret:
        form["client_secret"] = settings.oidc_client_secret
    try:
        answer = await asyncio.to_thread(_get_json, provider.token_endpoint,
                                         urllib.parse.urlencode(form).encode("ascii"))
    except (OSError, ValueError):
        raise refused("Máy chủ đăng nhập từ chối mã xác thực, đề nghị đăng nhập lại.") from None
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise refused("Máy chủ đăng nhập không trả mã truy cập.")
    return token
