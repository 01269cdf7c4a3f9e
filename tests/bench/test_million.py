"""bench.million at a small scale, so the million-task bench cannot rot: it migrates, seeds the
nation, loads in bulk (COPY on PostgreSQL) and reads through the GraphQL app in seconds."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from bench.million import (
    DAY,
    DRILL_DOWN,
    HOME,
    TASK_LIST,
    _one_line,
    full_collections,
    plan,
    prepare,
    run,
    sample_units,
    statements,
    task_rows,
)
from domain.calendar import WorkingCalendar
from giaoviec.reads.counts import Clock, total_figures
from giaoviec.store.db import make_engine
from tests.unit.test_migrations import _postgres_database

LEVELS = ("province", "commune")
TIMED = ("task list, first page", "drill-down (unit page)", "home: me", "home: figures",
         "home: lists", "home: ranking", "home: trend", "home: briefing",
         "home: me + figures (first figures)", "home: all six queries")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'million.db'}"
    else:
        yield from _postgres_database()


def test_the_bench_runs_small(database_url: str) -> None:
    timings = run(database_url, 2000, repeats=2, units=2)
    for level in LEVELS:
        for name in TIMED:
            samples = timings.samples[f"{level}: {name}"]
            assert len(samples) == 2 and all(ms > 0 for ms in samples)
    # and the tasks it loaded are counted as the report it copies counts them
    engine = make_engine(database_url)
    with Session(engine) as s:
        figures = total_figures(s, [], Clock.at(datetime.now(UTC), WorkingCalendar(),
                                                live=True))
    engine.dispose()
    assert 1940 < figures.total < 2000  # a few cancelled or declined
    share = {name: getattr(figures, name) / figures.total for name in (
        "completed_on_time", "completed_late", "open_in_time", "open_overdue")}
    # DOMAIN.md: 14,068 on time, 1,983 late, 5,640 open in time, 223 overdue of 21,914
    assert share["completed_on_time"] == pytest.approx(0.642, abs=0.03)
    assert share["completed_late"] == pytest.approx(0.090, abs=0.02)
    assert share["open_in_time"] == pytest.approx(0.257, abs=0.03)
    assert share["open_overdue"] == pytest.approx(0.010, abs=0.008)


def test_a_query_of_several_root_fields_looks_the_viewer_up_once(database_url: str) -> None:
    """The unit page asks `unit` and `tasks`, the home's lists two `tasks`: they resolve side
    by side, and the first to need the signed-in official looks him up for all."""
    engine = prepare(database_url, 200, reuse=False)
    province, head = sample_units(engine, 1)["province"][0]
    for query in (DRILL_DOWN, dict(HOME)["lists"]):
        sent = asyncio.run(statements(engine, head, query, {"u": province}))
        assert sum("WHERE official.username" in s for _, s, _ in sent) == 1, sent
    engine.dispose()


def test_rows_are_the_same_for_the_same_seed() -> None:
    units = [("p1", "/p1/", None), ("p1-xa-1", "/p1/p1-xa-1/", "p1")]
    chairmen = {"p1": "p1.chutich", "p1-xa-1": "p1.ct.1"}
    now = datetime(2026, 12, 1, tzinfo=UTC)
    first = list(task_rows(units, chairmen, 50, now))
    assert first == list(task_rows(units, chairmen, 50, now))
    assert all(row[10] > row[12] for row in first)  # deadline after creation


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _postgres_database()


def test_a_provinces_reads_use_the_indexes_made_for_them(postgres_url: str) -> None:
    """Migrations 0009, 0014, 0015 and 0016's indexes serve what a province's chairman reads:
    his subtree's list and counts (LIKE on the unit path: a pattern-ops index, the counts
    index-only), what awaits his decision and his unit page's officials' counts. Seq scans
    are turned off, as a small table would otherwise always be read whole: what is held is
    that the query's shape can use the index at all."""
    engine = prepare(postgres_url, 2000, reuse=False)
    province, head = sample_units(engine, 1)["province"][0]
    found: dict[str, dict[str, str]] = {}
    for name, query in (("list", TASK_LIST), ("figures", dict(HOME)["figures"]),
                        ("lists", dict(HOME)["lists"]), ("unit page", DRILL_DOWN)):
        sent = asyncio.run(statements(engine, head, query, {"u": province}))
        found[name] = {statement: plan(engine, statement, params, analyze=False,
                                       settings=("enable_seqscan = off",))
                       for _, statement, params in sent if "FROM task" in statement}
    engine.dispose()
    subtree = [p for name in ("list", "figures") for s, p in found[name].items()
               if "lead_unit_path LIKE" in s]
    # the list's count and page are one statement (0013), the figures another: as of now,
    # the open tasks from their own index and the completed ones from the rollup (0014)
    assert len(subtree) >= 2 and all(
        "ix_task_subtree" in p or "ix_task_open_subtree" in p for p in subtree), found
    assert any("Index Only Scan using ix_task_open_subtree" in p
               for s, p in found["figures"].items() if "lead_unit_path LIKE" in s), found
    # who may await his decision: one index range per visibility alternative (0015)
    awaiting = [p for s, p in found["lists"].items()
                if s.startswith("SELECT task.assigner_id") and "UNION" in s]
    assert awaiting and all("ix_task_awaiting_subtree" in p and "ix_task_awaiting_owner" in p
                            and "Seq Scan on task " not in p for p in awaiting), found["lists"]
    # the officials' counts: one index range each, nothing read from the table (0016)
    owners = [p for s, p in found["unit page"].items() if "task.owner_id AS group_key" in s]
    assert owners and all("Index Only Scan using ix_task_owner_counts" in p
                          for p in owners), found["unit page"]


