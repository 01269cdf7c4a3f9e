"""Token buckets for the rate limits, behind one interface (`BucketStore`): in this process
(`MemoryBuckets`, for `make run` and tests) or in Redis (`RedisBuckets`), shared by every API
process so that N processes still give a client one budget, not N.

Redis is the store because a bucket is a read-modify-write of two numbers on every request:
one Lua script does it atomically with Redis's own clock, in well under a millisecond, and
keys expire by themselves once full again. PostgreSQL could do it too, but would put a write
transaction on the read model for every mutation and every failed token.

When Redis is configured but does not answer, `RedisBuckets` falls back to counting in its
own process (the limits still hold, per process) and logs it once; it tries Redis again
after RETRY_SECONDS.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("giaoviec.ratelimit")
RETRY_SECONDS = 5.0
TIMEOUT_SECONDS = 0.25  # a Redis that does not answer in this is treated as down


class BucketStore(Protocol):
    """A token bucket per key: `per_minute` events at once, refilled evenly over a minute.
    Each method answers None (may go) or the whole seconds to wait. `take` may spend more than
    one at once (a query's cost); an amount over the capacity spends the whole capacity.
    `blocking`: whether a call may wait on the network (the caller keeps it off the event
    loop then)."""

    blocking: bool

    @property
    def enabled(self) -> bool: ...

    def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may go again, or None if it may now (nothing is spent)."""

    def take(self, key: str, amount: int = 1) -> int | None:
        """Spends `amount` if `key` has that much left (None); else the seconds to wait."""

    def spend(self, key: str) -> None:
        """Records an event that has already happened (e.g. a failed token check)."""


class MemoryBuckets:
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

    blocking = False

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def _level(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (self.capacity, now))
        # The epsilon: waiting exactly the Retry-After must be enough despite float rounding.
        return min(self.capacity, tokens + (now - at) * self.rate + 1e-9)

    def _wait(self, level: float, amount: float = 1) -> int:
        return max(1, math.ceil((amount - level) / self.rate))

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

    def take(self, key: str, amount: int = 1) -> int | None:
        """Spends `amount` if `key` has that much left (None); else the seconds to wait."""
        if not self.enabled:
            return None
        need = min(float(amount), self.capacity)
        with self._lock:
            now = self.clock()
            level = self._level(key, now)
            if level < need:
                return self._wait(level, need)
            self._store(key, level - need, now)
        return None

    def spend(self, key: str) -> None:
        """Records an event that has already happened (e.g. a failed token check)."""
        if self.enabled:
            with self._lock:
                now = self.clock()
                self._store(key, max(0.0, self._level(key, now) - 1), now)

    def __len__(self) -> int:
        return len(self._buckets)




# One script per call: the level refilled since the last event (Redis's clock), then a peek,
# a take of `amount` (only if that much is left) or a spend of one (always). Answers -1 (may
# go) or seconds to wait.
_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local mode = ARGV[3]
local amount = math.min(tonumber(ARGV[4] or '1'), capacity)
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or capacity
local at = tonumber(b[2]) or now
local level = math.min(capacity, tokens + math.max(0, now - at) * rate + 1e-9)
if mode ~= 'take' then amount = 1 end
local wait = -1
if level < amount then wait = math.max(1, math.ceil((amount - level) / rate)) end
if mode == 'peek' or (mode == 'take' and wait >= 0) then return wait end
redis.call('HSET', KEYS[1], 'tokens', tostring(math.max(0, level - amount)), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return -1
"""


class RedisBuckets:
    """The same buckets in Redis, one hash per key (`giaoviec:rate:<limit>:<key>`) that expires
    once it would be full again. Falls back to `fallback` (this process's buckets) while
    Redis does not answer."""

    def __init__(self, client: Any, name: str, per_minute: int, fallback: MemoryBuckets,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.prefix = f"giaoviec:rate:{name}:"
        self.capacity = per_minute
        self.rate = per_minute / 60.0
        self.fallback = fallback
        self.clock = clock
        self._script = client.register_script(_SCRIPT)
        self._down_until = 0.0
        self._lock = threading.Lock()

    blocking = True  # a call waits on the network (at most TIMEOUT_SECONDS)

    @classmethod
    def from_url(cls, url: str, name: str, per_minute: int,
                 fallback: MemoryBuckets) -> RedisBuckets:
        import redis  # only where Redis is configured

        client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS,
                                      socket_connect_timeout=TIMEOUT_SECONDS)
        return cls(client, name, per_minute, fallback)

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def _run(self, key: str, mode: str, amount: int = 1) -> int | None:
        import redis

        if self.clock() < self._down_until:
            return self._local(key, mode, amount)
        try:
            wait = int(self._script(keys=[self.prefix + key],
                                    args=[self.capacity, self.rate, mode, amount]))
        except redis.RedisError as err:
            with self._lock:
                if self.clock() >= self._down_until:
                    log.warning("rate limits: Redis does not answer (%s); counting in this "
                                "process for %ss", err, RETRY_SECONDS)
                self._down_until = self.clock() + RETRY_SECONDS
            return self._local(key, mode, amount)
        return None if wait < 0 else wait

    def _local(self, key: str, mode: str, amount: int = 1) -> int | None:
        if mode == "peek":
            return self.fallback.retry_after(key)
        if mode == "take":
            return self.fallback.take(key, amount)
        self.fallback.spend(key)
        return None

    def retry_after(self, key: str) -> int | None:
        return self._run(key, "peek") if self.enabled else None

    def take(self, key: str, amount: int = 1) -> int | None:
        return self._run(key, "take", amount) if self.enabled else None

    def spend(self, key: str) -> None:
        if self.enabled:
            self._run(key, "spend")


def bucket_store(redis_url: str | None, name: str, per_minute: int,
                 max_keys: int) -> BucketStore:
    """Redis when configured (shared by every process), else this process's memory."""
    memory = MemoryBuckets(per_minute, max_keys)
    if not redis_url or per_minute <= 0:
        return memory
    return RedisBuckets.from_url(redis_url, name, per_minute, memory)
