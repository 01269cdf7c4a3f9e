"""Benchmark: assignTask over real HTTP against its ceiling, in one run on one dev server.

The ceiling is the rate of the simplest workflow that does what an assignment must: start,
run one activity, answer. assignTask adds the six-"rõ" checks, the idempotency claim, the
GraphQL request and the read-model write that its one activity does. Printed: the ceiling's
rate and p50 at 1 and at 32 in flight, assignTask's rate and p50/p99 at 1 and at 32, and the
ratios (assignTask / ceiling).

    .venv/bin/python -m bench.assign_ceiling [--single 40] [--many 320] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import uvicorn
from sqlmodel import Session, SQLModel
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from api.auth import issue_dev_token
from bench.ceiling_workflow import CeilingWorkflow, touch
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
ASSIGN = """mutation($input: AssignTaskInput!) { assignTask(input: $input) { id state } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _measure(n: int, in_flight: int,
                   one: Callable[[int], Awaitable[None]]) -> tuple[float, list[float]]:
    sem = asyncio.Semaphore(in_flight)
    latencies: list[float] = []

    async def timed(i: int) -> None:
        async with sem:
            t0 = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(timed(i) for i in range(n)))
    return n / (time.perf_counter() - t0), latencies


async def main(single: int, many: int, database_url: str | None) -> None:
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
                        rate_mutations_per_minute=0)
    temporal = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    async with await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER, dev_server_existing_path=temporal,
        dev_server_log_level="error",
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
        async with (
            build_worker(client, engine, QUEUE, settings=settings),
            # Sandboxed like the task workflows, so the two pay the same per-workflow cost.
            Worker(client, task_queue=CEILING_QUEUE, workflows=[CeilingWorkflow],
                   activities=[touch], workflow_runner=RUNNER),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60,
                              headers={"Authorization": f"Bearer {token}"},
                              limits=httpx.Limits(max_connections=64)) as http,
        ):
            async def ceiling(i: int) -> None:
                await client.execute_workflow(CeilingWorkflow.run, str(i),
                                              id=f"ceiling-{run}-{uuid.uuid4().hex}",
                                              task_queue=CEILING_QUEUE)

            async def assign(i: int) -> None:
                body = {"query": ASSIGN, "variables": {"input": {
                    "clientKey": f"bench-{run}-{uuid.uuid4().hex}",
                    "title": f"Nhiệm vụ thử tải số {i}",
                    "description": "Tổng hợp, báo cáo kết quả thực hiện.",
                    "leadUnitId": "ag-snv", "ownerId": "snv.cb1",
                    "basis": "Kế hoạch số 208/KH-UBND", "workingDays": 10 + i % 20,
                    "product": {"kind": "báo cáo", "description": "Báo cáo kết quả",
                                "measure": "Trình Chủ tịch"},
                }}}
                answer = (await http.post("/graphql", json=body)).json()
                if "errors" in answer:
                    raise RuntimeError(answer["errors"])

            await _measure(8, 4, ceiling)  # warm up both paths
            await _measure(8, 4, assign)
            results = {}
            for name, fn in (("ceiling", ceiling), ("assignTask", assign)):
                results[(name, 1)] = await _measure(single, 1, fn)
                results[(name, 32)] = await _measure(many, 32, fn)
        server.should_exit = True
        await serving
    db = "PostgreSQL" if database_url else "SQLite"
    print(f"read model: {db}; one dev server; worker and API in this process (as `make run`)")
    for (name, flight), (rate, lat) in results.items():
        print(f"{name:10s} {flight:2d} in flight: {rate:6.1f}/s  p50 {_pct(lat, .5):6.1f} ms  "
              f"p99 {_pct(lat, .99):6.1f} ms  (n={len(lat)})")
    for flight in (1, 32):
        ratio = results[("assignTask", flight)][0] / results[("ceiling", flight)][0]
        print(f"ratio assignTask/ceiling at {flight:2d} in flight: {ratio:.2f}")
    p50s = _pct(results[("assignTask", 1)][1], .5), _pct(results[("ceiling", 1)][1], .5)
    print(f"single request p50: assignTask {p50s[0]:.1f} ms vs ceiling {p50s[1]:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--single", type=int, default=40)
    parser.add_argument("--many", type=int, default=320)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.single, args.many, args.database_url))