def test_a_provinces_pages_are_gathered_from_the_index_alone(postgres_url: str) -> None:
    """Migration 0013: a subtree's list and what awaits a decision are pages of a set gathered
    from one index without reading the table (giaoviec.reads.tasks._gathered_page), not a walk
    of ix_task_deadline that reads the window's tasks of every unit."""
    engine = prepare(postgres_url, 2000, reuse=False)  # and VACUUM ANALYZE, as loaded
    province, head = sample_units(engine, 1)["province"][0]
    now = datetime.now(UTC)
    window = {"from": (now - 30 * DAY).isoformat(), "to": (now + 30 * DAY).isoformat()}
    gathered: dict[str, str] = {}
    for name, query, variables in (("list", TASK_LIST, {"u": province, **window}),
                                   ("lists", dict(HOME)["lists"], {"u": province})):
        for _, statement, params in asyncio.run(statements(engine, head, query, variables)):
            if "WITH hits AS MATERIALIZED" in statement:
                key = "decisions" if "assigner_id IN" in statement else name
                gathered[key] = plan(engine, statement, params, analyze=False,
                                     settings=("enable_seqscan = off",))
    engine.dispose()
    assert "Index Only Scan using ix_task_subtree" in gathered["list"], gathered
    assert "Index Only Scan using ix_task_awaiting_decision" in gathered["decisions"], gathered


def test_postgresql_plans_each_statement_for_its_values(postgres_url: str) -> None:
    """No statement is prepared on the server however often it runs, so none is given a
    generic plan that cannot use the subtree's pattern index (docs/benchmarks.md)."""
    engine = make_engine(postgres_url)
    with engine.connect() as conn:
        for i in range(12):
            conn.execute(text("SELECT count(*) FROM pg_class WHERE relname LIKE :p || '%'"),
                         {"p": f"pg_{i % 2}"})
        prepared = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
    engine.dispose()
    assert prepared == 0


def test_full_collections_are_timed_only_inside() -> None:
    pauses: list[float] = []
    with full_collections(pauses):
        gc.collect()  # a full collection
        gc.collect(0)  # a young one: not counted
    gc.collect()
    assert len(pauses) == 1 and pauses[0] >= 0


def test_each_statement_is_listed_on_one_line_with_its_execution() -> None:
    plan_text = """GroupAggregate  (cost=0.43..627.84 rows=2474 width=36)
  ->  Index Only Scan using ix_task_owner_counts on task  (cost=0.43..562.84 rows=2684)
        Index Cond: (owner_id = 'p79.chutich'::text)
Planning Time: 0.9 ms
Execution Time: 3.041 ms"""
    statement = """SELECT anon_1.group_key, coalesce(sum(1), 0)
FROM (SELECT task.owner_id AS group_key FROM task) AS anon_1 GROUP BY anon_1.group_key"""
    line = _one_line(statement, plan_text)
    assert line.startswith("    3.0 ms  Index Only Scan using ix_task_owner_counts on task ")
    assert line.endswith("… task.owner_id AS group_key") and "\n" not in line
    assert _one_line("SELECT 1 FROM unit", "Result").startswith("    0.0 ms  - ")


def test_python_calls_are_counted_per_query_the_same_each_time(tmp_path: Path) -> None:
    from bench.million_calls import count_calls

    engine = prepare(f"sqlite:///{tmp_path / 'calls.db'}", 300, reuse=False)
    first, again = count_calls(engine), count_calls(engine)
    engine.dispose()
    names = {(level, name) for level, name, _, _ in first}
    assert names == {(level, name) for level in LEVELS
                     for name in TIMED if name != "home: me + figures (first figures)"
                     and name != "home: all six queries"}
    for (level, name, calls, graphql), (_, _, calls_again, _) in zip(first, again, strict=True):
        # the API's work, not the machine's speed: close run to run (the second in this
        # process finds the caches the first warmed; separate processes agree closer)
        assert calls > 1000 and abs(calls - calls_again) <= calls // 10, (level, name)
        assert 0 < graphql < calls, (level, name)  # GraphQL's share, counted apart
    assert sys.getprofile() is None and threading.getprofile() is None


def test_cpu_is_split_between_the_event_loop_and_the_reading_threads(tmp_path: Path) -> None:
    from bench.million_calls import cpu_split

    engine = prepare(f"sqlite:///{tmp_path / 'cpu.db'}", 300, reuse=False)
    found = cpu_split(engine, rounds=3)
    engine.dispose()
    assert len(found) == 2 * 8  # both levels, every query timed alone
    for level, name, on_loop, in_threads in found:
        # every query runs GraphQL on the loop and reads (the viewer, at least) in a thread
        assert on_loop > 0 and in_threads > 0, (level, name, on_loop, in_threads)
