"""Benchmark: scale-out (issue 17, benchmark 3) — the cluster shape with one and with two
API+worker pairs, under (a) assignTask alone, (b) a mixed load and (c) its reads alone, with
the CPU each process spends per operation, so what bounds it is visible.

For each number of pairs (default 1, then 2) it starts `make cluster` of its own (`up --pairs N`
on a wiped database), warms it up with the mixed load, then runs each load for a fixed time at
a fixed number of requests in flight, through HAProxy:

- assign: assignTask only, the chairman assigning to eight departments' officers in turn;
- mixed: each in-flight slot runs a task's life — assignTask (chairman), the owner's task list,
  acceptTask, reportProgress, the dashboard's figures (chairman), submitOutput, what awaits
  the chairman's decision, approveTask, the dashboard's ranking of units — 5 mutations and 4
  reads, again and again;
- read: those 4 reads alone (on the tasks the first two left), so that what the mixed load's
  other mutations cost can be told apart from what its reads cost.

Printed for each: requests answered, rate, p50/p95, errors; CPU seconds each process spent
(from /proc/PID/stat utime+stime, sampled each second: every API, every worker with its
children, the Temporal server, HAProxy's master and worker, the PostgreSQL backends serving
the cluster's database, this load generator) per operation and as cores busy; how busy the
whole machine was (/proc/stat) and its load average. A JSON copy goes to the data directory.

    .venv/bin/python -m bench.scale_out [--pairs 1 2] [--seconds 60] [--in-flight 16]
        [--warmup 20] [--keep]

Environment (defaults clear of other clusters on the machine): GIAOVIEC_PORT=8600,
TEMPORAL_DEV_PORT=7600, TEMPORAL_UI_PORT=7601, GIAOVIEC_DATA_DIR=data/scale_out,
CLUSTER_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/scale_out. The per-official limits
are off (one chairman sends every assignment). Each cluster is stopped and wiped after use.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from bench.cpu_accounting import Phase, busy_cores, parse_stat, per_op_ms, spent, tree
from bench.http_load import ASSIGN, assign_body
from bench.million import HOME
from bench.scale_out_report import main as report

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = {
    "GIAOVIEC_PORT": "8600",
    "TEMPORAL_DEV_PORT": "7600",
    "TEMPORAL_UI_PORT": "7601",
    "GIAOVIEC_DATA_DIR": str(ROOT / "data" / "scale_out"),
    "CLUSTER_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/scale_out",
    "GIAOVIEC_RATE_MUTATIONS_PER_MINUTE": "0",
    "GIAOVIEC_RATE_EXPENSIVE_READS_PER_MINUTE": "0",
}
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
DEPARTMENTS = ("snv", "stc", "sxd", "syt", "sgddt", "snnmt", "skhcn", "svhttdl")
CHAIRMAN = "chutich"
ACCEPT = "mutation($id: ID!) { acceptTask(id: $id) { id state } }"
PROGRESS = """mutation($id: ID!) { reportProgress(id: $id, percent: 50,
  note: "Đã hoàn thành một nửa") { id progress } }"""
SUBMIT = """mutation($id: ID!) { submitOutput(id: $id, output: {
  description: "Báo cáo kết quả", reference: "Số 12/BC"}) { id state } }"""
APPROVE = "mutation($id: ID!) { approveTask(id: $id) { id state } }"
OWN_LIST = """{ tasks(first: 20) { totalCount edges { node { id title state deadline
  timeliness } } } }"""
ME = "{ me { unit { id } } }"
PHASES = ("assign", "mixed", "read")
MUTATIONS = {"acceptTask", "reportProgress", "submitOutput", "approveTask"}
DASHBOARD = dict(HOME)


class Done(Exception):
    """The phase's time is up: no new request is sent."""


def say(line: str) -> None:
    print(line, flush=True)


def cluster(env: Mapping[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "giaoviec.programs.cluster", *args], env=dict(env),
                   check=True, stdout=subprocess.DEVNULL)


# Load ---------------------------------------------------------------------------------------


