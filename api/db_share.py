"""Each official's share of the database threads (issue 16 item 3).

Resolvers and loaders read the read model in worker threads (`asyncio.to_thread`, the
event loop's default executor: a handful of threads). Without a bound, one heavy query, or a
few sent in parallel with one token, takes every thread and the whole service waits behind
it. Here each official's requests together hold at most DB_THREADS_PER_OFFICIAL threads at
once, keyed on the verified token's official (a new token of his gets no fresh share).
"""

from __future__ import annotations

import asyncio
import weakref

DB_THREADS_PER_OFFICIAL = 2
# An official's operations costing api.cost.EXPENSIVE or more, at once in one API process:
# another one meanwhile is refused (RATE_LIMITED), not queued.
EXPENSIVE_AT_ONCE = 1


class DatabaseShares:
    """`per_official` at once for each official (and for each request until its official is
    known). The same gate, one wide, holds an official to one expensive operation at a time
    in this process (api.cost)."""

    def __init__(self, per_official: int = DB_THREADS_PER_OFFICIAL) -> None:
        self.per_official = per_official
        # Kept while a request of the official holds it; forgotten after, so memory stays
        # bounded by the requests in flight.
        self._gates: weakref.WeakValueDictionary[tuple[int, str], asyncio.Semaphore] = (
            weakref.WeakValueDictionary())

    def for_request(self) -> asyncio.Semaphore:
        return asyncio.Semaphore(self.per_official)

    def for_official(self, official_id: str) -> asyncio.Semaphore:
        # Per event loop too: a semaphore belongs to the loop it first waits on.
        key = (id(asyncio.get_running_loop()), official_id)
        gate = self._gates.get(key)
        if gate is None:
            gate = asyncio.Semaphore(self.per_official)
            self._gates[key] = gate
        return gate
