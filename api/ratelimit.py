"""Rate limits: failed token checks per client address, and GraphQL mutations per verified
official (JSON and multipart bodies alike). Over a limit, HTTP 429 with Retry-After and a
RATE_LIMITED error.

An ASGI middleware rather than the Strawberry context: a GraphQL error is an HTTP 200, while a
client (or proxy) backing off needs the 429 status and its Retry-After header; and the briefing
files route checks tokens too. The buckets live in one store for every API process (Redis,
`GIAOVIEC_REDIS_URL`) or, unset, in each process (`giaoviec.store.buckets`).
"""

from __future__ import annotations

import functools
import hashlib
import json
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
from giaoviec.store.buckets import BucketStore, bucket_store
from giaoviec.store.buckets import MemoryBuckets as RateLimiter

__all__ = ["RateLimiter"]  # the in-process buckets, under their former name

RATE_LIMITED = "RATE_LIMITED"
MESSAGE = "Quá nhiều yêu cầu, đề nghị thử lại sau {seconds} giây."
# The client address of the request being served, for the authenticator to count failures
# against: it is called deep inside resolvers, which know nothing of the socket.
current_client: ContextVar[str | None] = ContextVar("current_client", default=None)


@dataclass
class Limits:
    auth_failures: BucketStore
    mutations: BucketStore
    proxies: TrustedProxies
    expensive_reads: BucketStore | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        url, keys = settings.redis_url, settings.rate_max_keys
        return cls(
            bucket_store(url, "auth", settings.rate_auth_failures_per_minute, keys),
            bucket_store(url, "mutations", settings.rate_mutations_per_minute, keys),
            trusted_proxies(settings.trusted_proxies),
            bucket_store(url, "expensive_reads", settings.rate_expensive_reads_per_minute,
                         keys),
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


# Where RequestGuard leaves a multipart request's `operations` field (already bounded).
OPERATIONS_SCOPE_KEY = "giaoviec.operations"


def mutation_key(authenticator: Authenticator, authorization: str, address: str) -> str:
    """Whose budget a mutation spends: the official the token verifiably names, however the
    header is spelt (extra spaces made a fresh bucket when the raw header was the key). Never
    the unverified `sub`, which anyone could forge to spend someone else's budget. A token
    that fails verification is refused anyway; it spends its address's budget meanwhile."""
    if authorization:
        try:
            return "official:" + authenticator.username(authorization)
        except DomainError:
            digest = hashlib.sha256(" ".join(authorization.split()).encode("latin-1"))
            return "unverified:" + digest.hexdigest()
    return "address:" + address


class RateLimits:
    """Inside the request guard (the body is already read and bounded by then)."""

    def __init__(self, app: ASGIApp, limits: Limits, authenticator: Authenticator) -> None:
        self.app = app
        self.limits = limits
        self.authenticator = authenticator

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
            operations = scope.get(OPERATIONS_SCOPE_KEY, body)  # multipart: its operations
            if is_mutation(operations):
                key = mutation_key(self.authenticator, authorization, address)
                wait = self.limits.mutations.take(key)
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
