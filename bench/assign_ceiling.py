"""Benchmark: assignTask over real HTTP against its ceiling, in one run on one dev server.

The ceiling is the rate of the simplest workflow that does what an assignment must: start,
run one activity, answer. TaskWorkflow writes the read model with a local activity, so the
same workflow with one local activity is measured too ("ceil-local") and both ratios shown.
assignTask adds the six-"rõ" checks, the idempotency claim, the GraphQL request and the
read-model write its activity does. Printed: each one's rate, p50 and p99 at 1 and at 32 in
flight, the ratios, and the CPU each process spent per operation — what bounds it.

The system runs as `make run` runs it: the Temporal dev server on a database file, the API
(uvicorn) and the worker in one process. The ceiling's workflows are started by a Temporal
client in that process (as the API starts task workflows); assignTask's requests come from a
load generator in a process of its own (`bench.http_load`), as users' clients do.

    .venv/bin/python -m bench.assign_ceiling [--single 40] [--many 320] [--rounds 3]
        [--database-url URL] [--in-memory]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from sqlmodel import Session, SQLModel
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from api.auth import issue_dev_token
from bench.ceiling_workflow import CeilingWorkflow, LocalCeilingWorkflow, touch
from domain.calendar import WorkingCalendar
from giaoviec.config import Settings
from giaoviec.orgdata.seed import seed_demo
from giaoviec.programs.temporal import DATA_CONVERTER
from giaoviec.programs.worker import RUNNER, build_worker
from giaoviec.services.tasks import TaskService
from giaoviec.store.db import make_engine
from workflows.contracts import CalendarConfig

QUEUE = "bench"
CEILING_QUEUE = "bench-ceiling"
TICKS = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _children_cpu() -> float:
    """CPU seconds of this process's child processes still running (the dev server)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():  # ppid; utime and stime follow at 11, 12
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


@dataclass
class Phase:
    wall: float
    latencies: list[float]
    cpu_system: float  # this process: API, worker, the ceiling's client
    cpu_server: float  # the Temporal dev server
    cpu_load: float = 0.0  # the load generator's process

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall

    def __add__(self, other: Phase) -> Phase:
        return Phase(self.wall + other.wall, self.latencies + other.latencies,
                     self.cpu_system + other.cpu_system, self.cpu_server + other.cpu_server,
                     self.cpu_load + other.cpu_load)


async def _measure(n: int, in_flight: int, one: Callable[[int], Awaitable[None]]) -> Phase:
    sem = asyncio.Semaphore(in_flight)
    latencies: list[float] = []

    async def timed(i: int) -> None:
        async with sem:
            t0 = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - t0)

    cpu, server, t0 = time.process_time(), _children_cpu(), time.perf_counter()
    await asyncio.gather(*(timed(i) for i in range(n)))
    wall = time.perf_counter() - t0
    return Phase(wall, latencies, time.process_time() - cpu, _children_cpu() - server)


async def _load(url: str, token: str, n: int, in_flight: int, run: str) -> Phase:
    """assignTask from the load generator's own process."""
    cpu, server = time.process_time(), _children_cpu()
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.http_load", url, token, "--n", str(n),
        "--in-flight", str(in_flight), "--run", run, stdout=asyncio.subprocess.PIPE)
    out, _ = await child.communicate()
    if child.returncode:
        raise RuntimeError(f"bench.http_load exited with {child.returncode}")
    got = json.loads(out)
    return Phase(got["wall"], got["latencies"], time.process_time() - cpu,
                 _children_cpu() - server, got["cpu"])


