"""The live feed on PostgreSQL: ids come from a sequence at insert and commit out of order under
concurrent writers; every event must still reach the subscribers, exactly once."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.live import EventFeed
from giaoviec.reads.events import GAP_SECONDS, EventCursor
from giaoviec.store.models import Task, TaskEvent
from tests.conftest import fresh_engine
from tests.org_fixture import seed_small_org, unit_path

AT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
_seq = count(1)


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Engine]:
    for engine in fresh_engine("postgres", tmp_path):
        with Session(engine) as s:
            seed_small_org(s)
            s.add(Task(id="T1", client_key="k1", title="Báo cáo sơ kết", state="in_progress",
                       lead_unit_id="snv", lead_unit_path=unit_path("snv"), owner_id="snv.cb1",
                       assigner_id="chutich", deadline=AT, original_deadline=AT,
                       created_at=AT, updated_at=AT))
            s.commit()
        yield engine


def _event() -> TaskEvent:
    return TaskEvent(task_id="T1", seq=next(_seq), at=AT, action="note", to_state="in_progress")


async def _next(queue: asyncio.Queue[list], seconds: float = 5.0) -> list[int]:
    return [e.id for e in await asyncio.wait_for(queue.get(), seconds)]


async def test_an_event_committed_after_a_later_id_is_still_delivered(pg: Engine) -> None:
    feed = EventFeed(pg, interval=0.05)
    async with feed.listen() as queue:
        with Session(pg) as slow, Session(pg) as fast:
            early = _event()
            slow.add(early)
            slow.flush()  # takes the smaller id and holds its transaction open
            late = _event()
            fast.add(late)
            fast.commit()  # the larger id commits first
            early_id, late_id = early.id, late.id
            assert early_id is not None and late_id is not None and early_id < late_id
            assert await _next(queue) == [late_id]
            slow.commit()
        assert await _next(queue) == [early_id]  # not passed over
        await asyncio.sleep(0.3)
        assert queue.empty()  # and only once


async def test_an_event_begun_before_the_feed_started_is_delivered(pg: Engine) -> None:
    with Session(pg) as slow:
        early = _event()
        slow.add(early)
        slow.flush()  # a smaller id, not committed when the feed starts
        early_id = early.id
        with Session(pg) as fast:
            fast.add(_event())
            fast.commit()
        feed = EventFeed(pg, interval=0.05)
        async with feed.listen() as queue:
            await asyncio.sleep(0.2)
            slow.commit()
            assert await _next(queue) == [early_id]


async def test_concurrent_writers_every_event_delivered_exactly_once(pg: Engine) -> None:
    written: list[int] = []
    lock = threading.Lock()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(15):
            with Session(pg) as s:
                events = [_event() for _ in range(rng.randint(1, 3))]
                s.add_all(events)
                s.flush()
                time.sleep(rng.uniform(0, 0.15))  # ids taken, commit still to come
                s.commit()
                with lock:
                    written.extend(e.id for e in events if e.id is not None)

    feed = EventFeed(pg, interval=0.02)
    delivered: list[int] = []
    async with feed.listen() as queue:
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads) or set(delivered) != set(written):
            try:
                delivered += await _next(queue, 10.0)
            except TimeoutError:
                break
        await asyncio.sleep(0.3)
        while not queue.empty():
            delivered += await _next(queue)
    assert len(written) > 6 * 15
    assert sorted(delivered) == sorted(written)  # all of them, none twice


def test_an_id_never_committed_is_given_up_after_a_while(tmp_path: Path) -> None:
    """A rolled-back insert leaves a hole in the sequence for good: asked for GAP_SECONDS,
    then forgotten; the ids around it are each returned once."""
    for engine in fresh_engine("sqlite", tmp_path):
        with Session(engine) as s:
            seed_small_org(s)
            s.add(Task(id="T1", client_key="k1", title="Báo cáo", state="in_progress",
                       lead_unit_id="snv", lead_unit_path=unit_path("snv"), owner_id="snv.cb1",
                       assigner_id="chutich", deadline=AT, original_deadline=AT,
                       created_at=AT, updated_at=AT))
            for id_ in (1, 2, 4):  # 3 never committed
                event = _event()
                event.id = id_
                s.add(event)
            s.commit()
            cursor = EventCursor()
            assert [e.id for e in cursor.read(s, now=0.0)] == [1, 2, 4]
            assert set(cursor.gaps) == {3}
            assert cursor.read(s, now=GAP_SECONDS - 1) == []
            assert set(cursor.gaps) == {3}
            assert cursor.read(s, now=GAP_SECONDS + 1) == [] and cursor.gaps == {}
            late = _event()
            late.id = 5
            s.add(late)
            s.commit()
            assert [e.id for e in cursor.read(s, now=GAP_SECONDS + 2)] == [5]
