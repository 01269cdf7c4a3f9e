"""Bearer tokens: dev tokens (HS256, `giaoviec token USER`) in dev mode; in production, tokens
from an OpenID Connect provider (RS256/ES256, checked against its JWKS, issuer and audience).

Either way a token names a username; the official must exist and be active.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import jwt
from jwt import PyJWKClient

from domain.errors import Code, DomainError
from giaoviec.config import Settings
from giaoviec.dev_secret import dev_jwt_secret

DEV_ISSUER = "giaoviec-dev"
DEV_AUDIENCE = "giaoviec"
_OIDC_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
# A token verified once is believed without a new check until it expires, at most this long
# (an OIDC key withdrawn from the provider's JWKS stops opening the API within it).
VERIFIED_SECONDS = 60.0
VERIFIED_MAX = 4096  # tokens remembered; the least recently seen forgotten first
T = TypeVar("T")

# What may wait on the network while a request is authenticated (the OIDC provider's keys,
# the rate-limit store in Redis) runs here, never on the event loop; threads of their own so
# that a flood of database reads does not hold a sign-in check up either.
_AUTH_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="auth")


async def off_loop(fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` in the authentication threads, with the caller's context variables."""
    call = functools.partial(contextvars.copy_context().run, fn, *args)
    return await asyncio.get_running_loop().run_in_executor(_AUTH_THREADS, call)


def unauthenticated(
    message: str = "Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ.",
) -> DomainError:
    return DomainError(Code.UNAUTHENTICATED, message)


def issue_dev_token(settings: Settings, username: str, *, now: datetime | None = None) -> str:
    if not settings.is_dev:
        raise unauthenticated("Mã truy cập thử chỉ dùng ở chế độ dev.")
    now = now or datetime.now(UTC)
    claims = {
        "sub": username,
        "preferred_username": username,
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "iat": now,
        "exp": now + timedelta(hours=settings.token_ttl_hours),
    }
    return jwt.encode(claims, dev_jwt_secret(settings), algorithm="HS256")


def expires_at(authorization: str) -> datetime | None:
    """When an already verified bearer token expires (its `exp`)."""
    token = authorization.partition(" ")[2].strip()
    try:
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        return None
    return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None


class Authenticator:
    """Turns an Authorization header into a username, or refuses with UNAUTHENTICATED."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._dev_secret = dev_jwt_secret(settings) if settings.is_dev else None
        self._jwks = (
            PyJWKClient(settings.oidc_jwks_url, cache_keys=True, lifespan=300, timeout=10)
            if settings.oidc_jwks_url else None
        )
        self._verified: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def known(self, authorization: str) -> str | None:
        """The username of a token `verify` checked shortly before and still valid, else
        None: a lookup, no check (for refusing a request before anything else is done)."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        known = self._verified.get(token.strip())
        return known[0] if known is not None and time.time() < known[1] else None

    async def verify(self, authorization: str | None, *, quiet: bool = False) -> str:
        """`username` without blocking the event loop: a token verified less than
        VERIFIED_SECONDS ago (and not expired) from memory, any other in the authentication
        threads (fetching the provider's keys, counting a failure in Redis). `quiet`: a
        failure is not counted (for a caller whose request is checked again later)."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        key = token if scheme.lower() == "bearer" and token else None
        now = time.time()
        if key is not None and (known := self._verified.get(key)) is not None:
            if now < known[1]:
                self._verified.move_to_end(key)
                return known[0]
            del self._verified[key]
        check = functools.partial(Authenticator.username, self) if quiet else self.username
        username = await off_loop(check, authorization)
        if key is not None:
            expiry = expires_at(authorization or "")
            until = now + VERIFIED_SECONDS
            self._verified[key] = (username, min(until, expiry.timestamp()) if expiry else until)
            while len(self._verified) > VERIFIED_MAX:
                self._verified.popitem(last=False)
        return username

    def username(self, authorization: str | None) -> str:
        if not authorization:
            raise unauthenticated()
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthenticated("Tiêu đề Authorization phải có dạng 'Bearer <mã truy cập>'.")
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise unauthenticated("Mã truy cập không đúng định dạng.") from None
        if header.get("alg") == "HS256":
            return self._dev(token)
        return self._oidc(token)

    def _dev(self, token: str) -> str:
        if self._dev_secret is None:
            raise unauthenticated("Mã truy cập thử không được chấp nhận ở môi trường thật.")
        try:
            claims = jwt.decode(
                token, self._dev_secret, algorithms=["HS256"], audience=DEV_AUDIENCE,
                issuer=DEV_ISSUER, options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise unauthenticated("Mã truy cập đã hết hạn.") from None
        except jwt.PyJWTError:
            raise unauthenticated("Mã truy cập không hợp lệ.") from None
        return str(claims["sub"])

    def _oidc(self, token: str) -> str:
        # Issuer and audience are always checked: a token another application of the same
        # provider obtained must not open this one (the start-up checks require both).
        if self._jwks is None or not self.settings.oidc_issuer or not self.settings.oidc_audience:
            raise unauthenticated("Máy chủ chưa cấu hình đăng nhập OpenID Connect.")
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token, key.key, algorithms=_OIDC_ALGORITHMS,
                audience=self.settings.oidc_audience, issuer=self.settings.oidc_issuer,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise unauthenticated("Mã truy cập đã hết hạn.") from None
        except (jwt.PyJWTError, jwt.PyJWKClientError):
            raise unauthenticated("Mã truy cập không hợp lệ.") from None
        name = claims.get(self.settings.oidc_username_claim)
        if not isinstance(name, str) or not name:
            raise unauthenticated("Mã truy cập không cho biết tên đăng nhập.")
        return name
