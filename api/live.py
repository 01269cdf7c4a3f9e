"""Live updates: a GraphQL subscription (graphql-transport-ws) fed from the event trail.

The worker writes events in another process, so the API follows the `taskevent` table by its
increasing id: one small poller per process and database (every ~0.5 s, only while someone
listens) fans new event ids out to the subscribers; each subscriber then keeps only the events
whose task its viewer may read — the same rule as `task(id)` (giaoviec.reads.visibility).
Polling by id works on SQLite and PostgreSQL alike; on PostgreSQL ids commit out of order, so
the poller's cursor (giaoviec.reads.events.EventCursor) asks again for the ids it skipped.
A subscriber that falls QUEUE_LIMIT batches behind loses its oldest batches: nothing tells it
so, the changes in them never reach it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime
from typing import NoReturn

import strawberry
from sqlalchemy.engine import Engine
from starlette.websockets import WebSocket

from api.auth import unauthenticated
from api.context import Info, RequestContext
from api.tasks.types import Task, TaskEvent
from giaoviec.reads import read
from giaoviec.reads.events import EventCursor, NewEvent, readable_events
from giaoviec.reads.org import get_unit

log = logging.getLogger("giaoviec.live")
POLL_SECONDS = 0.5
QUEUE_LIMIT = 100  # batches a slow subscriber may fall behind; past that its oldest are dropped


class EventFeed:
    """Follows the event trail for one database in one event loop; fans out new events."""

    def __init__(self, engine: Engine, interval: float = POLL_SECONDS) -> None:
        self.engine = engine
        self.interval = interval
        self._queues: set[asyncio.Queue[list[NewEvent]]] = set()
        self._task: asyncio.Task[None] | None = None
        self._cursor = EventCursor()

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[list[NewEvent]]]:
        """A queue of new-event batches, from the moment of the call on."""
        queue: asyncio.Queue[list[NewEvent]] = asyncio.Queue(QUEUE_LIMIT)
        if self._task is None or self._task.done():
            self._cursor = await asyncio.to_thread(read, self.engine, EventCursor.at_end)
            self._task = asyncio.create_task(self._poll())
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)
            if not self._queues and self._task is not None:
                self._task.cancel()  # nobody listens: leave the database alone
                self._task = None

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                batch = await asyncio.to_thread(read, self.engine, self._cursor.read)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the feed
                log.exception("event feed: reading new events failed")
                continue
            if not batch:
                continue
            for queue in list(self._queues):
                if queue.full():  # a stuck subscriber loses old batches, not the feed
                    with contextlib.suppress(asyncio.QueueEmpty):
                        queue.get_nowait()
                queue.put_nowait(batch)


# A subscription outlives the request that opened it: its viewer is checked again at least
# this often, and when its token expires (RequestContext.revoked).
RECHECK_SECONDS = 60.0
CLOSE_REASONS = {4401: "Phiên đăng nhập đã hết hạn.", 4403: "Tài khoản không còn được dùng."}


def _clock() -> float:
    return time.monotonic()


def _next_check(ctx: RequestContext) -> float:
    wait = RECHECK_SECONDS
    if ctx.expires_at is not None:
        wait = min(wait, (ctx.expires_at - datetime.now(UTC)).total_seconds())
    return _clock() + max(0.0, wait)


async def _close(ctx: RequestContext, code: int) -> NoReturn:
    """Close the connection (4401 expired, 4403 deactivated) and wait for its handler to end
    this subscription; nothing more is sent on it."""
    socket = getattr(ctx, "request", None)
    if not isinstance(socket, WebSocket):
        raise unauthenticated(CLOSE_REASONS[code])
    await socket.close(code=code, reason=CLOSE_REASONS[code])
    await asyncio.Event().wait()
    raise AssertionError("unreachable")  # the wait above only ends by cancellation


_feeds: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, EventFeed]] = (
    weakref.WeakKeyDictionary())


def feed_for(engine: Engine) -> EventFeed:
    """The one feed of this process (per event loop and database)."""
    per_loop = _feeds.setdefault(asyncio.get_running_loop(), {})
    if id(engine) not in per_loop:
        per_loop[id(engine)] = EventFeed(engine)
    return per_loop[id(engine)]


@strawberry.type(description="Một thay đổi của nhiệm vụ: một bước mới trong quá trình xử lý "
                             "(thao tác của ai đó, nhắc việc, cảnh báo) và nhiệm vụ sau bước đó.")
class TaskChange:
    event: TaskEvent = strawberry.field(description="Bước mới.")
    task: Task = strawberry.field(description="Nhiệm vụ sau bước đó.")


@strawberry.subscription(description="Theo dõi trực tiếp các thay đổi của những nhiệm vụ "
                                     "người đăng nhập được xem (giao thức "
                                     "graphql-transport-ws); lọc theo một nhiệm vụ hoặc các "
                                     "nhiệm vụ do một đơn vị (gồm trực thuộc) chủ trì.")
async def task_changes(
    info: Info, task_id: strawberry.ID | None = None,
    unit_id: strawberry.ID | None = None,
) -> AsyncGenerator[TaskChange, None]:
    ctx = info.context
    viewer = await ctx.viewer()
    unit_path = None
    if unit_id is not None:
        unit_path = (await ctx.db(lambda s: get_unit(s, str(unit_id)))).path
    wanted = str(task_id) if task_id is not None else None
    check_at = _next_check(ctx)
    async with feed_for(ctx.app.engine).listen() as queue:
        while True:
            try:
                batch = await asyncio.wait_for(queue.get(), max(0.0, check_at - _clock()))
            except TimeoutError:
                batch = []
            if _clock() >= check_at:
                if (code := await ctx.revoked()) is not None:
                    await _close(ctx, code)
                viewer, check_at = await ctx.viewer(), _next_check(ctx)
            if not batch:
                continue
            found = await ctx.db(lambda s, b=batch, v=viewer: readable_events(
                s, v, b, task_id=wanted, unit_path=unit_path))
            if found:
                ctx.renew()  # a long-lived connection: fresh clock and loaders per change
            for event, task in found:
                yield TaskChange(event=TaskEvent(row=event), task=Task(row=task))
