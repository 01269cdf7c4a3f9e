"""Benchmark: timers under load on the cluster shape (issue 17, "Measured" 2).

N open tasks are assigned through the proxy with deadlines spread over one minute, so the
ladder's "overdue" step (`domain.escalation`: deadline + 1 s, owner told at once) of every
task falls due in that same minute. Then the bench watches the read model until each task has
its reminder event, and a while longer for any second one. Printed: how long loading took, the
lag from planned to recorded reminder (the event's own time, as the workflow fired it, and when
the bench first saw the row: the write included) p50/p99/max, lost and twice, and each worker's
RSS from /proc before and at peak.

Against a running `make cluster` started with the same environment (its data directory, port
and database), with the per-user mutation limit off, since one assigner sends every request:

    GIAOVIEC_RATE_MUTATIONS_PER_MINUTE=0 make cluster
    .venv/bin/python -m bench.timers [--tasks 10000] [--in-flight 32] [--lead auto]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


# Memory -------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident memory of one process, from /proc (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


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
                settle: float, pids: Mapping[str, int]) -> tuple[dict[str, list[datetime]],
                                                                  dict[str, datetime],
                                                                  dict[str, float]]:
    """Poll the read model until every task has its reminder (or `until`), then `settle`
    seconds more for any duplicate; note when each was first seen and each worker's peak RSS."""
    ids, seen = list(planned), {}
    peak = {name: rss_mb(pid) for name, pid in pids.items()}
    settled_at: float | None = None
    while True:
        found = await asyncio.to_thread(recorded, engine, ids)
        now = datetime.now(UTC)
        for task_id in found:
            seen.setdefault(task_id, now)
        for name, pid in pids.items():
            peak[name] = max(peak[name], rss_mb(pid))
        if settled_at is None and (len(seen) == len(ids) or now > until):
            settled_at = time.monotonic()
        if settled_at is not None and time.monotonic() - settled_at >= settle:
            return found, seen, peak
        await asyncio.sleep(0.5)


async def main(tasks: int, in_flight: int, lead: float | None, spread: float,
               wait: float, settle: float) -> None:
    settings = get_settings()
    cluster = Cluster(settings.data_dir / "cluster")
    names = workers(cluster.pairs())
    pids = {name: pid for name in names if (pid := cluster.pid(name))}
    if len(pids) != len(names):
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
    found, seen, peak = await watch(engine, planned, until, settle, pids)
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
