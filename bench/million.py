"""Benchmark: a million tasks on PostgreSQL over the national organisation, read as leaders do.

Migrates an empty database with the project's Alembic migrations, seeds all 34 provinces and
3,321 communes (`seed_national`), loads N tasks in bulk (COPY on PostgreSQL, executemany on
SQLite) with states and deadlines spread like the Government Office's report in DOMAIN.md,
then times, through the real GraphQL app in this process (ASGI, no network), as the unit's
chairman:
- the task list: 50 a page, the unit's subtree, a state filter and a deadline window
  (first page and the next one by cursor);
- the drill-down: a unit with its children and their counts (the dashboard's unit page);
- the dashboard home, each of its queries in the order the page sends them;
for a province and for a commune, rotating over several of each; p50 and p95.

    createdb -h 127.0.0.1 -U postgres giaoviec_million
    nice -n 10 .venv/bin/python -m bench.million --tasks 1000000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/giaoviec_million
    .venv/bin/python -m bench.million --tasks 2000   # SQLite, seconds (the smoke test's size)

`--explain` prints PostgreSQL's EXPLAIN ANALYZE of the statements behind the slowest query of
each kind; `--calls` counts the Python calls each query makes (and its CPU on the event loop
and in the reading threads). `--reuse` keeps the tasks
already in the database (a second run, other options).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import random
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from api.auth import issue_dev_token
from domain.calendar import WorkingCalendar
from domain.lifecycle import TaskState
from giaoviec.config import Settings
from giaoviec.orgdata.seed import seed_national
from giaoviec.programs.heap import settle_heap
from giaoviec.services.tasks import TaskService
from giaoviec.store import completed_counts
from giaoviec.store.db import make_engine
from giaoviec.store.migrate import upgrade_database
from giaoviec.store.models import Official, Task, Unit
from workflows.contracts import CalendarConfig

_S = TaskState
DAY = timedelta(days=1)

# The Government Office's report (DOMAIN.md): 21,914 tasks; completed 16,051 (14,068 on time,
# 1,983 late); open 5,863 (5,640 in time, 223 overdue). Open tasks are split over the open
# states as a working system has them; a few are cancelled or declined (not counted there).
SPREAD: tuple[tuple[str, float], ...] = (
    ("completed_on_time", 14_068 / 21_914),
    ("completed_late", 1_983 / 21_914),
    ("open_in_time", 5_640 / 21_914),
    ("open_overdue", 223 / 21_914),
    ("cancelled", 0.010),
    ("declined", 0.004),
)
OPEN_STATES = ((_S.ASSIGNED, 0.25), (_S.IN_PROGRESS, 0.55), (_S.SUBMITTED, 0.12),
               (_S.RETURNED, 0.04), (_S.PAUSED, 0.04))
PROVINCE_SHARE = 0.15  # tasks the provincial UBND leads itself; the rest go to communes
COLUMNS = ("id", "client_key", "request_hash", "title", "search_text", "state", "lead_unit_id",
           "lead_unit_path", "owner_id", "assigner_id", "deadline", "original_deadline",
           "created_at", "updated_at", "accepted_at", "submitted_at", "completed_at",
           "paused_at", "cancelled_at", "declined_at", "returned_at",
           "extension_requested_deadline", "progress", "overdue_reminders", "flagged",
           "version")
TOPICS = ("Báo cáo kiểm đếm", "Rà soát hồ sơ đất đai", "Tổng hợp số liệu dân số",
          "Kiểm tra an toàn thực phẩm", "Chuyển đổi số thủ tục hành chính",
          "Xử lý đơn thư kiến nghị", "Phòng chống thiên tai", "Giải ngân vốn đầu tư công")
FOLDED = ("bao cao kiem dem", "ra soat ho so dat dai", "tong hop so lieu dan so",
          "kiem tra an toan thuc pham", "chuyen doi so thu tuc hanh chinh",
          "xu ly don thu kien nghi", "phong chong thien tai", "giai ngan von dau tu cong")


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    r = rng.random() * sum(w for _, w in weighted)
    for value, weight in weighted:
        r -= weight
        if r <= 0:
            return value
    return weighted[-1][0]


def task_rows(units: list[tuple[str, str, str | None]], chairmen: dict[str, str], n: int,
              now: datetime, seed: int = 17, spread: tuple[tuple[str, float], ...] = SPREAD,
              ) -> Iterator[tuple[Any, ...]]:
    """N tasks as rows of COLUMNS: a year's work up to `now`, spread as `spread` says.
    `units`: (id, path, parent id) of every unit; provinces have no parent."""
    rng = random.Random(seed)
    provinces = [u for u in units if u[2] is None]
    communes = [u for u in units if u[2] is not None]
    for i in range(n):
        unit_id, path, parent = rng.choice(provinces if rng.random() < PROVINCE_SHARE
                                           else communes)
        owner = chairmen[unit_id]
        assigner = chairmen[parent] if parent else owner
        kind = _pick(rng, spread)
        span = timedelta(days=rng.randint(5, 60), hours=rng.randint(0, 23))
        submitted = completed = paused = cancelled = declined = returned = accepted = None
        extension = None
        flagged = False
        reminders = 0
        if kind.startswith("completed"):
            # fell due (and was done) some time in the past year
            deadline = now - timedelta(days=rng.uniform(1, 330))
            created = deadline - span
            if kind == "completed_on_time":
                submitted = deadline - timedelta(hours=rng.uniform(1, 24 * 10))
            else:
                submitted = deadline + timedelta(hours=rng.uniform(1, 24 * 20))
            submitted = max(submitted, created + timedelta(hours=1))
            completed = min(submitted + timedelta(hours=rng.uniform(1, 72)), now)
            state = _S.COMPLETED
        elif kind == "open_overdue":
            deadline = now - timedelta(days=rng.uniform(0.5, 45))
            created = deadline - span
            state = rng.choice((_S.ASSIGNED, _S.IN_PROGRESS, _S.IN_PROGRESS, _S.RETURNED))
            reminders = rng.randint(1, 6)
            flagged = reminders > 3  # Hà Nội's practice: raised by name at the next giao ban
        else:
            deadline = now + timedelta(days=rng.uniform(0.1, 60))
            created = min(deadline - span, now - timedelta(hours=1))
            state = _pick(rng, OPEN_STATES) if kind == "open_in_time" else _S(kind)
            if state is _S.SUBMITTED:
                submitted = now - timedelta(hours=rng.uniform(1, 48))
            elif state is _S.PAUSED:
                paused = now - timedelta(days=rng.uniform(1, 10))
            elif state is _S.RETURNED:
                submitted = now - timedelta(days=rng.uniform(2, 5))
                returned = submitted + DAY
            elif state is _S.CANCELLED:
                cancelled = now - timedelta(days=rng.uniform(0, 5))
            elif state is _S.DECLINED:
                declined = created + timedelta(hours=rng.uniform(1, 48))
            if state is _S.IN_PROGRESS and rng.random() < 0.02:
                extension = deadline + timedelta(days=rng.randint(3, 15))
        if state is not _S.ASSIGNED and state is not _S.DECLINED:
            accepted = created + timedelta(hours=rng.uniform(1, 24))
        topic = rng.randrange(len(TOPICS))
        yield (
            f"m{i:07d}", f"m{i}", "", f"{TOPICS[topic]} đợt {i}", f"{FOLDED[topic]} dot {i}",
            state.value, unit_id, path, owner, assigner, deadline, deadline, created,
            completed or now, accepted, submitted, completed, paused, cancelled, declined,
            returned, extension, 100 if completed else rng.choice((0, 20, 50, 80)),
            reminders, flagged, 1,
        )


def prepare(database_url: str, tasks: int, reuse: bool) -> Engine:
    """Migrate, seed the nation and load the tasks (unless `reuse` and they are there)."""
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with Session(engine) as s:
        seeded = seed_national(s)
        have = s.execute(select(func.count()).select_from(Task)).scalar_one()
    if reuse and have:
        print(f"reusing {have:,} tasks already loaded")
        return engine
    if have:
        raise SystemExit(f"the database already holds {have:,} tasks: give an empty one "
                         "(or --reuse)")
    with Session(engine) as s:
        units = [tuple(r) for r in s.execute(select(Unit.id, Unit.path, Unit.parent_id))]
        chairmen = {r[0]: r[1] for r in s.execute(select(Official.unit_id, Official.id))}
    t0 = time.perf_counter()
    rows = task_rows(units, chairmen, tasks, datetime.now(UTC))  # type: ignore[arg-type]
    with completed_counts.bulk_load(engine):  # the rollup counted once at the end
        if engine.dialect.name == "postgresql":
            _copy(engine, rows)
        else:
            _insert(engine, rows)
    took = time.perf_counter() - t0
    print(f"seeded {seeded['units']:,} units; loaded {tasks:,} tasks in {took:.1f} s "
          f"({tasks / took:,.0f}/s, {engine.dialect.name})")
    return engine


def _copy(engine: Engine, rows: Iterator[tuple[Any, ...]]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY task ({', '.join(COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        raw.commit()
        # What autovacuum does to freshly loaded tables in its own time, done now: the
        # planner's statistics, and the visibility map that lets counts be index-only scans.
        # The organisation seeded just before too (this server may run without autovacuum):
        # without statistics the planner read all 16,639 units for a page's 46 lead units, or
        # walked unit's primary key for the units that track 168 others.
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        cur.execute("VACUUM ANALYZE task, unit, official, taskcoordinator")
    finally:
        raw.close()


def _insert(engine: Engine, rows: Iterator[tuple[Any, ...]]) -> None:
    with Session(engine) as s:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(dict(zip(COLUMNS, row, strict=True)))
            if len(batch) == 5000:
                s.execute(insert(Task), batch)
                batch.clear()
        if batch:
            s.execute(insert(Task), batch)
        s.commit()


# What is timed ---------------------------------------------------------------------------------

COUNTS = "total completedOnTime completedLate openInTime openOverdue dueSoon onTimeRate"
TASK_LINE = """id title state timeliness deadline flagged overdueReminders
  leadUnit { id name } owner { id fullName }"""
TASK_LIST = f"""query($u: ID!, $from: DateTime, $to: DateTime, $after: String) {{
  tasks(first: 50, after: $after, filter: {{ unitId: $u, states: [ASSIGNED, IN_PROGRESS],
        deadlineFrom: $from, deadlineTo: $to }}) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {TASK_LINE} }} }} }} }}"""
# The dashboard's unit page (api/dashboard/static/app.js, UNIT).
DRILL_DOWN = f"""query($u: ID!) {{
  unit(id: $u) {{ id name kind parent {{ id name parent {{ id name parent {{ id name }} }} }}
    counts {{ {COUNTS} }} countsWithDescendants {{ {COUNTS} }}
    children {{ id name kind countsWithDescendants {{ {COUNTS} }} }}
    officials {{ id fullName title counts {{ {COUNTS} }} }} }}
  tasks(first: 50, filter: {{ unitId: $u, includeDescendants: false }}) {{
    totalCount edges {{ node {{ {TASK_LINE} }} }} }} }}"""
# The dashboard's home page, in the order it asks (app.js: ME, FIGURES, LISTS, RANKING, TREND,
# BRIEFING); the figures are painted once ME and FIGURES are in.
HOME: tuple[tuple[str, str], ...] = (
    ("me", """{ me { id fullName title roles unit { id name kind }
      jurisdiction { id name kind } } }"""),
    ("figures", f"""query($u: ID!) {{ unit(id: $u) {{ id name
      countsWithDescendants {{ {COUNTS} }} }} }}"""),
    ("lists", f"""query($u: ID!) {{
      flagged: tasks(first: 20, filter: {{ unitId: $u, flagged: true, role: ANY }}) {{
        totalCount edges {{ node {{ {TASK_LINE} }} }} }}
      decisions: tasks(first: 50, filter: {{ awaitingMyDecision: true }}) {{
        totalCount edges {{ node {{ {TASK_LINE} progress submittedAt
          output {{ description reference }}
          pendingExtension {{ newDeadline reason }} }} }} }} }}"""),
    ("ranking", f"""query($u: ID!) {{ unit(id: $u) {{
      children {{ id name kind countsWithDescendants {{ {COUNTS} }} }} }} }}"""),
    ("trend", f"""query($u: ID!) {{ tallyTrend(unitId: $u, weeks: 12) {{
      period label asOf stored counts {{ {COUNTS} }} }} }}"""),
    ("briefing", "{ briefing { period number files { html docx xlsx } } }"),
)


@dataclass
class Timings:
    samples: dict[str, list[float]] = field(default_factory=dict)
    # the part of each sample spent waiting on the database (its statements, as the driver
    # saw them): what indexes change, and less disturbed by a busy machine's Python
    database: dict[str, list[float]] = field(default_factory=dict)
    # Python's full (generation 2) collections during the timed rounds, each its pause in ms:
    # a pause lands inside some query's time (docs/benchmarks.md, "Garbage-collection pauses")
    full_collections: list[float] = field(default_factory=list)

    def add(self, name: str, ms: float, db_ms: float) -> None:
        self.samples.setdefault(name, []).append(ms)
        self.database.setdefault(name, []).append(db_ms)


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and max (p95 by the inclusive method: with few samples, near the max)."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    q = statistics.quantiles(values, n=20, method="inclusive")
    return statistics.median(values), q[18], max(values)


class Reader:
    """The GraphQL app in this process, signed in as each unit's chairman."""

    def __init__(self, engine: Engine) -> None:
        # One client sends every read: the per-official cost budget would refuse most of it.
        self.settings = Settings(_env_file=None, rate_cost_per_minute=0,  # type: ignore[call-arg]
                                 rate_refusals_per_minute=0)
        service = TaskService(None, engine, "bench", WorkingCalendar(), CalendarConfig())  # type: ignore[arg-type]
        self.app = create_app(self.settings, engine=engine, service=service)
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                      base_url="http://localhost", timeout=300)
        self.db_seconds = 0.0
        starts: dict[int, float] = {}

        def before(*args: Any) -> None:
            starts[id(args[4])] = time.perf_counter()

        def after(*args: Any) -> None:
            self.db_seconds += time.perf_counter() - starts.pop(id(args[4]), time.perf_counter())

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        self._listeners = ((engine, before), (engine, after))

    async def close(self) -> None:
        await self.http.aclose()
        (engine, before), (_, after) = self._listeners
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)

    async def ask(self, username: str, query: str,
                  variables: dict[str, Any]) -> tuple[dict[str, Any], float, float]:
        """The answer, the milliseconds it took and those of them in the database."""
        headers = {"Authorization": f"Bearer {issue_dev_token(self.settings, username)}"}
        self.db_seconds = 0.0
        start = time.perf_counter()
        r = await self.http.post("/graphql", json={"query": query, "variables": variables},
                                 headers=headers)
        ms = (time.perf_counter() - start) * 1000
        body = r.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return body["data"], ms, self.db_seconds * 1000


