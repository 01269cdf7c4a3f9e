"""Rate limits, in process: failed token checks per client address, and GraphQL mutations per
bearer token. Over a limit, HTTP 429 with Retry-After and a RATE_LIMITED error.

An ASGI middleware rather than the Strawberry context: a GraphQL error is an HTTP 200, while a
client (or proxy) backing off needs the 429 status and its Retry-After header; and the briefing
files route checks tokens too. Each process counts on its own: with N API processes a client
gets up to N times the limit, which still stops guessing tokens at scale.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import Authenticator
from api.context import RequestContext
from api.http_errors import error_response
from api.proxy import TrustedProxies, trusted_proxies
from api.schema import MAX_TOKENS
from domain.errors import DomainError
from giaoviec.config import Settings

RATE_LIMITED = "RATE_LIMITED"
MESSAGE = "Quá nhiều yêu cầu, đề nghị thử lại sau {seconds} giây."
# The client address of the request being served, for the authenticator to count failures
# against: it is called deep inside resolvers, which know nothing of the socket.
current_client: ContextVar[str | None] = ContextVar("current_client", default=None)


class RateLimiter:
    """A token bucket per key: `per_minute` events at once, refilled evenly over a minute.
    At most `max_keys` keys are kept; the one used least recently goes first. A key dropped
    early only forgets it was throttled, so memory stays bounded whatever clients send."""

    def __init__(
        self, per_minute: int, max_keys: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def _level(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (self.capacity, now))
        # The epsilon: waiting exactly the Retry-After must be enough despite float rounding.
        return min(self.capacity, tokens + (now - at) * self.rate + 1e-9)

    def _wait(self, level: float) -> int:
        return max(1, math.ceil((1 - level) / self.rate))

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)

    def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may go again, or None if it may now (nothing is spent)."""
        if not self.enabled:
            return None
        with self._lock:
            level = self._level(key, self.clock())
        return None if level >= 1 else self._wait(level)

    def take(self, key: str) -> int | None:
        """Spends one event if `key` has one left (None); else the seconds to wait."""
        if not self.enabled:
            return None
        with self._lock:
            now = self.clock()
            level = self._level(key, now)
            if level < 1:
                return self._wait(level)
            self._store(key, level - 1, now)
        return None

    def spend(self, key: str) -> None:
        """Records an event that has already happened (e.g. a failed token check)."""
        if self.enabled:
            with self._lock:
                now = self.clock()
                self._store(key, max(0.0, self._level(key, now) - 1), now)

    def __len__(self) -> int:
        return len(self._buckets)


@dataclass
class Limits:
    auth_failures: RateLimiter
    mutations: RateLimiter
    proxies: TrustedProxies
    expensive_reads: RateLimiter | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            RateLimiter(settings.rate_auth_failures_per_minute, settings.rate_max_keys),
            RateLimiter(settings.rate_mutations_per_minute, settings.rate_max_keys),
            trusted_proxies(settings.trusted_proxies),
            RateLimiter(settings.rate_expensive_reads_per_minute, settings.rate_max_keys),
        )


async def expensive_read(context: RequestContext) -> None:
    """Spends one of the asking official's expensive reads (api.cost prices the query): keyed
    on the verified official, so neither a new token nor a reworded header gets a fresh one."""
    request = getattr(context, "request", None)
    limits = getattr(getattr(getattr(request, "app", None), "state", None), "limits", None)
    if limits is None or limits.expensive_reads is None:
        return
    viewer = await context.viewer()
    wait = limits.expensive_reads.take("official:" + viewer.id)
    if wait is not None:
        raise DomainError(RATE_LIMITED, MESSAGE.format(seconds=wait))


class CountingAuthenticator(Authenticator):
    """Counts every presented token that fails verification against the client's address."""

    def __init__(self, settings: Settings, limits: Limits) -> None:
        super().__init__(settings)
        self.limits = limits

    def username(self, authorization: str | None) -> str:
        try:
            return super().username(authorization)
        except DomainError:
            address = current_client.get()
            if authorization and address is not None:
                self.limits.auth_failures.spend(address)
            raise


def is_mutation(body: bytes) -> bool:
    """Whether a GraphQL POST body would run a mutation. Cheap: most bodies do not even
    contain the word (keywords cannot be escaped in GraphQL; JSON escapes are decoded first),
    and clients send the same few documents again and again (with other variables)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return False
    query = data.get("query") if isinstance(data, dict) else None
    if not isinstance(query, str) or "mutation" not in query:
        return False
    name = data.get("operationName")
    name = name if isinstance(name, str) else None
    if len(query) <= MAX_CACHED_QUERY:
        return _runs_mutation(query, name)
    return _runs_mutation.__wrapped__(query, name)


# Only short documents are remembered: a hostile client's large ones are parsed each time,
# never kept.
MAX_CACHED_QUERY = 4096


@functools.lru_cache(maxsize=256)
def _runs_mutation(query: str, name: str | None) -> bool:
    try:
        document = parse(query, no_location=True, max_tokens=MAX_TOKENS)
    except (GraphQLError, RecursionError):
        return False  # the GraphQL layer refuses it anyway
    return any(
        d.operation == OperationType.MUTATION
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (name is None or (d.name is not None and d.name.value == name))
    )


def _mutation_key(authorization: str, address: str) -> str:
    # Per bearer token, hashed: keying on the token's unverified `sub` would let anyone
    # exhaust someone else's budget with forged tokens naming them.
    if authorization:
        return "token:" + hashlib.sha256(authorization.encode("latin-1")).hexdigest()
    return "address:" + address


class RateLimits:
    """Inside the request guard (the body is already read and bounded by then)."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A websocket carries only subscriptions (api.ws_only_subscriptions): nothing to count.
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        address = self.limits.proxies.client_address(scope)
        authorization = next((v.decode("latin-1") for k, v in scope.get("headers") or []
                              if k == b"authorization"), "")
        wait = self.limits.auth_failures.retry_after(address) if authorization else None
        if wait is None and scope["method"] == "POST" and self.limits.mutations.enabled:
            body, receive = await _buffered(receive)
            if is_mutation(body):
                wait = self.limits.mutations.take(_mutation_key(authorization, address))
        if wait is not None:
            response = error_response(429, RATE_LIMITED, MESSAGE.format(seconds=wait),
                                      headers={"Retry-After": str(wait)})
            await response(scope, receive, send)
            return
        token = current_client.set(address)
        try:
            await self.app(scope, receive, send)
        finally:
            current_client.reset(token)


def _always(message: Message) -> Receive:
    async def receive() -> Message:
        return message

    return receive


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client left: let the app hear it too
            return b"", _always(message)
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    return body, replaying(body, receive)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the app the body already read, then whatever comes next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
