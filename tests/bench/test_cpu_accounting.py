"""bench.scale_out's arithmetic: CPU from /proc lines, over process trees and over backends
that come and go, per operation; the machine's busy cores; a phase's rate and percentiles."""

from __future__ import annotations

import math

import pytest

from bench.cpu_accounting import (
    Phase,
    busy,
    busy_cores,
    by_role,
    parse_stat,
    per_op_ms,
    rest_per_op,
    spent,
    tree,
)

# A real /proc/PID/stat line, with a command name holding a space and a ")".
STAT = ("4242 (giaoviec api) x) S 4200 4242 4242 0 -1 4194560 9000 0 12 0 "
        "250 130 7 3 20 0 9 0 123456 0 0")


def test_parse_stat_reads_the_parent_and_user_plus_system_time() -> None:
    parent, cpu = parse_stat(STAT, ticks=100)
    assert parent == 4200
    assert cpu == pytest.approx(3.80)  # (250 + 130) ticks; the children's 7 + 3 not counted


def test_tree_holds_the_root_and_all_its_descendants_only() -> None:
    parents = {10: 1, 11: 10, 12: 11, 13: 10, 20: 1, 21: 20}
    assert tree(10, parents) == {10, 11, 12, 13}
    assert tree(21, parents) == {21}
    assert tree(99, parents) == {99}  # gone: itself only (it is then absent from the sample)


def test_spent_counts_members_from_the_window_start_or_their_birth() -> None:
    samples = [
        {1: 10.0, 2: 5.0},            # at the start
        {1: 11.0, 2: 5.5, 3: 0.2},    # 3 born during the window
        {1: 12.5, 3: 0.9},            # 2 ended after the last sample that saw it
    ]
    # 1: 12.5 - 10; 2: 5.5 - 5 (up to its last sample); 3: all 0.9 of its life
    assert spent(samples) == pytest.approx(2.5 + 0.5 + 0.9)
    assert spent([]) == 0.0
    assert spent([{1: 3.0}]) == 0.0


def test_busy_cores_from_proc_stat_lines() -> None:
    before = "cpu  100 0 50 800 50 0 0 0 0 0"
    after = "cpu  250 0 100 900 50 0 0 0 30 0"  # guest is inside user already
    assert busy(before) == (150.0, 1000.0)
    # 200 busy of 300 jiffies elapsed, on 2 cores
    assert busy_cores(before, after, cores=2) == pytest.approx(2 * 200 / 300)
    assert busy_cores(before, before, cores=2) == 0.0


def test_per_op_and_phase_figures() -> None:
    assert per_op_ms(1.5, 300) == pytest.approx(5.0)
    assert math.isnan(per_op_ms(1.0, 0))
    phase = Phase(wall=10.0, latencies={"a": [0.01 * i for i in range(1, 101)],
                                        "b": [2.0] * 20}, errors=3)
    assert phase.ops == 120 and phase.rate == pytest.approx(12.0)
    p50, p95 = phase.quantiles("a")
    assert (p50, p95) == (pytest.approx(500.0), pytest.approx(950.0))  # nearest rank
    p50_all, p95_all = phase.quantiles()
    assert p50_all == pytest.approx(600.0) and p95_all == pytest.approx(2000.0)
    assert all(math.isnan(q) for q in phase.quantiles("none"))


def test_by_role_sums_the_pairs_processes() -> None:
    cpu = {"temporal": 3.0, "api1": 1.0, "api2": 1.5, "worker1": 2.0, "worker2": 2.5,
           "proxy": 0.1, "postgres": 0.7}
    assert by_role(cpu) == {"temporal": 3.0, "api": 2.5, "worker": 4.5, "proxy": 0.1,
                            "postgres": 0.7}


def test_rest_per_op_takes_the_known_kinds_out_of_a_mixed_load() -> None:
    # 10 assignments at 60 ms and 40 reads at 20 ms, measured alone; the mixed load spent
    # 2.4 s over them and 40 acts: the acts cost (2400 - 600 - 800) / 40 = 25 ms each.
    assert rest_per_op(2.4, [(60.0, 10), (20.0, 40)], 40) == pytest.approx(25.0)
    assert math.isnan(rest_per_op(1.0, [], 0))


def test_act_cost_from_one_rounds_three_phases() -> None:
    from bench.scale_out_report import act_cost

    assign = {"ops": 10, "cpu_s": {"api1": 0.3, "worker1": 0.3}}  # 30 + 30 ms per assignment
    read = {"ops": 40, "cpu_s": {"api1": 0.8, "worker1": 0.0}}  # 20 ms of API per read
    mixed = {"by_op": {"assignTask": {"n": 2}, "acceptTask": {"n": 2}, "approveTask": {"n": 2},
                       "dashboard figures": {"n": 4}},
             "cpu_s": {"api1": 0.16, "worker1": 0.10}}
    cost = act_cost(mixed, assign, read)
    # api: (160 - 2*30 - 4*20) / 4 acts; worker: (100 - 2*30) / 4
    assert cost["api"] == pytest.approx(5.0) and cost["worker"] == pytest.approx(10.0)
    assert cost["temporal"] == 0.0