def sample_units(engine: Engine, count: int) -> dict[str, list[tuple[str, str]]]:
    """(unit id, chairman's username) of `count` provinces, the largest first, and of `count`
    communes, one in each of those provinces."""
    with Session(engine) as s:
        sizes = dict(s.execute(select(Unit.parent_id, func.count()).where(
            Unit.parent_id.is_not(None)).group_by(Unit.parent_id)).all())  # type: ignore[union-attr]
        provinces = sorted(sizes, key=lambda p: -sizes[p])[:count]
        heads = {r[0]: r[1] for r in s.execute(select(Official.unit_id, Official.username))}
        communes = [s.execute(select(Unit.id).where(Unit.parent_id == p)
                              .order_by(Unit.id)).scalars().first() for p in provinces]
    return {"province": [(p, heads[p]) for p in provinces],
            "commune": [(c, heads[c]) for c in communes if c]}


async def measure(engine: Engine, repeats: int, units_per_level: int,
                  settle: bool = False) -> Timings:
    reader = Reader(engine)
    if settle:  # as `giaoviec api` does once its app is built (heap.py); not in the test suite
        settle_heap()
    timings = Timings()
    now = datetime.now(UTC)
    window = {"from": (now - 30 * DAY).isoformat(), "to": (now + 30 * DAY).isoformat()}
    units = sample_units(engine, units_per_level)
    # One warm-up pass (connections, GraphQL's caches, each unit's computed trend weeks).
    for level, found in units.items():
        for unit_id, head in found:
            await _round(reader, timings, level, unit_id, head, window, record=False)
    with full_collections(timings.full_collections):
        for i in range(repeats):
            for level, found in units.items():
                unit_id, head = found[i % len(found)]
                await _round(reader, timings, level, unit_id, head, window, record=True)
    await reader.close()
    return timings


