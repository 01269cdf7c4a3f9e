"""The checks `make chaos` prints: exactly once, hung, 5xx outside an outage, memory growth."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from bench.chaos_checks import (
    Outcome,
    cut_connections,
    exactly_once,
    growth,
    hung,
    percentile,
    reminder_lags,
    server_errors_outside,
)


def test_exactly_once_finds_the_missing_and_the_doubled_and_ignores_the_unexpected() -> None:
    result = exactly_once(["a", "b", "c"], ["a", "b", "b", "x", "x"])
    assert result.expected == 3
    assert result.missing == ("c",)
    assert result.doubled == ("b",)
    assert not result.ok
    assert exactly_once(["a", "b"], ["b", "a", "z"]).ok
    assert exactly_once([], []).ok


def test_reminder_lag_is_from_planned_to_the_first_recorded() -> None:
    at = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
    lags = reminder_lags({"t1": at, "t2": at},
                         {"t1": [at + timedelta(seconds=3), at + timedelta(seconds=1)]})
    assert lags == [1.0]


def test_hung_and_server_errors_outside_the_outage() -> None:
    ok = Outcome("tasks", 0, 1, 200)
    slow = Outcome("tasks", 0, 31, 200)
    lost = Outcome("assignTask", 5, 35, None, timed_out=True)
    in_outage = Outcome("assignTask", 10, 11, 503)
    after = Outcome("assignTask", 50, 51, 502)
    outcomes = [ok, slow, lost, in_outage, after]
    assert hung(outcomes, 30) == [slow, lost]
    assert server_errors_outside(outcomes, [(9, 40)]) == [after]
    assert server_errors_outside(outcomes, []) == [lost, in_outage, after]


def test_memory_growth_is_measured_after_warm_up() -> None:
    warming = [100.0, 150.0, 200.0]  # the first third is not counted
    assert growth(warming + [200.0] * 6) == 0.0
    assert math.isclose(growth(warming + [200.0, 200.0, 210.0, 210.0, 230.0, 230.0]), 0.15)
    assert growth([1.0]) == 0.0


def test_percentile() -> None:
    assert percentile([3.0, 1.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile([3.0, 1.0, 2.0, 4.0], 0.99) == 4.0
    assert math.isnan(percentile([], 0.5))


def test_a_cut_connection_counts_wherever_it_happens_a_5xx_answer_does_not() -> None:
    cut = Outcome("acceptTask", 10, 10.1, None)
    answered = Outcome("acceptTask", 10, 10.1, 502)
    over_the_bound = Outcome("assignTask", 5, 35, None, timed_out=True)
    assert cut_connections([cut, answered, over_the_bound, Outcome("tasks", 0, 1, 200)]) == [cut]
