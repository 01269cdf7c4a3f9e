"""bench.timers' arithmetic: each task's lag to its first reminder, and the lost and the
twice-reminded counted apart, so the bench's "none lost, none twice" can be believed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.timers import outcome, percentile

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_lag_is_to_the_first_reminder_and_lost_and_twice_are_named() -> None:
    planned = {"a": at(0), "b": at(10), "c": at(20), "d": at(30)}
    recorded = {"a": [at(0.5)], "b": [at(14), at(12)], "d": [at(31)],
                "other-run": [at(1), at(2)]}
    got = outcome(planned, recorded)
    assert sorted(got.lags) == [0.5, 1.0, 2.0]  # b's lag from its first (earlier) reminder
    assert got.lost == ("c",)
    assert got.twice == ("b",)


def test_all_once_is_clean() -> None:
    got = outcome({"a": at(0)}, {"a": [at(3)]})
    assert got == outcome({"a": at(0)}, {"a": [at(3)], "z": [at(9)]})
    assert (got.lost, got.twice, got.lags) == ((), (), (3.0,))


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([1.0, 2.0], 0.5) == 1.0
