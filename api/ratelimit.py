"""Rate limits: failed token checks per client address, and GraphQL mutations per verified
official (JSON and multipart bodies alike). Over a limit, HTTP 429 with Retry-After and a
RATE_LIMITED error. Per verified official too: the summed cost of his operations and his
expensive reads (charged by api.cost before the operation runs, a RATE_LIMITED GraphQL error),
and his refusals, past which his requests are refused at the door.

An ASGI middleware rather than the Strawberry context: a GraphQL error is an HTTP 200, while a
client (or proxy) backing off needs the 429 status and its Retry-After header; and the briefing
files route checks tokens too. The buckets live in one store for every API process (Redis,
`GIAOVIEC_REDIS_URL`) or, unset, in each process (`giaoviec.store.buckets`).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import Authenticator, off_loop
from api.context import RequestContext
from api.http_errors import error_response
from api.proxy import TrustedProxies, trusted_proxies
from api.schema import MAX_TOKENS
from domain.errors import Code, DomainError
from giaoviec.config import Settings
from giaoviec.store.buckets import BucketStore, bucket_store
from giaoviec.store.buckets import MemoryBuckets as RateLimiter

__all__ = ["RateLimiter"]  # the in-process buckets, under their former name

RATE_LIMITED = Code.RATE_LIMITED
MESSAGE = "Quá nhiều yêu cầu, đề nghị thử lại sau {seconds} giây."
# The client address of the request being served, for the authenticator to count failures
# against: it is called deep inside resolvers, which know nothing of the socket.
current_client: ContextVar[str | None] = ContextVar("current_client", default=None)


# Refused at the door: the official's refusals are over their budget (RefusedAtTheDoor). The
# answer is held this long (at most its Retry-After), so that a client sending again at once
# gets few answers a second, all of them cheap; at most DOOR_HELD answers are held at once in a
# process, the others go out at once.
DOOR_HOLD_SECONDS = 1.0
DOOR_HELD = 256
DOOR_MESSAGE = ("Đồng chí đã gửi quá nhiều yêu cầu bị từ chối; đề nghị thử lại sau {seconds} "
                "giây.")


@dataclass
class Limits:
    auth_failures: BucketStore
    mutations: BucketStore
    proxies: TrustedProxies
    expensive_reads: BucketStore | None = None
    costs: BucketStore | None = None  # the summed cost of an official's operations
    refusals: BucketStore | None = None  # an official's requests refused, before the door

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        url, keys = settings.redis_url, settings.rate_max_keys
        return cls(
            bucket_store(url, "auth", settings.rate_auth_failures_per_minute, keys),
            bucket_store(url, "mutations", settings.rate_mutations_per_minute, keys),
            trusted_proxies(settings.trusted_proxies),
            bucket_store(url, "expensive_reads", settings.rate_expensive_reads_per_minute,
                         keys),
            bucket_store(url, "costs", settings.rate_cost_per_minute, keys),
            bucket_store(url, "refusals", settings.rate_refusals_per_minute, keys),
        )


async def _bucket(store: BucketStore, method: str, key: str, *args: int) -> int | None:
    """A bucket's answer without blocking the event loop: Redis's in the authentication
    threads (a slow Redis holds up only the request asking), memory's at once."""
    call = getattr(store, method)
    if not store.enabled:
        return None
    if not store.blocking:
        return call(key, *args)  # type: ignore[no-any-return]
    return await off_loop(call, key, *args)  # type: ignore[no-any-return]


def _limits(context: RequestContext) -> Limits | None:
    request = getattr(context, "request", None)
    return getattr(getattr(getattr(request, "app", None), "state", None), "limits", None)


async def admit(context: RequestContext, cost: int, expensive_read: bool) -> None:
    """Charges an operation to the asking official before it runs: its cost to his cost
    budget and, for an expensive read (api.cost prices the query), one of his expensive reads.
    Keyed on the verified official, so neither a new token nor a reworded header gets a fresh
    budget. A request without a verified official is charged nothing here: its resolvers
    refuse it (an expensive read is refused here, UNAUTHENTICATED)."""
    limits = _limits(context)
    if limits is None:
        return
    try:
        username = await context.official()
    except DomainError:
        if expensive_read:
            raise
        return
    wait = None
    if limits.costs is not None and cost > 0:
        wait = await _bucket(limits.costs, "take", "official:" + username, cost)
    if wait is None and expensive_read and limits.expensive_reads is not None:
        viewer = await context.viewer()
        wait = await _bucket(limits.expensive_reads, "take", "official:" + viewer.id)
    if wait is not None:
        await refused(context)
        raise DomainError(RATE_LIMITED, MESSAGE.format(seconds=wait))


