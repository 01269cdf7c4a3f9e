"""Benchmark: timers under load on the cluster shape (issue 17, "Measured" 2).

N open tasks are assigned through the proxy with deadlines spread over one minute, so the
ladder's "overdue" step (`domain.escalation`: deadline + 1 s, owner told at once) of every
task falls due in that same minute. Then the bench watches the read model until each task has
its reminder event, and a while longer for any second one. Printed: how long loading took, the
lag from planned to recorded reminder (the event's own time, as the workflow fired it, and when
the bench first saw the row: the write included) p50/p99/max, lost and twice, each worker's
RSS from /proc before and at peak, and the CPU each process spent over the burst: utime +
stime from /proc/<pid>/stat (a process and its live descendants) read when the first deadline
passes and again when the last reminder is seen (or the window closes), per reminder recorded
in between and as the mean number of cores it kept busy. The processes: the cluster's own (by
their pid files, as for RSS), PostgreSQL's backends on the cluster's database (from
pg_stat_activity, the bench's own left out) and all of PostgreSQL's processes (the postmaster
and its children, other databases' work included), this bench, and the whole machine
(/proc/stat), which is shared.

Against a running `make cluster` started with the same environment (its data directory, port
and database), with the per-user mutation limit off, since one assigner sends every request:

    GIAOVIEC_RATE_MUTATIONS_PER_MINUTE=0 make cluster
    .venv/bin/python -m bench.timers [--tasks 10000] [--in-flight 32] [--lead auto]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine

from api.auth import issue_dev_token
from bench.http_load import assign_body
from giaoviec.config import get_settings
from giaoviec.programs.cluster_backup import database_url
from giaoviec.programs.cluster_processes import Cluster, workers
from giaoviec.store.db import make_engine

RETRIES = 30
STOP_BEFORE = 15  # seconds before the first deadline the loading stops
OVERDUE_AFTER = timedelta(seconds=1)  # domain.escalation: the "overdue" step, deadline + 1 s
REMINDERS = text(
    "SELECT task_id, at FROM taskevent WHERE action = 'remind' AND actor_id IS NULL "
    "AND task_id IN :ids").bindparams(bindparam("ids", expanding=True))
# PostgreSQL's processes serving the cluster's database, the asking connection apart, and the
# asking one (its parent is the postmaster).
BACKENDS = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")
OWN_BACKEND = text("SELECT pg_backend_pid()")


# The pure part: lag, lost, twice ----------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..1) of a non-empty sample."""
    ordered = sorted(values)
    rank = math.ceil(q * len(ordered) - 1e-9)  # 0.99 * 100 is 99.00000000000001
    return ordered[min(len(ordered), max(1, rank)) - 1]


@dataclass(frozen=True)
class Outcome:
    lags: tuple[float, ...]  # seconds from planned to the first recorded reminder, each task
    lost: tuple[str, ...]  # no reminder recorded
    twice: tuple[str, ...]  # more than one

    def line(self, label: str) -> str:
        if not self.lags:
            return f"{label}: none recorded"
        # Of the recorded only: with any lost, these understate the lag.
        return (f"{label}, of the {len(self.lags)} recorded: "
                f"p50 {percentile(self.lags, .5):.2f} s, "
                f"p99 {percentile(self.lags, .99):.2f} s, max {max(self.lags):.2f} s")


def outcome(planned: Mapping[str, datetime],
            recorded: Mapping[str, Sequence[datetime]]) -> Outcome:
    """Each planned task's lag to its first recorded reminder; those with none, with several.
    Reminders of tasks not planned here are ignored (another run's)."""
    lags, lost, twice = [], [], []
    for task_id, at in planned.items():
        times = sorted(recorded.get(task_id, ()))
        if not times:
            lost.append(task_id)
            continue
        if len(times) > 1:
            twice.append(task_id)
        lags.append((times[0] - at).total_seconds())
    return Outcome(tuple(lags), tuple(sorted(lost)), tuple(sorted(twice)))


# The pure part: CPU per reminder ------------------------------------------------------------

Proc = tuple[int, str]  # a pid and its start time (ticks since boot): a recycled pid is another


@dataclass(frozen=True)
class CpuUse:
    name: str
    processes: int  # how many were measured (a process tree: itself and its descendants)
    seconds: float  # CPU seconds (user + system) spent in the window
    per_reminder_ms: float | None  # None: no reminder recorded in the window
    cores: float | None  # mean cores busy over the window; None: an empty window

    def line(self) -> str:
        name = self.name if self.processes <= 1 else f"{self.name} ({self.processes} processes)"
        per = "—" if self.per_reminder_ms is None else f"{self.per_reminder_ms:.1f}"
        cores = "—" if self.cores is None else f"{self.cores:.2f}"
        return f"  {name:<56} {per:>11} {cores:>6} {self.seconds:>7.1f}"