@dataclass
class Load:
    http: httpx.AsyncClient
    tokens: Mapping[str, str]
    root: str  # the province's unit id: the chairman's dashboard
    until: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)

    async def call(self, op: str, user: str, query: str,
                   variables: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        if time.monotonic() >= self.until:
            raise Done
        t0 = time.perf_counter()
        try:
            answer = await self.http.post(
                "/graphql", json={"query": query, "variables": dict(variables or {})},
                headers={"Authorization": f"Bearer {self.tokens[user]}"})
        except httpx.HTTPError as e:
            self.errors[f"{op} {type(e).__name__}"] += 1
            return None
        elapsed = time.perf_counter() - t0
        payload = answer.json() if answer.status_code == 200 else {}
        if answer.status_code != 200 or payload.get("errors"):
            code = ((payload.get("errors") or [{}])[0].get("extensions") or {}).get("code")
            self.errors[f"{op} {code or answer.status_code}"] += 1
            return None
        self.latencies.setdefault(op, []).append(elapsed)
        return dict(payload["data"])

    async def assign(self, run: str, i: int) -> tuple[str, str] | None:
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        body = assign_body(run, i)
        task = body["variables"]["input"]  # type: ignore[index]
        task["leadUnitId"], task["ownerId"] = f"ag-{department}", f"{department}.cb1"
        data = await self.call("assignTask", CHAIRMAN, ASSIGN, body["variables"])  # type: ignore[arg-type]
        return (str(data["assignTask"]["id"]), f"{department}.cb1") if data else None

    async def assigner(self, run: str, slot: int) -> None:
        for i in itertools.count(slot * 1_000_000):
            await self.assign(run, i)

    async def life(self, run: str, slot: int) -> None:
        """One in-flight slot of the mixed load: a task's whole life, again and again."""
        u = {"u": self.root}
        for i in itertools.count(slot * 1_000_000):
            assigned = await self.assign(run, i)
            if assigned is None:
                continue
            task, owner = assigned
            ids = {"id": task}
            steps = (
                ("tasks (owner's list)", owner, OWN_LIST, {}),
                ("acceptTask", owner, ACCEPT, ids),
                ("reportProgress", owner, PROGRESS, ids),
                ("dashboard figures", CHAIRMAN, DASHBOARD["figures"], u),
                ("submitOutput", owner, SUBMIT, ids),
                ("dashboard awaiting decision", CHAIRMAN, DASHBOARD["lists"], u),
                ("approveTask", CHAIRMAN, APPROVE, ids),
                ("dashboard ranking", CHAIRMAN, DASHBOARD["ranking"], u),
            )
            for op, user, query, variables in steps:
                if await self.call(op, user, query, variables) is None and op in MUTATIONS:
                    break  # a refused step: the task's life cannot go on; start another

    async def reader(self, run: str, slot: int) -> None:
        """The reads of the mixed load alone: what they cost apart from the mutations."""
        u = {"u": self.root}
        for i in itertools.count(slot):
            owner = f"{DEPARTMENTS[i % len(DEPARTMENTS)]}.cb1"
            await self.call("tasks (owner's list)", owner, OWN_LIST)
            await self.call("dashboard figures", CHAIRMAN, DASHBOARD["figures"], u)
            await self.call("dashboard awaiting decision", CHAIRMAN, DASHBOARD["lists"], u)
            await self.call("dashboard ranking", CHAIRMAN, DASHBOARD["ranking"], u)

    async def run(self, kind: str, seconds: float, in_flight: int) -> float:
        self.until = time.monotonic() + seconds
        run = f"{kind}-{time.time_ns()}"
        loop = {"assign": self.assigner, "mixed": self.life, "read": self.reader}[kind]
        t0 = time.perf_counter()
        results = await asyncio.gather(*(loop(run, s) for s in range(in_flight)),
                                       return_exceptions=True)
        for result in results:
            if not isinstance(result, Done):
                raise RuntimeError(f"a load slot failed: {result!r}")
        return time.perf_counter() - t0


# CPU ----------------------------------------------------------------------------------------


def processes() -> dict[int, tuple[int, float]]:
    """Every live process: pid -> (parent pid, CPU seconds)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            found[int(stat.parent.name)] = parse_stat(stat.read_text(), TICKS)
        except (OSError, IndexError, ValueError):
            continue
    return found


@dataclass
class Sampler:
    """Each second, the cumulative CPU of every member of each group."""

    roots: Mapping[str, int]  # process name -> its pid (its children belong to it)
    database_url: str
    samples: dict[str, list[dict[int, float]]] = field(default_factory=dict)

    def backends(self) -> set[int]:
        name = self.database_url.rsplit("/", 1)[1]
        with self.engine.connect() as db:
            return {int(pid) for (pid,) in db.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :d "
                "AND pid <> pg_backend_pid()"), {"d": name})}

    def __post_init__(self) -> None:
        self.engine = create_engine(self.database_url, pool_size=1)

    def sample(self) -> None:
        live = processes()
        parents = {pid: parent for pid, (parent, _) in live.items()}
        groups = {name: tree(pid, parents) for name, pid in self.roots.items()}
        groups["postgres"] = self.backends()
        groups["load generator"] = {os.getpid()}
        for name, pids in groups.items():
            self.samples.setdefault(name, []).append(
                {pid: live[pid][1] for pid in pids if pid in live})

    async def every_second(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.to_thread(self.sample)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)

    def cpu(self) -> dict[str, float]:
        return {name: spent(samples) for name, samples in self.samples.items()}


def proc_stat_cpu() -> str:
    return Path("/proc/stat").read_text().splitlines()[0]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# A phase ------------------------------------------------------------------------------------


async def phase(load: Load, kind: str, seconds: float, in_flight: int, roots: Mapping[str, int],
                database_url: str) -> dict[str, Any]:
    load.latencies, load.errors = {}, Counter()
    sampler = Sampler(roots, database_url)
    sampler.sample()
    machine0, avg0, stop = proc_stat_cpu(), loadavg(), asyncio.Event()
    watcher = asyncio.create_task(sampler.every_second(stop))
    wall = await load.run(kind, seconds, in_flight)
    stop.set()
    await watcher
    sampler.sample()
    sampler.engine.dispose()
    result = Phase(wall, dict(load.latencies), sum(load.errors.values()))
    cpu = sampler.cpu()
    p50, p95 = result.quantiles()
    return {
        "kind": kind, "in_flight": in_flight, "wall": wall, "ops": result.ops,
        "rate": result.rate, "p50_ms": p50, "p95_ms": p95, "errors": dict(load.errors),
        "by_op": {op: {"n": len(v), "p50_ms": result.quantiles(op)[0],
                       "p95_ms": result.quantiles(op)[1]} for op, v in load.latencies.items()},
        "cpu_s": cpu, "cpu_ms_per_op": {k: per_op_ms(v, result.ops) for k, v in cpu.items()},
        "cores": {k: v / wall for k, v in cpu.items()},
        "machine_busy_cores": busy_cores(machine0, proc_stat_cpu(), CORES),
        "loadavg": [avg0, loadavg()],
    }


def show(pairs: int, r: Mapping[str, Any]) -> None:
    errors = sum(r["errors"].values())
    say(f"\n{pairs} pair(s), {r['kind']}, {r['wall']:.0f} s at {r['in_flight']} in flight: "
        f"{r['ops']} answered, {r['rate']:.1f}/s, p50 {r['p50_ms']:.0f} ms, "
        f"p95 {r['p95_ms']:.0f} ms, errors {errors} {r['errors'] or ''}")
    if r["kind"] != "assign":
        for op, o in r["by_op"].items():
            say(f"    {op:<30} {o['n']:>5}  p50 {o['p50_ms']:>6.0f} ms  p95 {o['p95_ms']:>6.0f} ms")
    say("  CPU ms/op (cores busy):  " + "  ".join(
        f"{k} {r['cpu_ms_per_op'][k]:.1f} ({r['cores'][k]:.2f})" for k in r["cpu_ms_per_op"]))
    total = sum(r["cpu_ms_per_op"].values())
    say(f"  sum of those {total:.1f} ms/op; the machine {r['machine_busy_cores']:.2f} of "
        f"{CORES} cores busy (everyone's); load average {r['loadavg'][0]} → {r['loadavg'][1]}")


async def measure(env: Mapping[str, str], pairs: int, seconds: float, in_flight: int,
                  warmup: float) -> list[dict[str, Any]]:
    os.environ.update(env)
    from api.auth import issue_dev_token
    from giaoviec.config import Settings
    from giaoviec.programs.cluster_processes import Cluster

    settings = Settings()
    home = Cluster(settings.data_dir / "cluster")
    roots = {name: pid for name in home.processes() if (pid := home.pid(name))}
    users = [CHAIRMAN, *(f"{d}.cb1" for d in DEPARTMENTS)]
    tokens = {user: issue_dev_token(settings, user) for user in users}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.port}", timeout=120,
                                 limits=httpx.Limits(max_connections=in_flight + 4)) as http:
        me = (await http.post("/graphql", json={"query": ME},
                              headers={"Authorization": f"Bearer {tokens[CHAIRMAN]}"})).json()
        load = Load(http, tokens, me["data"]["me"]["unit"]["id"])
        say(f"{pairs} pair(s) up: {', '.join(roots)}; warm-up {warmup:.0f} s of the mixed load")
        await load.run("mixed", warmup, in_flight)
        results = []
        for kind in PHASES:
            r = await phase(load, kind, seconds, in_flight, roots, env["CLUSTER_DATABASE_URL"])
            show(pairs, r)
            results.append({"pairs": pairs, **r})
        return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=20)
    parser.add_argument("--keep", action="store_true", help="leave the last cluster running")
    args = parser.parse_args()
    env = {**os.environ, **{k: os.environ.get(k, v) for k, v in DEFAULTS.items()}}
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    say(f"bench.scale_out at {started}, {CORES} cores, load average {loadavg()}")
    results: list[dict[str, Any]] = []
    for n, pairs in enumerate(args.pairs):
        cluster(env, "down", "--wipe")
        t0 = time.monotonic()
        try:
            cluster(env, "up", "--pairs", str(pairs))
            say(f"\ncluster with {pairs} pair(s) up in {time.monotonic() - t0:.0f} s")
            results += asyncio.run(measure(env, pairs, args.seconds, args.in_flight,
                                           args.warmup))
        finally:
            if not (args.keep and n == len(args.pairs) - 1):
                cluster(env, "down", "--wipe")
    out = Path(env["GIAOVIEC_DATA_DIR"]) / f"scale_out-{started}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"started": started, "cores": CORES, "results": results},
                              indent=1, ensure_ascii=False) + "\n")
    say(f"\nfigures also in {out}\n")
    report(str(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