async def refused(context: RequestContext) -> None:
    """Counts a refusal (RATE_LIMITED, QUERY_TOO_COSTLY) against the asking official; past
    the refusals budget his requests are refused at the door (RefusedAtTheDoor)."""
    limits = _limits(context)
    if limits is None or limits.refusals is None:
        return
    try:
        username = await context.official()
    except DomainError:
        return  # not an official: the failed token is counted against its address
    await _bucket(limits.refusals, "spend", "official:" + username)


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


async def mutation_key(authenticator: Authenticator, authorization: str, address: str) -> str:
    """Whose budget a mutation spends: the official the token verifiably names, however the
    header is spelt (extra spaces made a fresh bucket when the raw header was the key). Never
    the unverified `sub`, which anyone could forge to spend someone else's budget. A token
    that fails verification is refused anyway; it spends its address's budget meanwhile."""
    if authorization:
        try:
            return "official:" + await authenticator.verify(authorization)
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
        wait = None
        if authorization:
            wait = await _bucket(self.limits.auth_failures, "retry_after", address)
        if wait is None and authorization:
            wait = await self._refused_too_often(authorization)
            if wait is not None:
                await _too_many(scope, receive, send, wait, DOOR_MESSAGE)
                return
        if wait is None and scope["method"] == "POST" and self.limits.mutations.enabled:
            body, receive = await _buffered(receive)
            operations = scope.get(OPERATIONS_SCOPE_KEY, body)  # multipart: its operations
            if is_mutation(operations):
                key = await mutation_key(self.authenticator, authorization, address)
                wait = await _bucket(self.limits.mutations, "take", key)
                if wait is not None and key.startswith("official:") and (
                        self.limits.refusals is not None):
                    await _bucket(self.limits.refusals, "spend", key)
        if wait is not None:
            await _too_many(scope, receive, send, wait, MESSAGE)
            return
        token = current_client.set(address)
        try:
            await self.app(scope, receive, send)
        finally:
            current_client.reset(token)


    async def _refused_too_often(self, authorization: str) -> int | None:
        return await refused_too_often(self.limits, self.authenticator, authorization)


async def refused_too_often(limits: Limits, authenticator: Authenticator,
                            authorization: str) -> int | None:
    """RefusedAtTheDoor's check for a token it did not recognise (a fresh token of an
    official refused too often): verified here, before the GraphQL document is parsed."""
    store = limits.refusals
    if store is None or not store.enabled:
        return None
    try:
        username = await authenticator.verify(authorization, quiet=True)
    except DomainError:
        return None  # refused further on, and counted against its address there
    return await _bucket(store, "retry_after", "official:" + username)


async def held_at_the_door(limits: Limits, authenticator: Authenticator, authorization: str,
                           address: str) -> int | None:
    """Whether RateLimits would answer 429 to a read carrying `authorization` from `address`
    before it reaches the schema (the address's failed tokens, the official's refusals): the
    seconds to wait, or None. For a read made on the official's behalf outside /graphql (the
    dashboard's page, painting his figures), held to the same door."""
    wait = await _bucket(limits.auth_failures, "retry_after", address)
    if wait is not None:
        return wait
    return await refused_too_often(limits, authenticator, authorization)


async def _too_many(scope: Scope, receive: Receive, send: Send, wait: int,
                    message: str) -> None:
    response = error_response(429, RATE_LIMITED, message.format(seconds=wait),
                              headers={"Retry-After": str(wait)})
    await response(scope, receive, send)


class RefusedAtTheDoor:
    """Before a request's body is even read: an official whose refusals are over their budget
    (`Limits.refusals`, spent by `refused`) is answered 429 whatever he asks until it
    refills, the answer held a moment (DOOR_HOLD_SECONDS). Only a token verified shortly
    before is recognised (the authenticator's memory of them, no check of its own): this
    costs a lookup; an unknown token is verified, and refused, by RateLimits, before its
    query is parsed."""

    def __init__(self, app: ASGIApp, limits: Limits, authenticator: Authenticator) -> None:
        self.app = app
        self.limits = limits
        self.authenticator = authenticator
        self.held = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        store = self.limits.refusals
        if scope["type"] == "http" and store is not None and store.enabled:
            authorization = next((v.decode("latin-1") for k, v in scope.get("headers") or []
                                  if k == b"authorization"), "")
            username = self.authenticator.known(authorization) if authorization else None
            wait = (await _bucket(store, "retry_after", "official:" + username)
                    if username is not None else None)
            if wait is not None:
                if self.held < DOOR_HELD:
                    self.held += 1
                    try:
                        await asyncio.sleep(min(wait, DOOR_HOLD_SECONDS))
                    finally:
                        self.held -= 1
                await _too_many(scope, receive, send, wait, DOOR_MESSAGE)
                return
        await self.app(scope, receive, send)


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