def cpu_use(start: Mapping[str, Mapping[Proc, int]], end: Mapping[str, Mapping[Proc, int]],
            window: float, reminders: int, hz: int) -> list[CpuUse]:
    """What each named group of processes spent between two readings of their CPU ticks (user +
    system, `hz` a second), per reminder recorded in the window and as mean cores over its
    `window` seconds. A process read at the end but not at the start was born in the window:
    all its ticks count. One gone by the end is not counted (its last ticks are unknown): the
    long-running processes measured here outlive the window. Groups not read at the end are
    left out."""
    rows = []
    for name, now in end.items():
        before = start.get(name, {})
        ticks = sum(max(0, t - before.get(proc, 0)) for proc, t in now.items())
        seconds = ticks / hz
        rows.append(CpuUse(
            name, len(now), seconds,
            seconds * 1000 / reminders if reminders > 0 else None,
            seconds / window if window > 0 else None))
    return rows


# Memory and CPU from /proc ------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident memory of one process, from /proc (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


HZ = os.sysconf("SC_CLK_TCK")
MACHINE: Proc = (0, "/proc/stat")
ALL_POSTGRES = "postgres, all (other databases' too)"
BENCH = "this bench"
WHOLE_MACHINE = "machine, every process (shared)"


def backends_name(database: str) -> str:
    return f"postgres, {database} backends"


