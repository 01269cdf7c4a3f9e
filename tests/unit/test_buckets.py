"""giaoviec.store.buckets: the rate-limit buckets in Redis are one budget for every process;
when Redis is configured but down, each process counts alone and says so in the log."""

from __future__ import annotations

import logging
import os
import uuid

import pytest

from giaoviec.store.buckets import MemoryBuckets, RedisBuckets, bucket_store


def redis_url() -> str:
    """The machine's Redis (`TEST_REDIS_URL`, default 127.0.0.1:6379 db 15). Without one the
    tests skip, except on CI where they must run."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} does not answer on CI: {err}")
        pytest.skip(f"Redis at {url} does not answer: {err}")
    return url


def process(url: str, name: str, per_minute: int = 3) -> RedisBuckets:
    """One API process's view of the store."""
    store = bucket_store(url, name, per_minute, max_keys=100)
    assert isinstance(store, RedisBuckets)
    return store


def test_processes_share_one_budget() -> None:
    url, name = redis_url(), f"test-{uuid.uuid4().hex}"
    first, second = process(url, name), process(url, name)
    assert first.take("official:vp.cv") is None
    assert second.take("official:vp.cv") is None
    assert first.take("official:vp.cv") is None
    # Three a minute between both: the fourth waits ~20 s whichever process it reaches.
    wait = second.take("official:vp.cv")
    assert wait is not None and 1 <= wait <= 20
    assert first.retry_after("official:vp.cv") is not None
    assert second.take("official:chutich") is None  # another official, another bucket
    assert first.fallback.take("official:vp.cv") is None  # nothing was counted locally


def test_spent_failures_count_everywhere() -> None:
    url, name = redis_url(), f"test-{uuid.uuid4().hex}"
    first, second = process(url, name, per_minute=2), process(url, name, per_minute=2)
    first.spend("203.0.113.7")
    second.spend("203.0.113.7")
    assert first.retry_after("203.0.113.7") is not None
    assert second.retry_after("198.51.100.1") is None


def test_a_redis_that_is_down_falls_back_to_this_process(caplog: pytest.LogCaptureFixture
                                                         ) -> None:
    down = process("redis://127.0.0.1:1/0", f"test-{uuid.uuid4().hex}", per_minute=2)
    with caplog.at_level(logging.WARNING, logger="giaoviec.ratelimit"):
        assert down.take("official:vp.cv") is None
        assert down.take("official:vp.cv") is None
        assert down.take("official:vp.cv") is not None  # still limited, per process
    warnings = [r for r in caplog.records if "Redis does not answer" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not once per request


def test_without_a_url_each_process_counts_alone() -> None:
    assert isinstance(bucket_store(None, "mutations", 60, 100), MemoryBuckets)


def test_a_take_spends_its_amount_everywhere() -> None:
    url, name = redis_url(), f"test-{uuid.uuid4().hex}"
    first, second = process(url, name, per_minute=6000), process(url, name, per_minute=6000)
    assert first.take("official:vp.cv", 4410) is None
    wait = second.take("official:vp.cv", 4410)  # 1,590 left: about 28 s to wait
    assert wait is not None and 27 <= wait <= 29
    assert second.take("official:vp.cv", 10) is None
    assert second.take("official:vp.cv", 10_000) is not None