@contextlib.contextmanager
def full_collections(pauses: list[float]) -> Iterator[None]:
    """Appends the pause of each full garbage collection made meanwhile, in ms."""
    started = 0.0

    def timed(phase: str, info: dict[str, int]) -> None:
        nonlocal started
        if phase == "start":
            started = time.perf_counter()
        elif info["generation"] == 2:
            pauses.append((time.perf_counter() - started) * 1000)

    gc.callbacks.append(timed)
    try:
        yield
    finally:
        gc.callbacks.remove(timed)


async def _round(reader: Reader, timings: Timings, level: str, unit_id: str, head: str,
                 window: dict[str, str], *, record: bool) -> None:
    def note(name: str, ms: float, db_ms: float) -> None:
        if record:
            timings.add(f"{level}: {name}", ms, db_ms)

    data, ms, db = await reader.ask(head, TASK_LIST, {"u": unit_id, **window})
    note("task list, first page", ms, db)
    after = data["tasks"]["pageInfo"]["endCursor"]
    if after:
        _, ms, db = await reader.ask(head, TASK_LIST, {"u": unit_id, **window, "after": after})
        note("task list, next page", ms, db)
    _, ms, db = await reader.ask(head, DRILL_DOWN, {"u": unit_id})
    note("drill-down (unit page)", ms, db)
    whole = painted = whole_db = painted_db = 0.0
    for name, query in HOME:
        _, ms, db = await reader.ask(head, query, {"u": unit_id} if "$u" in query else {})
        note(f"home: {name}", ms, db)
        whole += ms
        whole_db += db
        if name == "figures":
            painted, painted_db = whole, whole_db
    note("home: me + figures (first figures)", painted, painted_db)
    note("home: all six queries", whole, whole_db)


