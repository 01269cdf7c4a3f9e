"""The checks `make chaos` prints: exactly once, hung, 5xx outside an outage, memory growth."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from bench.chaos_checks import (
    HistoryEvent,
    Outcome,
    cut_connections,
    exactly_once,
    growth,
    hung,
    late_reminders,
    percentile,
    reminder_lags,
    server_errors_outside,
    what_it_waited_on,
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


def test_late_reminders_are_those_over_the_bound_latest_first() -> None:
    at = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
    late = late_reminders(
        {"t1": at, "t2": at, "t3": at, "t4": at},
        {"t1": [at + timedelta(seconds=11.3)], "t2": [at + timedelta(seconds=0.7)],
         "t3": [at + timedelta(seconds=6), at + timedelta(seconds=30)]}, 5.0)
    assert late == [("t1", 11.3), ("t3", 6.0)]


def test_what_a_late_reminder_waited_on_is_the_history_around_it() -> None:
    t0 = datetime(2026, 12, 6, 6, 56, 30, tzinfo=UTC)

    def ev(n: int, seconds: float, kind: str) -> HistoryEvent:
        return HistoryEvent(n, t0 + timedelta(seconds=seconds), kind)

    events = [ev(1, 0, "WORKFLOW_EXECUTION_STARTED"), ev(11, 0.2, "TIMER_STARTED"),
              ev(12, 5, "WORKFLOW_TASK_COMPLETED"), ev(21, 30.2, "TIMER_FIRED"),
              ev(22, 30.2, "WORKFLOW_TASK_SCHEDULED"), ev(23, 31.2, "WORKFLOW_TASK_STARTED"),
              ev(24, 41.2, "WORKFLOW_TASK_TIMED_OUT"), ev(25, 41.2, "WORKFLOW_TASK_SCHEDULED"),
              ev(26, 41.26, "WORKFLOW_TASK_STARTED"), ev(27, 41.3, "WORKFLOW_TASK_COMPLETED"),
              ev(28, 41.3, "MARKER_RECORDED"), ev(30, 50, "WORKFLOW_TASK_SCHEDULED"),
              ev(31, 51, "WORKFLOW_TASK_STARTED")]
    shown = what_it_waited_on(reversed(events), t0 + timedelta(seconds=30),
                              t0 + timedelta(seconds=41.26))
    assert [e.event_id for e in shown] == [12, 21, 22, 23, 24, 25, 26, 27, 28, 30]
    assert what_it_waited_on([], t0, t0) == []


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
