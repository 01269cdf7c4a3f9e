"""The token bucket: never more than the limit in any window, an honest Retry-After, and
bounded memory whatever keys clients make up."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from api.ratelimit import RateLimiter, is_mutation


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@given(per_minute=st.integers(1, 120),
       steps=st.lists(st.tuples(st.floats(0, 30), st.booleans()), max_size=200))
def test_never_more_than_the_limit_in_any_window(
    per_minute: int, steps: list[tuple[float, bool]]
) -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute, max_keys=10, clock=clock)
    granted: list[float] = []
    for delay, spend in steps:
        clock.now += delay
        wait = limiter.take("k")
        if wait is None:
            granted.append(clock.now)
        else:
            assert wait >= 1
            if spend:  # waiting as told is enough
                clock.now += wait
                assert limiter.take("k") is None
                granted.append(clock.now)
    for i, start in enumerate(granted):
        within = [t for t in granted[i:] if t - start < 60]
        # a full bucket, plus what trickles in during the minute
        assert len(within) <= per_minute + per_minute * (within[-1] - start) / 60 + 1e-9


def test_spent_failures_block_until_refilled() -> None:
    clock = Clock()
    limiter = RateLimiter(10, max_keys=10, clock=clock)
    for _ in range(10):
        assert limiter.retry_after("1.2.3.4") is None
        limiter.spend("1.2.3.4")
    assert limiter.retry_after("1.2.3.4") == 6
    limiter.spend("1.2.3.4")  # failures keep coming: still one token's wait, never negative
    assert limiter.retry_after("1.2.3.4") == 6
    assert limiter.retry_after("5.6.7.8") is None
    clock.now += 6
    assert limiter.retry_after("1.2.3.4") is None


def test_memory_is_bounded() -> None:
    limiter = RateLimiter(5, max_keys=100, clock=Clock())
    for n in range(10_000):
        limiter.spend(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter) == 100
    assert limiter.retry_after("10.0.0.0") is None  # the oldest went first


def test_zero_turns_a_limit_off() -> None:
    limiter = RateLimiter(0, max_keys=10, clock=Clock())
    for _ in range(100):
        limiter.spend("k")
        assert limiter.take("k") is None
    assert len(limiter) == 0


def test_mutation_detection() -> None:
    assert is_mutation(b'{"query": "mutation { acceptTask(id: \\"1\\") { id } }"}')
    assert is_mutation(b'{"query": "\\u006dutation M { a }"}')
    assert not is_mutation(b'{"query": "{ me { id } }"}')
    assert not is_mutation(b'{"query": "{ me { mutation: id } }"}')
    both = b'{"query": "query Q { a } mutation M { b }", "operationName": "%s"}'
    assert is_mutation(both % b"M") and not is_mutation(both % b"Q")
    for junk in (b"", b"[]", b'{"query": 1}', b'{"query": "mutation {"}', b"\xff"):
        assert not is_mutation(junk)


def test_mutation_detection_remembers_short_documents_only() -> None:
    from api.ratelimit import MAX_CACHED_QUERY, _runs_mutation

    _runs_mutation.cache_clear()
    body = b'{"query": "mutation A($id: ID!) { acceptTask(id: $id) { id } }", "variables": %s}'
    assert is_mutation(body % b'{"id": "1"}') and is_mutation(body % b'{"id": "2"}')
    assert _runs_mutation.cache_info().hits == 1  # parsed once, other variables notwithstanding
    long = "mutation { a }" + " " * MAX_CACHED_QUERY
    assert is_mutation(json.dumps({"query": long}).encode())
    assert _runs_mutation.cache_info().currsize == 1  # the long one was not kept


def test_a_take_may_spend_a_cost() -> None:
    clock = Clock()
    budget = RateLimiter(6000, max_keys=10, clock=clock)  # 100 a second
    assert budget.take("official:a", 4410) is None
    assert budget.take("official:a", 4410) == 29  # 1,590 left: 2,820 more take 28.2 s
    assert budget.take("official:a", 10) is None  # a cheap one still goes
    clock.now += 29
    assert budget.take("official:a", 4410) is None
    # More than the whole budget spends the whole budget, once full: never refused for ever.
    clock.now += 60
    assert budget.take("official:b", 10_000) is None
    assert budget.take("official:b", 1) is not None