# EXPLAIN ANALYZE of what a query sends --------------------------------------------------------


async def statements(engine: Engine, head: str, query: str,
                     variables: dict[str, Any]) -> list[tuple[float, str, Any]]:
    """The SQL statements one GraphQL query sends, with their parameters and the seconds
    each took, the slowest first."""
    caught: list[tuple[float, str, Any]] = []
    starts: dict[int, float] = {}

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
               many: bool) -> None:
        starts[id(context)] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
              many: bool) -> None:
        caught.append((time.perf_counter() - starts.pop(id(context), 0), statement, params))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        reader = Reader(engine)
        await reader.ask(head, query, variables)
        await reader.close()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return sorted(caught, key=lambda c: -c[0])


def plan(engine: Engine, statement: str, params: Any, *, analyze: bool = True,
         settings: tuple[str, ...] = ()) -> str:
    """PostgreSQL's plan of one statement (EXPLAIN ANALYZE, BUFFERS unless told otherwise),
    under `settings` ("enable_seqscan = off", ...) for this transaction only."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for setting in settings:
            cur.execute(f"SET LOCAL {setting}")
        cur.execute(f"EXPLAIN {'(ANALYZE, BUFFERS) ' if analyze else ''}{statement}", params)
        found = "\n".join(r[0] for r in cur.fetchall())
        raw.rollback()
        return found
    finally:
        raw.close()


async def explain(engine: Engine, level: str, unit_id: str, head: str, query: str,
                  variables: dict[str, Any]) -> None:
    """Prints PostgreSQL's plans of the slowest statements the query sends."""
    caught = await statements(engine, head, query, variables)
    plans = [plan(engine, statement, params) for _, statement, params in caught]
    executed = sum(float(m.group(1)) for p in plans
                   if (m := re.search(r"Execution Time: ([\d.]+) ms", p)))
    # The driver's wait overlaps and includes the API's threads waiting for the interpreter;
    # PostgreSQL's own execution of each statement is what indexes change.
    print(f"\n=== {level} {unit_id}: {len(caught)} statements, "
          f"{sum(c[0] for c in caught) * 1000:.1f} ms waited in the driver, "
          f"{executed:.1f} ms executed by PostgreSQL (EXPLAIN ANALYZE of each); the slowest:")
    for (took, statement, _), found in list(zip(caught, plans, strict=True))[:2]:
        print(f"\n--- {took * 1000:.1f} ms:\n{statement}\n")
        print(found)
    print("\n--- every statement, as PostgreSQL executed it:")
    for line in sorted((_one_line(s, p) for (_, s, _), p in zip(caught, plans, strict=True)),
                       reverse=True):
        print(line)