async def main(single: int, many: int, rounds: int, database_url: str | None,
               in_memory: bool) -> None:
    # As `make run` and a pip-installed package have them: bytecode for the modules the
    # workflow sandbox imports afresh per workflow (else each start compiles them again).
    for package in ("domain", "workflows", "bench"):
        compileall.compile_dir(Path(__file__).parent.parent / package, quiet=1)
    tmp = Path(tempfile.mkdtemp(prefix="giaoviec-bench-"))
    run = uuid.uuid4().hex[:8]
    engine = make_engine(database_url or f"sqlite:///{tmp / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        seed_demo(s)
    port = _free_port()
    settings = Settings(_env_file=None, mode="dev", data_dir=tmp,  # type: ignore[call-arg]
                        jwt_secret="bench-secret-0123456789abcdef0123456789", port=port,
                        # One client sends every request: the per-token limit would throttle it.
                        rate_mutations_per_minute=0, rate_cost_per_minute=0,
                        rate_refusals_per_minute=0)
    temporal = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    async with await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER, dev_server_existing_path=temporal,
        dev_server_log_level="error",
        # As `make run` starts it (giaoviec.programs.dev_temporal): history kept in a file.
        dev_server_extra_args=[] if in_memory else ["--db-filename", str(tmp / "temporal.db")],
    ) as env:
        client = env.client
        service = TaskService(client, engine, QUEUE, WorkingCalendar(), CalendarConfig())
        server = uvicorn.Server(uvicorn.Config(create_app(settings, engine=engine,
                                                          service=service),
                                               host="127.0.0.1", port=port, log_level="error"))
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        token = issue_dev_token(settings, "chutich")
        url = f"http://127.0.0.1:{port}"
        async with (
            build_worker(client, engine, QUEUE, settings=settings),
            # Sandboxed like the task workflows, so the two pay the same per-workflow cost.
            Worker(client, task_queue=CEILING_QUEUE,
                   workflows=[CeilingWorkflow, LocalCeilingWorkflow],
                   activities=[touch], workflow_runner=RUNNER),
        ):
            async def ceiling(i: int) -> None:
                await client.execute_workflow(CeilingWorkflow.run, str(i),
                                              id=f"ceiling-{run}-{uuid.uuid4().hex}",
                                              task_queue=CEILING_QUEUE)

            async def local_ceiling(i: int) -> None:
                await client.execute_workflow(LocalCeilingWorkflow.run, str(i),
                                              id=f"local-{run}-{uuid.uuid4().hex}",
                                              task_queue=CEILING_QUEUE)

            await _measure(8, 4, ceiling)  # warm up every path
            await _measure(8, 4, local_ceiling)
            await _load(url, token, 8, 4, run)
            # In alternating rounds, so that both see the dev server's history at its sizes.
            results: dict[tuple[str, int], Phase] = {}
            for flight, n in ((1, single), (32, many)):
                for _ in range(rounds):
                    for name, phase in (
                        ("ceiling", await _measure(n // rounds, flight, ceiling)),
                        ("ceil-local", await _measure(n // rounds, flight, local_ceiling)),
                        ("assignTask", await _load(url, token, n // rounds, flight, run)),
                    ):
                        got = results.get((name, flight))
                        results[(name, flight)] = phase if got is None else got + phase
        server.should_exit = True
        await serving
    db = "PostgreSQL" if database_url else "SQLite"
    kept = "in memory" if in_memory else "on a database file, as `make run` has it"
    print(f"read model: {db}; one dev server, history {kept}; API and worker in one process "
          f"(as `make run`); load generator in its own process; {rounds} alternating rounds")
    print("CPU ms per operation: system = API + worker (+ the ceiling's client), "
          "server = Temporal dev server, load = load generator")
    for (name, flight), ph in results.items():
        n, lat = len(ph.latencies), ph.latencies
        print(f"{name:10s} {flight:2d} in flight: {ph.rate:6.1f}/s  p50 {_pct(lat, .5):6.1f} ms"
              f"  p99 {_pct(lat, .99):6.1f} ms  (n={n})  CPU/op: system "
              f"{ph.cpu_system / n * 1000:5.1f}  server {ph.cpu_server / n * 1000:5.1f}  "
              f"load {ph.cpu_load / n * 1000:4.1f}")
    for flight in (1, 32):
        assign = results[("assignTask", flight)].rate
        print(f"ratio assignTask/ceiling at {flight:2d} in flight: "
              f"{assign / results[('ceiling', flight)].rate:.2f}  (against the local-activity "
              f"ceiling: {assign / results[('ceil-local', flight)].rate:.2f})")
    p50 = {name: _pct(results[(name, 1)].latencies, .5)
           for name in ("assignTask", "ceiling", "ceil-local")}
    print(f"single request p50: assignTask {p50['assignTask']:.1f} ms vs ceiling "
          f"{p50['ceiling']:.1f} ms (local-activity ceiling {p50['ceil-local']:.1f} ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--single", type=int, default=40)
    parser.add_argument("--many", type=int, default=320)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--in-memory", action="store_true",
                        help="the dev server keeps history in memory (no disk writes)")
    args = parser.parse_args()
    asyncio.run(main(args.single, args.many, args.rounds, args.database_url, args.in_memory))
