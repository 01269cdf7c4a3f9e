"""bench.timers' arithmetic: each task's lag to its first reminder, and the lost and the
twice-reminded counted apart, so the bench's "none lost, none twice" can be believed; and the
CPU each process spent over the burst, per reminder and in cores, from two readings of its ticks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytest import approx

from bench.timers import cpu_use, outcome, percentile, tree

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


# CPU per reminder: ticks read at the start and the end of the burst ---------------------------


def test_cpu_per_reminder_and_cores_from_two_readings() -> None:
    start = {"temporal": {(10, "5"): 1_000},
             "proxy": {(20, "7"): 50, (21, "8"): 400},  # HAProxy's master and its worker
             "gone": {(30, "9"): 5}}
    end = {"temporal": {(10, "5"): 1_870},
           # the worker restarted meanwhile (a new start time): all its ticks count
           "proxy": {(20, "7"): 50, (21, "8"): 430, (21, "99"): 20},
           "idle": {(40, "3"): 9}}  # not read at the start: born in the window
    got = {row.name: row for row in cpu_use(start, end, window=20.0, reminders=400, hz=100)}
    assert set(got) == {"temporal", "proxy", "idle"}  # a group not read at the end: left out
    temporal = got["temporal"]
    assert temporal.seconds == approx(8.7)  # 870 ticks at 100 a second
    assert temporal.per_reminder_ms == approx(21.75)  # 8.7 s over 400 reminders
    assert temporal.cores == approx(0.435)  # 8.7 s over 20 s
    assert (got["proxy"].seconds, got["proxy"].processes) == (approx(0.5), 3)  # 30 + 20 ticks
    assert got["idle"].seconds == approx(0.09)


def test_cpu_with_no_reminder_or_no_window_has_no_ratio() -> None:
    reading = {"worker1": {(1, "1"): 100}}
    later = {"worker1": {(1, "1"): 150}}
    none = cpu_use(reading, later, window=10.0, reminders=0, hz=100)[0]
    assert (none.per_reminder_ms, none.cores) == (None, approx(0.05))
    empty = cpu_use(reading, reading, window=0.0, reminders=0, hz=100)[0]
    assert (empty.seconds, empty.per_reminder_ms, empty.cores) == (0.0, None, None)


def test_a_process_tree_is_the_process_and_its_descendants() -> None:
    table = {(1, "0"): (0, 5), (100, "10"): (1, 7), (101, "11"): (100, 3),
             (102, "12"): (101, 2), (200, "20"): (1, 1000)}
    assert tree(table, 100) == {(100, "10"): 7, (101, "11"): 3, (102, "12"): 2}
    assert tree(table, 102) == {(102, "12"): 2}
    assert tree(table, 999) == {}  # gone