def _one_line(statement: str, found: str) -> str:
    """'  12.3 ms  Index Only Scan using ix_… | SELECT …': a statement's execution time, the
    first scan of its plan and its opening words, on one line."""
    executed = re.search(r"Execution Time: ([\d.]+) ms", found)
    scan = re.search(r"((?:Index Only |Index |Bitmap Heap |Seq )Scan[^(]*)", found)
    words = " ".join(statement.split())
    key = re.search(r"\w+\.\w+ AS group_key|\bFROM \w+", words)
    return (f"{float(executed.group(1)) if executed else 0.0:7.1f} ms  "
            f"{scan.group(1).strip() if scan else '-':<60.60} | {words[:60]}"
            f"{' … ' + key.group(0) if key else ''}")


def report(timings: Timings, tasks: int, dialect: str) -> None:
    print(f"\n{tasks:,} tasks, {dialect}; ms: p50 / p95 / max of the whole query, then p50 / "
          "p95 of its time in the database (samples)")
    for name, values in timings.samples.items():
        p50, p95, top = percentiles(values)
        db50, db95, _ = percentiles(timings.database[name])
        mark = "" if p95 < 50 or "all six" in name or "first figures" in name else "  > 50 ms"
        print(f"  {name:<45} {p50:7.1f} {p95:7.1f} {top:7.1f} | {db50:7.1f} {db95:7.1f}"
              f" ({len(values)}){mark}")
    pauses = timings.full_collections
    print(f"full garbage collections in the timed rounds: {len(pauses)}, "
          f"{max(pauses, default=0):.1f} ms at most, {sum(pauses):.1f} ms in all")