def process_table() -> dict[Proc, tuple[int, int]]:
    """Every process now: its parent's pid and its CPU ticks (utime + stime, all its threads)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        # After the command's closing parenthesis: field 3 (state) is [0], field n is [n - 3].
        fields = stat.rsplit(")", 1)[-1].split()
        table[(int(entry.name), fields[19])] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return table


def tree(table: Mapping[Proc, tuple[int, int]], root: int) -> dict[Proc, int]:
    """The CPU ticks of `root` and its live descendants (HAProxy's master has a worker)."""
    children: dict[int, list[Proc]] = {}
    for proc, (parent, _) in table.items():
        children.setdefault(parent, []).append(proc)
    found, todo = {}, [proc for proc in table if proc[0] == root]
    while todo:
        proc = todo.pop()
        found[proc] = table[proc][1]
        todo.extend(children.get(proc[0], ()))
    return found


def machine_ticks() -> int:
    """Ticks every CPU of the machine was busy (/proc/stat: all but idle and iowait; guest time
    is inside user time already)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return user + nice + system + irq + softirq + steal


def postgres_pids(engine: Engine) -> tuple[list[int], int | None]:
    """PostgreSQL's backends on this database (the asking one apart) and its postmaster's pid,
    as seen from here (none when the server is on another machine or in a container)."""
    with engine.connect() as c:
        backends = [int(pid) for (pid,) in c.execute(BACKENDS)]
        own = int(c.execute(OWN_BACKEND).scalar_one())
    try:
        postmaster = int(Path(f"/proc/{own}/stat").read_text().rsplit(")", 1)[-1].split()[1])
    except OSError:
        return [], None
    return backends, postmaster


def read_cpu(engine: Engine, pids: Mapping[str, int], label: str) -> dict[str, dict[Proc, int]]:
    """One reading of every measured group's CPU ticks."""
    backends, postmaster = postgres_pids(engine)
    table = process_table()
    groups = {name: tree(table, pid) for name, pid in pids.items()}
    if postmaster is not None:
        groups[backends_name(label)] = {
            proc: ticks for pid in backends for proc, ticks in tree(table, pid).items()}
        groups[ALL_POSTGRES] = tree(table, postmaster)
    groups[BENCH] = tree(table, os.getpid())
    groups[WHOLE_MACHINE] = {MACHINE: machine_ticks()}
    return groups


@dataclass
class Reading:
    """The CPU ticks at one moment of the burst, and the reminders recorded by then."""

    at: datetime
    clock: float  # time.monotonic()
    reminders: int
    ticks: dict[str, dict[Proc, int]] = field(default_factory=dict)


# The run ------------------------------------------------------------------------------------


async def load(url: str, token: str, deadlines: Sequence[datetime],
               in_flight: int, stop_at: datetime) -> dict[str, datetime]:
    """Assign one task per deadline through the proxy, none sent after `stop_at` (a slow,
    shared machine loads fewer rather than none); each task's planned reminder time."""
    run, sem = uuid.uuid4().hex[:8], asyncio.Semaphore(in_flight)
    planned: dict[str, datetime] = {}
    async with httpx.AsyncClient(base_url=url, timeout=300,
                                 headers={"Authorization": f"Bearer {token}"},
                                 limits=httpx.Limits(max_connections=in_flight)) as http:
        async def one(i: int, deadline: datetime) -> None:
            body = assign_body(run, i)
            task = body["variables"]["input"]  # type: ignore[index]
            del task["workingDays"]
            task["deadline"] = deadline.isoformat()
            # As a client would: a refused or unavailable answer is sent again with the same
            # clientKey (idempotent), since on a shared machine PostgreSQL may be restarted.
            for attempt in range(RETRIES):
                async with sem:
                    if datetime.now(UTC) >= stop_at:
                        return
                    try:
                        answer = (await http.post("/graphql", json=body)).json()
                    except (httpx.TransportError, ValueError) as e:
                        answer = {"errors": [{"message": repr(e)}]}
                if "errors" not in answer:
                    break
                codes = {e.get("extensions", {}).get("code") for e in answer["errors"]}
                if attempt == RETRIES - 1 or "VALIDATION" in codes:
                    raise RuntimeError(answer["errors"])
                await asyncio.sleep(2)
            planned[answer["data"]["assignTask"]["id"]] = deadline + OVERDUE_AFTER
            if len(planned) % 500 == 0:
                print(f"  {len(planned)} assigned", flush=True)

        await asyncio.gather(*(one(i, d) for i, d in enumerate(deadlines)))
    return planned


def recorded(engine: Engine, ids: Sequence[str]) -> dict[str, list[datetime]]:
    found: dict[str, list[datetime]] = {}
    with engine.connect() as c:
        for start in range(0, len(ids), 5000):
            for task_id, at in c.execute(REMINDERS, {"ids": list(ids[start:start + 5000])}):
                found.setdefault(task_id, []).append(at if at.tzinfo else at.replace(tzinfo=UTC))
    return found


async def watch(engine: Engine, planned: Mapping[str, datetime], until: datetime,
                settle: float, pids: Mapping[str, int], burst: datetime,
                cpu_pids: Mapping[str, int], label: str) -> tuple[dict[str, list[datetime]],
                                                                dict[str, datetime],
                                                                dict[str, float],
                                                                tuple[Reading, Reading]]:
    """Poll the read model until every task has its reminder (or `until`), then `settle`
    seconds more for any duplicate; note when each was first seen and each worker's peak RSS.
    The CPU of `cpu_pids` (and PostgreSQL's, the machine's) is read once `burst` (the first
    deadline) has passed and again when the last reminder is seen or `until` passes."""
    ids, seen = list(planned), {}
    peak = {name: rss_mb(pid) for name, pid in pids.items()}
    settled_at: float | None = None
    first: Reading | None = None
    last: Reading | None = None

    async def reading(found: Mapping[str, Sequence[datetime]]) -> Reading:
        ticks = await asyncio.to_thread(read_cpu, engine, cpu_pids, label)
        return Reading(datetime.now(UTC), time.monotonic(),
                       sum(len(times) for times in found.values()), ticks)

    while True:
        found = await asyncio.to_thread(recorded, engine, ids)
        now = datetime.now(UTC)
        for task_id in found:
            seen.setdefault(task_id, now)
        for name, pid in pids.items():
            peak[name] = max(peak[name], rss_mb(pid))
        if first is None and now >= burst:
            first = await reading(found)
        if settled_at is None and (len(seen) == len(ids) or now > until):
            settled_at = time.monotonic()
            last = await reading(found)
            first = first or last  # over before the first deadline: an empty window
        if settled_at is not None and time.monotonic() - settled_at >= settle:
            assert first is not None and last is not None
            return found, seen, peak, (first, last)
        pause = 0.5
        if first is None:  # read the CPU as close after the first deadline as the polls allow
            pause = min(pause, max(0.01, (burst - datetime.now(UTC)).total_seconds()))
        await asyncio.sleep(pause)


def cpu_report(first: Reading, last: Reading, cluster: Sequence[str]) -> list[str]:
    """The table: the `cluster` groups and their sum, then the others (PostgreSQL whole, this
    bench, the machine)."""
    window = last.clock - first.clock
    reminders = last.reminders - first.reminders
    rate = f", {reminders / window:.1f}/s" if window > 0 else ""
    rows = cpu_use(first.ticks, last.ticks, window, reminders, HZ)
    ours = [row for row in rows if row.name in cluster]
    total = sum(row.seconds for row in ours)
    rows = [*ours, CpuUse("the cluster, the rows above summed",
                          sum(row.processes for row in ours), total,
                          total * 1000 / reminders if reminders > 0 else None,
                          total / window if window > 0 else None),
            *(row for row in rows if row.name not in cluster)]
    return [f"CPU over the burst, {first.at:%H:%M:%S}–{last.at:%H:%M:%S} UTC "
            f"({window:.0f} s; {reminders} reminders recorded in it{rate}), "
            "user + system from /proc:",
            f"  {'process':<56} {'ms/reminder':>11} {'cores':>6} {'CPU s':>7}",
            *(row.line() for row in rows)]


async def main(tasks: int, in_flight: int, lead: float | None, spread: float,
               wait: float, settle: float) -> None:
    settings = get_settings()
    cluster = Cluster(settings.data_dir / "cluster")
    names = workers(cluster.pairs())
    pids = {name: pid for name in names if (pid := cluster.pid(name))}
    cpu_pids = {name: pid for name in cluster.processes() if (pid := cluster.pid(name))}
    if len(pids) != len(names) or len(cpu_pids) != len(cluster.processes()):
        raise SystemExit("The cluster is not running (make cluster, with this environment).")
    url = f"http://127.0.0.1:{settings.port}"
    token = issue_dev_token(settings, "chutich")
    engine = make_engine(database_url(settings))
    # Time enough to assign them all first (rate guessed low for a shared machine).
    lead = lead if lead is not None else 60 + tasks / 8
    first = (datetime.now(UTC) + timedelta(seconds=lead)).replace(microsecond=0)
    deadlines = [first + timedelta(seconds=spread * i / tasks) for i in range(tasks)]
    before = {name: rss_mb(pid) for name, pid in pids.items()}
    print(f"Assigning {tasks} tasks, {in_flight} in flight; reminders due from "
          f"{first + OVERDUE_AFTER:%H:%M:%S} UTC over {spread:.0f} s", flush=True)
    t0 = time.perf_counter()
    planned = await load(url, token, deadlines, in_flight,
                         stop_at=first - timedelta(seconds=STOP_BEFORE))
    loading = time.perf_counter() - t0
    loaded = len(planned)
    if not loaded:
        raise SystemExit("No task assigned before the lead ran out: give a longer --lead.")
    print(f"Loaded {loaded} of {tasks} in {loading:.0f} s ({loaded / loading:.1f}/s)",
          flush=True)
    until = first + timedelta(seconds=spread + wait)
    label = engine.url.database or "its database"
    found, seen, peak, (first_cpu, last_cpu) = await watch(
        engine, planned, until, settle, pids, burst=first, cpu_pids=cpu_pids, label=label)
    fired = outcome(planned, found)
    visible = outcome(planned, {t: [at] for t, at in seen.items()})
    print(f"{loaded} of {tasks} tasks loaded in {loading:.0f} s ({loaded / loading:.1f}/s, "
          f"{in_flight} in flight); their reminders due within "
          f"{(max(planned.values()) - min(planned.values())).total_seconds():.0f} s")
    print(fired.line("lag, planned → reminder event's time"))
    print(visible.line("lag, planned → row seen in the read model (0.5 s polls)"))
    print(f"lost {len(fired.lost)}, twice {len(fired.twice)}")
    for name in pids:
        print(f"{name}: RSS {before[name]:.0f} MB before, peak {peak[name]:.0f} MB")
    if fired.lost or fired.twice:
        print("lost:", ", ".join(fired.lost[:10]), " twice:", ", ".join(fired.twice[:10]))
    print("\n".join(cpu_report(first_cpu, last_cpu, [*cpu_pids, backends_name(label)])))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--lead", type=float, default=None,
                        help="seconds from now to the first deadline (default 60 + tasks/8)")
    parser.add_argument("--spread", type=float, default=60,
                        help="seconds the deadlines are spread over (one minute)")
    parser.add_argument("--wait", type=float, default=300,
                        help="seconds after the last planned reminder before counting lost")
    parser.add_argument("--settle", type=float, default=30,
                        help="seconds to keep watching for a second reminder once all are in")
    args = parser.parse_args()
    asyncio.run(main(args.tasks, args.in_flight, args.lead, args.spread, args.wait,
                     args.settle))
