"""`make chaos`: the cluster shape under sustained mixed load, broken on purpose, and checked.

Starts `make cluster` (its own port, database and Temporal ports, see below), sends a mixed load
through HAProxy (assignTask with a clientKey, acceptTask by the owner, the task list), part of
the tasks with deadlines that fall inside the run so their overdue reminder falls due while the
faults happen. Then, one after another, load continuing:

    kill -9 one worker; kill -9 one API process; stop the Temporal server and start it again on
    the same database file; restart PostgreSQL (`pg_ctlcluster 15 main restart`).

After each: every acknowledged assignTask present exactly once in the read model (by clientKey),
every acknowledged acceptTask recorded exactly once, every reminder planned in the window so far
recorded exactly once, no request left hanging past the bound, no 5xx outside the outage. Then a
soak of the same load: no errors, each process's memory flat after warm-up (growth < 10 %).
A client retries an unacknowledged assignTask with the same clientKey, as real clients do.

    .venv/bin/python -m bench.chaos [--soak-minutes 1] [--no-postgres-restart] [--keep]

Environment (defaults keep clear of another engineer's `make cluster`): GIAOVIEC_PORT=8300,
CLUSTER_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/chaos_cluster, TEMPORAL_DEV_PORT=7300,
TEMPORAL_UI_PORT=8330, GIAOVIEC_DATA_DIR=data/chaos. The cluster is wiped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

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

DEFAULTS = {
    "GIAOVIEC_PORT": "8300",
    "CLUSTER_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/chaos_cluster",
    "TEMPORAL_DEV_PORT": "7300",
    "TEMPORAL_UI_PORT": "8330",
    "GIAOVIEC_DATA_DIR": "data/chaos",
    # The load is one assigner's and one owner's: their per-official budget (60 a minute) would
    # refuse most of it, and the limits are not what is broken here.
    "GIAOVIEC_RATE_MUTATIONS_PER_MINUTE": "100000",
    "GIAOVIEC_RATE_COST_PER_MINUTE": "0",  # nor the cost budget per official
}
BOUND = 30.0  # a request answered or refused within this, else it hung
AFTER_FAULT = 25.0  # load runs this long after each recovery before the checks
GRACE = 10.0  # an outage window ends this long after the cluster answers ready again
REMINDER_GRACE = 30.0  # a reminder planned this long ago must be recorded by now
# A reminder this late has its workflow's history printed around it, at the check that first
# sees it (the cluster is wiped at the end): what it waited on, a timer or a workflow task.
LATE = 5.0
ASSIGN = """mutation($input: AssignTaskInput!) { assignTask(input: $input) { id state } }"""
ACCEPT = """mutation($id: ID!) { acceptTask(id: $id) { id state } }"""
SUBMIT = """mutation($id: ID!) { submitOutput(id: $id, output: {description: "Báo cáo kết quả"})
  { id state } }"""
APPROVE = """mutation($id: ID!) { approveTask(id: $id) { id state } }"""
LIST = """query { tasks(first: 20) { edges { node { id state } } } }"""
# The load is balanced: every task accepted is then submitted and approved (closed), a task with
# a reminder once its reminder is recorded (closed before, it would never be: a reminder late
# after an outage must not be mistaken for a lost one), or CLOSE_ANYWAY seconds after it was
# due; the assigners wait while MAX_OPEN are open, so what the soak measures is the processes'
# memory under a steady state, not a growing number of tasks.
MAX_OPEN = 150
CLOSE_ANYWAY = 120.0
PROCESSES = ("temporal", "worker1", "worker2", "api1", "api2", "proxy")


def say(line: str) -> None:
    print(line, flush=True)


def cluster(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "giaoviec.programs.cluster", *args], env=env,
                   check=True, stdout=subprocess.DEVNULL)


@dataclass
class Load:
    base: str
    assigner: str  # bearer tokens
    owner: str
    outcomes: list[Outcome] = field(default_factory=list)
    acked: dict[str, str] = field(default_factory=dict)  # clientKey -> task id
    accepted: set[str] = field(default_factory=set)  # task ids whose acceptTask was acked
    planned: dict[str, datetime] = field(default_factory=dict)  # task id -> reminder due
    to_accept: list[str] = field(default_factory=list)
    to_close: list[tuple[float, str]] = field(default_factory=list)  # (not before, task id)
    done_with: set[str] = field(default_factory=set)  # closed, or given up on
    approved: int = 0
    # Whether a task's reminder is recorded in the read model (None: never waits for it).
    reminded: Callable[[str], bool] | None = None
    stop: bool = False
    refused: int = 0
    codes: Counter[str] = field(default_factory=Counter)  # "op CODE" of each refusal
    cuts: Counter[str] = field(default_factory=Counter)  # "op Exception" of each cut connection

    @property
    def open(self) -> int:
        return len(self.acked) - len(self.done_with)

    async def call(self, http: httpx.AsyncClient, op: str, token: str, body: dict[str, object],
                   *, replay_safe: str | None = None) -> dict[str, object] | None:
        """`replay_safe`: the request's Idempotency-Key (a query, or a mutation carrying its
        clientKey), which lets the proxy send it again to the other process when the first
        died holding it (giaoviec.programs.haproxy_config)."""
        t0 = time.monotonic()
        headers = {"Authorization": f"Bearer {token}"}
        if replay_safe:
            headers["Idempotency-Key"] = replay_safe
        try:
            answer = await asyncio.wait_for(
                http.post("/graphql", json=body, headers=headers), BOUND)
        except TimeoutError:
            self.outcomes.append(Outcome(op, t0, time.monotonic(), None, timed_out=True))
            return None
        except httpx.TransportError as exc:
            self.outcomes.append(Outcome(op, t0, time.monotonic(), None))
            self.cuts[f"{op} {type(exc).__name__}"] += 1
            await asyncio.sleep(0.5)
            return None
        self.outcomes.append(Outcome(op, t0, time.monotonic(), answer.status_code))
        if answer.status_code >= 500:
            await asyncio.sleep(0.5)
            return None
        payload = answer.json()
        if payload.get("errors"):
            self.refused += 1
            code = (payload["errors"][0].get("extensions") or {}).get("code", "?")
            self.codes[f"{op} {code}"] += 1
            await asyncio.sleep(0.2)
            return None
        return dict(payload["data"])

    async def assigner_loop(self, http: httpx.AsyncClient, n: int) -> None:
        i = 0
        while not self.stop:
            if self.open >= MAX_OPEN:
                await asyncio.sleep(0.2)
                continue
            i += 1
            key = f"chaos-{n}-{i}-{uuid.uuid4().hex[:8]}"
            # One in three falls due while the run lasts: its overdue reminder is checked.
            due = (datetime.now(UTC) + timedelta(seconds=random.uniform(20, 90))
                   if i % 3 == 0 else None)
            spec: dict[str, object] = ({"deadline": due.isoformat()} if due
                                       else {"workingDays": 5 + i % 20})
            body = {"query": ASSIGN, "variables": {"input": {
                "clientKey": key, "title": f"Nhiệm vụ thử sự cố {key}",
                "description": "Tổng hợp, báo cáo kết quả thực hiện.",
                "leadUnitId": "ag-snv", "ownerId": "snv.cb1", "basis": "Kế hoạch số 208/KH-UBND",
                "product": {"kind": "báo cáo", "description": "Báo cáo kết quả",
                            "measure": "Trình Chủ tịch"}, **spec}}}
            while not self.stop:  # the same clientKey until acknowledged, as a client does
                data = await self.call(http, "assignTask", self.assigner, body, replay_safe=key)
                if data is not None:
                    task_id = str(data["assignTask"]["id"])
                    self.acked[key] = task_id
                    self.to_accept.append(task_id)
                    if due is not None:
                        # The ladder's overdue step: one second past the deadline.
                        self.planned[task_id] = due.replace(microsecond=0) + timedelta(seconds=1)
                    break
                if due is not None and due < datetime.now(UTC) + timedelta(seconds=5):
                    break  # its deadline too close now; a real client would re-plan it

    async def actor_loop(self, http: httpx.AsyncClient) -> None:
        while not self.stop:
            if not self.to_accept:
                await asyncio.sleep(0.3)
                continue
            task_id = self.to_accept.pop(0)
            data = await self.call(http, "acceptTask", self.owner,
                                   {"query": ACCEPT, "variables": {"id": task_id}})
            if data is not None:
                self.accepted.add(task_id)
                planned = self.planned.get(task_id)
                wait = (planned - datetime.now(UTC)).total_seconds() + 1 if planned else 0.0
                self.to_close.append((time.monotonic() + max(0.0, wait), task_id))
            else:
                self.done_with.add(task_id)  # left open, refused or unanswered: not waited for

    async def closer_loop(self, http: httpx.AsyncClient) -> None:
        """The owner submits the product, the assigner approves it: the task is closed."""
        while not self.stop:
            ready = [item for item in self.to_close if item[0] <= time.monotonic()]
            if not ready:
                await asyncio.sleep(0.3)
                continue
            self.to_close.remove(ready[0])
            task_id = ready[0][1]
            planned = self.planned.get(task_id)
            if (planned and self.reminded
                    and datetime.now(UTC) < planned + timedelta(seconds=CLOSE_ANYWAY)
                    and not await asyncio.to_thread(self.reminded, task_id)):
                self.to_close.append((time.monotonic() + 3, task_id))
                continue
            variables = {"id": task_id}
            submitted = await self.call(http, "submitOutput", self.owner,
                                        {"query": SUBMIT, "variables": variables})
            if submitted is not None and await self.call(
                    http, "approveTask", self.assigner,
                    {"query": APPROVE, "variables": variables}) is not None:
                self.approved += 1
            self.done_with.add(task_id)

    async def reader_loop(self, http: httpx.AsyncClient) -> None:
        while not self.stop:
            await self.call(http, "tasks", self.owner, {"query": LIST},
                            replay_safe=uuid.uuid4().hex)
            await asyncio.sleep(0.2)

    async def run(self, until: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=BOUND + 5) as http:
            loops = [self.assigner_loop(http, n) for n in range(4)]
            loops += [self.actor_loop(http), self.actor_loop(http), self.reader_loop(http)]
            loops += [self.closer_loop(http) for _ in range(3)]
            tasks = [asyncio.create_task(loop) for loop in loops]
            await until.wait()
            self.stop = True
            await asyncio.gather(*tasks)


@dataclass
class Chaos:
    env: dict[str, str]
    home: Path
    load: Load
    database_url: str
    temporal_address: str = ""
    namespace: str = "default"
    outages: list[tuple[float, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    engine: Engine | None = None
    explained: set[str] = field(default_factory=set)  # late reminders already printed

    def pid(self, name: str) -> int | None:
        try:
            import json
            return int(json.loads((self.home / f"{name}.pid").read_text())["pid"])
        except (OSError, ValueError, KeyError):
            return None

    async def ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=3) as http:
            while time.monotonic() < deadline:
                try:
                    if (await http.get(f"{self.load.base}/health/ready")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)
        raise SystemExit("the cluster is not ready again after the fault")

    async def fault(self, title: str, act: Callable[[], Awaitable[None]]) -> None:
        begin = time.monotonic()
        say(f"\n== {title}")
        await act()
        await self.ready()
        end = time.monotonic() + GRACE
        self.outages.append((begin, end))
        say(f"   recovered (ready) after {end - GRACE - begin:.1f} s; load continues")
        await asyncio.sleep(AFTER_FAULT)
        await self.check(title, since=begin)

    async def sh(self, *argv: str) -> None:
        process = await asyncio.create_subprocess_exec(*argv, env=self.env,
                                                       stdout=asyncio.subprocess.DEVNULL)
        if await process.wait() != 0:
            raise SystemExit(f"{' '.join(argv)} failed")

    async def restart(self, name: str, *, kill: bool) -> None:
        cli = [sys.executable, "-m", "giaoviec.programs.cluster"]
        await self.sh(*cli, "stop", name, *(["--kill"] if kill else []))
        await self.sh(*cli, "start", name)

    async def restart_postgres(self) -> None:
        await self.sh("pg_ctlcluster", "15", "main", "restart")

    def reminded(self, task_id: str) -> bool:
        """Whether the task's reminder is in the read model (False while it cannot be read)."""
        if self.engine is None:
            self.engine = create_engine(self.database_url, pool_pre_ping=True, pool_size=2)
        try:
            with self.engine.connect() as db:
                return db.execute(text(
                    "SELECT 1 FROM taskevent WHERE task_id = :id AND action = 'remind' LIMIT 1"),
                    {"id": task_id}).first() is not None
        except Exception:  # the database restarting: wait and ask again
            return False

    def read_model(self) -> tuple[list[str], dict[str, int], dict[str, list[datetime]]]:
        """Every chaos task's title, the accept events per task, the reminder events per task."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as db:
                titles = [r[0] for r in db.execute(text(
                    "SELECT title FROM task WHERE title LIKE 'Nhiệm vụ thử sự cố chaos-%'"))]
                accepts: dict[str, int] = {}
                for task_id, n in db.execute(text(
                        "SELECT task_id, count(*) FROM taskevent WHERE action = 'accept' "
                        "GROUP BY task_id")):
                    accepts[task_id] = n
                reminders: dict[str, list[datetime]] = {}
                for task_id, at in db.execute(text(
                        "SELECT task_id, at FROM taskevent WHERE action = 'remind'")):
                    reminders.setdefault(task_id, []).append(
                        at if at.tzinfo else at.replace(tzinfo=UTC))
        finally:
            engine.dispose()
        return titles, accepts, reminders

    async def check(self, title: str, since: float, *, final: bool = False) -> None:
        load = self.load
        acked = dict(load.acked)
        accepted = set(load.accepted)
        titles, accepts, reminders = await asyncio.to_thread(self.read_model)
        keys = [t.removeprefix("Nhiệm vụ thử sự cố ") for t in titles]
        tasks = exactly_once(acked, keys)
        accept_found = [tid for tid, n in accepts.items() for _ in range(n)]
        acts = exactly_once(accepted, accept_found)
        cutoff = datetime.now(UTC) - timedelta(seconds=0 if final else REMINDER_GRACE)
        due = {tid: at for tid, at in load.planned.items() if at <= cutoff}
        found = [tid for tid, ats in reminders.items() if tid in due for _ in ats]
        remind = exactly_once(due, found)
        lags = sorted(reminder_lags(due, reminders))
        window = [o for o in load.outcomes if o.start >= since]
        hanging = hung(window, BOUND)
        errors = server_errors_outside(window, self.outages)
        cut = cut_connections(window)
        ops = len(window)
        statuses = Counter(str(o.status or "no answer") for o in window if o.status != 200)
        say(f"   requests in the window: {ops} ({sum(o.status == 200 for o in window)} "
            f"answered 200, others {dict(statuses)}); refused with a GraphQL error so far: "
            f"{load.refused} "
            f"{dict(load.codes)}")
        say(f"   assignTask acknowledged {tasks.expected}: present exactly once "
            f"{'OK' if tasks.ok else 'FAIL'} (missing {len(tasks.missing)}, "
            f"doubled {len(tasks.doubled)})")
        say(f"   acceptTask acknowledged {acts.expected}: recorded exactly once "
            f"{'OK' if acts.ok else 'FAIL'} (missing {len(acts.missing)}, "
            f"doubled {len(acts.doubled)})")
        say(f"   reminders planned and due {remind.expected}: recorded exactly once "
            f"{'OK' if remind.ok else 'FAIL'} (missing {len(remind.missing)}, "
            f"doubled {len(remind.doubled)}); lag p50 {percentile(lags, 0.5):.1f} s, "
            f"p99 {percentile(lags, 0.99):.1f} s, "
            f"max {lags[-1] if lags else float('nan'):.1f} s")
        say(f"   hung (> {BOUND:.0f} s): {len(hanging)} "
            f"{'OK' if not hanging else 'FAIL'}; 5xx or no answer outside the outage: "
            f"{len(errors)} {'OK' if not errors else 'FAIL'}; connections cut without an HTTP "
            f"answer: {len(cut)} {'OK' if not cut else 'FAIL'}"
            + (f" (so far: {dict(load.cuts)})" if cut else ""))
        await self.explain_late(due, reminders)
        for name, result in (("assign", tasks), ("accept", acts), ("reminder", remind)):
            if not result.ok:
                self.failures.append(f"{title}: {name} missing {result.missing[:5]} "
                                     f"doubled {result.doubled[:5]}")
        if hanging:
            self.failures.append(f"{title}: {len(hanging)} hung")
        if errors:
            self.failures.append(f"{title}: {len(errors)} 5xx outside the outage "
                                 f"({sorted({o.op for o in errors})})")
        if cut:
            self.failures.append(f"{title}: {len(cut)} connections cut without an answer "
                                 f"({sorted({o.op for o in cut})})")

    async def explain_late(self, due: dict[str, datetime],
                           reminders: dict[str, list[datetime]]) -> None:
        """Print the history of each reminder more than LATE seconds late, once."""
        late = [(tid, lag) for tid, lag in late_reminders(due, reminders, LATE)
                if tid not in self.explained]
        if not late or not self.temporal_address:
            return
        from temporalio.client import Client

        try:
            client = await Client.connect(self.temporal_address, namespace=self.namespace)
        except RuntimeError as exc:
            say(f"   (late reminders not explained: Temporal unreachable: {exc})")
            return
        for task_id, lag in late:
            self.explained.add(task_id)
            planned, recorded = due[task_id], min(reminders[task_id])
            say(f"   reminder of task {task_id} {lag:.1f} s late (planned "
                f"{planned:%H:%M:%S.%f}, recorded {recorded:%H:%M:%S.%f}); its workflow:")
            try:
                history = await client.get_workflow_handle(f"task-{task_id}").fetch_history()
            except Exception as exc:  # a diagnosis, never a reason to stop the run
                say(f"     (history not read: {exc!r})")
                continue
            events = [_history_event(e) for e in history.events]
            for e in what_it_waited_on(events, planned, recorded):
                say(f"     {e.event_id:>4} {e.at:%H:%M:%S.%f} {e.kind} {e.detail}".rstrip())

    async def soak(self, minutes: float) -> None:
        say(f"\n== soak: {minutes:g} min of the same load, memory sampled every 5 s")
        begin = time.monotonic()
        refused0 = self.load.refused
        open0, approved0 = self.load.open, self.load.approved
        rss: dict[str, list[float]] = {name: [] for name in PROCESSES}
        while time.monotonic() - begin < minutes * 60:
            for name in PROCESSES:
                pid = self.pid(name)
                if pid:
                    rss[name].append(_rss_mb(pid))
            await asyncio.sleep(5)
        window = [o for o in self.load.outcomes if o.start >= begin]
        errors = [o for o in window if o.status is None or o.status >= 500]
        refused = self.load.refused - refused0  # a GraphQL error, whatever its HTTP status
        say(f"   requests: {len(window)}, 5xx or no answer: {len(errors)}, refused: {refused} "
            f"{'OK' if not errors and not refused else 'FAIL'}")
        if errors or refused:
            self.failures.append(f"soak: {len(errors)} errors, {refused} refused")
        say(f"   tasks open (assigned, not yet closed): {open0} → {self.load.open}; closed "
            f"(submitted and approved) during the soak: {self.load.approved - approved0}")
        for name, samples in rss.items():
            if not samples:
                continue
            g = growth(samples)
            say(f"   {name:<8} RSS {samples[0]:.0f} → {samples[-1]:.0f} MB, growth after "
                f"warm-up {g * 100:+.1f} % {'OK' if g < 0.10 else 'FAIL'}")
            if g >= 0.10:
                self.failures.append(f"soak: {name} memory grew {g * 100:.1f} %")
        await self.check("soak", since=begin)


def _history_event(event: Any) -> HistoryEvent:
    """A history event (the API's protobuf) as the chaos run prints it."""
    from temporalio.api.enums.v1 import EventType, TimeoutType

    kind = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
    detail = ""
    if event.HasField("workflow_task_timed_out_event_attributes"):
        detail = TimeoutType.Name(event.workflow_task_timed_out_event_attributes.timeout_type)
    elif event.HasField("timer_started_event_attributes"):
        a = event.timer_started_event_attributes
        detail = f"timer {a.timer_id} for {a.start_to_fire_timeout.ToTimedelta()}"
    elif event.HasField("timer_fired_event_attributes"):
        detail = f"timer {event.timer_fired_event_attributes.timer_id}"
    elif event.HasField("workflow_task_started_event_attributes"):
        detail = event.workflow_task_started_event_attributes.identity
    elif event.HasField("workflow_task_completed_event_attributes"):
        detail = event.workflow_task_completed_event_attributes.identity
    elif event.HasField("workflow_task_failed_event_attributes"):
        a = event.workflow_task_failed_event_attributes
        detail = f"{a.cause} {a.failure.message[:120]}"
    return HistoryEvent(event.event_id, event.event_time.ToDatetime().replace(tzinfo=UTC), kind,
                        detail)


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (HAProxy's master and worker)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in stat.read_text().splitlines()
                          if ":" in line)
        except OSError:
            continue
        this = int(stat.parent.name)
        if this == pid or int(fields.get("PPid", "0").strip()) == pid:
            total += int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
    return total


async def main_async(args: argparse.Namespace, env: dict[str, str]) -> int:
    os.environ.update(env)
    from api.auth import issue_dev_token
    from giaoviec.config import Settings
    settings = Settings()
    base = f"http://127.0.0.1:{env['GIAOVIEC_PORT']}"
    load = Load(base, issue_dev_token(settings, "chutich"), issue_dev_token(settings, "snv.cb1"))
    chaos = Chaos(env, settings.data_dir / "cluster", load, env["CLUSTER_DATABASE_URL"],
                  temporal_address=f"127.0.0.1:{env['TEMPORAL_DEV_PORT']}",
                  namespace=settings.temporal_namespace)
    load.reminded = chaos.reminded
    stop = asyncio.Event()
    runner = asyncio.create_task(load.run(stop))
    t0 = time.monotonic()
    say(f"load: 4 assigners (1 in 3 with a deadline 20–90 s ahead; at most {MAX_OPEN} tasks "
        f"open), 2 acceptors, 3 closers (submit + approve), 1 reader, through HAProxy at "
        f"{base}; bound {BOUND:.0f} s")
    await asyncio.sleep(args.warmup)
    await chaos.check("warm-up", since=t0)
    await chaos.fault("kill -9 worker1, then start it again",
                      lambda: chaos.restart("worker1", kill=True))
    await chaos.fault("kill -9 api1, then start it again",
                      lambda: chaos.restart("api1", kill=True))
    await chaos.fault("stop the Temporal server, start it again on the same database file",
                      lambda: chaos.restart("temporal", kill=False))
    if args.postgres_restart:
        await chaos.fault("restart PostgreSQL (pg_ctlcluster 15 main restart)",
                          chaos.restart_postgres)
    await chaos.soak(args.soak_minutes)
    stop.set()
    await runner
    if chaos.engine is not None:
        chaos.engine.dispose()
    # Every reminder planned in the run, now all due: waited for, then checked once more.
    last = max(load.planned.values(), default=datetime.now(UTC))
    await asyncio.sleep(max(0.0, (last - datetime.now(UTC)).total_seconds() + 15))
    say("\n== final: every acknowledged request and every planned reminder")
    await chaos.check("final", since=t0, final=True)
    say(f"\n{'ALL CHECKS PASSED' if not chaos.failures else 'FAILURES:'}")
    for failure in chaos.failures:
        say(f"  - {failure}")
    return 1 if chaos.failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--soak-minutes", type=float, default=1.0)
    parser.add_argument("--warmup", type=float, default=20.0)
    # The machine's one PostgreSQL server may be shared: restarting it breaks everyone's
    # connections, so a second run on a shared machine can leave it be.
    parser.add_argument("--no-postgres-restart", dest="postgres_restart", action="store_false")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running")
    args = parser.parse_args()
    env = {**os.environ, **{k: os.environ.get(k, v) for k, v in DEFAULTS.items()}}
    say("starting the cluster (make cluster) ...")
    cluster("down", "--wipe", env=env)
    t0 = time.monotonic()
    try:
        cluster("up", env=env)
        say(f"cluster up in {time.monotonic() - t0:.0f} s")
        return asyncio.run(main_async(args, env))
    finally:
        if not args.keep:
            cluster("down", "--wipe", env=env)
            say("cluster stopped and wiped")


if __name__ == "__main__":
    raise SystemExit(main())