def run(database_url: str, tasks: int, repeats: int, units: int, reuse: bool = False,
        show_plans: bool = False, settle: bool = False, calls: bool = False) -> Timings:
    engine = prepare(database_url, tasks, reuse)
    timings = asyncio.run(measure(engine, repeats, units, settle))
    report(timings, tasks, engine.dialect.name)
    if calls:
        from bench.million_calls import report_calls  # it builds on this module

        report_calls(engine)
    if show_plans and engine.dialect.name == "postgresql":
        now = datetime.now(UTC)
        window = {"from": (now - 30 * DAY).isoformat(), "to": (now + 30 * DAY).isoformat()}
        for level, found in sample_units(engine, 1).items():
            unit_id, head = found[0]
            for query, variables in ((TASK_LIST, {"u": unit_id, **window}),
                                     (DRILL_DOWN, {"u": unit_id}),
                                     *((q, {"u": unit_id}) for n, q in HOME
                                       if n in ("figures", "lists"))):
                asyncio.run(explain(engine, level, unit_id, head, query, variables))
    engine.dispose()
    return timings


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=40,
                        help="timed rounds per level (each round: every query once)")
    parser.add_argument("--units", type=int, default=8,
                        help="provinces (and one commune in each) the rounds rotate over")
    parser.add_argument("--database-url", default=None,
                        help="an empty database (default: a new SQLite file)")
    parser.add_argument("--reuse", action="store_true", help="keep the tasks already loaded")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    parser.add_argument("--calls", action="store_true",
                        help="count the Python calls each query makes, and split its CPU "
                             "between the event loop and the reading threads "
                             "(bench/million_calls.py)")
    parser.add_argument("--python-gc", action="store_true",
                        help="keep Python's garbage-collector settings (the API server settles "
                             "its heap once started: giaoviec/programs/heap.py)")
    args = parser.parse_args()
    url = args.database_url or (
        f"sqlite:///{Path(tempfile.mkdtemp(prefix='giaoviec-million-')) / 'bench.db'}")
    run(url, args.tasks, args.repeats, args.units, args.reuse, args.explain,
        settle=not args.python_gc, calls=args.calls)
