"""Benchmark: what leaders read, at national scale, through the real GraphQL app (ASGI).

Seeds all 34 provinces and 3,321 communes, writes N tasks straight into the read model (as
the engine's activity would), then times the drill-down and task-list queries.

    .venv/bin/python -m bench.read_bench --tasks 100000
    .venv/bin/python -m bench.read_bench --tasks 100000 --database-url postgresql://...
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, text
from sqlmodel import Session, SQLModel, select

from api.app import create_app
from api.auth import issue_dev_token
from domain.calendar import WorkingCalendar
from domain.lifecycle import TaskState
from giaoviec.config import Settings
from giaoviec.orgdata.seed import seed_national
from giaoviec.services.tasks import TaskService
from giaoviec.store.db import make_engine
from giaoviec.store.models import Official, Task, Unit
from workflows.contracts import CalendarConfig

QUERIES = {
    "all 34 provinces with counts with descendants":
        "{ units { id countsWithDescendants { total openOverdue dueSoon } } }",
    "one province's communes with counts and heads":
        """query($u: ID) { units(parentId: $u) { id name counts { total openOverdue }
           countsWithDescendants { total } head { fullName } } }""",
    "overdue tasks, first page of 100 with units and owners":
        """{ tasks(first: 100, filter: {timeliness: [OVERDUE]}) { totalCount edges { node {
           id title deadline leadUnit { name parent { name } } owner { fullName } } } } }""",
    "text search, diacritic-insensitive":
        """{ tasks(first: 50, filter: {search: "bao cao kiem dem"}) { totalCount
           edges { node { id title } } } }""",
}
STATES = [TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.IN_PROGRESS, TaskState.SUBMITTED,
          TaskState.COMPLETED, TaskState.COMPLETED, TaskState.PAUSED, TaskState.CANCELLED]


def populate(engine, n: int, province: str | None = None) -> None:  # noqa: ANN001
    """N tasks over all communes, or only over one province's communes (`province`: its id)."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    with Session(engine) as s:
        seed_national(s)
        where = Unit.parent_id == province if province else Unit.kind != "province"
        communes = s.exec(select(Unit).where(where)).all()
        chairmen = {o.unit_id: o.id for o in s.exec(select(Official)).all()}
        rows = []
        for i in range(n):
            unit = communes[rng.randrange(len(communes))]
            deadline = now + timedelta(days=rng.randint(-40, 60))
            state = rng.choice(STATES)
            rows.append({
                "id": f"b{i:07d}", "client_key": f"b{i}", "title": f"Báo cáo kiểm đếm số {i}",
                "search_text": f"bao cao kiem dem so {i}", "state": state.value,
                "lead_unit_id": unit.id, "lead_unit_path": unit.path,
                "owner_id": chairmen[unit.id], "assigner_id": chairmen[unit.parent_id],
                "deadline": deadline, "original_deadline": deadline,
                "created_at": deadline - timedelta(days=30), "updated_at": now,
                "submitted_at": deadline - timedelta(days=rng.randint(-3, 3))
                if state is TaskState.COMPLETED else None,
                "completed_at": deadline if state is TaskState.COMPLETED else None,
                "paused_at": now - timedelta(days=5) if state is TaskState.PAUSED else None,
                "progress": 0, "overdue_reminders": 0, "flagged": False, "version": 1,
                "request_hash": "",
            })
            if len(rows) == 5000:
                s.execute(insert(Task), rows)
                rows.clear()
        if rows:
            s.execute(insert(Task), rows)
        s.commit()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


async def main(tasks: int, repeats: int, database_url: str | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="giaoviec-read-bench-"))
    engine = make_engine(database_url or f"sqlite:///{tmp / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    t0 = time.perf_counter()
    populate(engine, tasks)
    print(f"seeded 34 provinces, 3,321 communes, {tasks} tasks in "
          f"{time.perf_counter() - t0:.1f} s ({engine.dialect.name})")
    # One client sends every read: the per-official cost budget would refuse most of it.
    settings = Settings(_env_file=None, rate_cost_per_minute=0,  # type: ignore[call-arg]
                        rate_refusals_per_minute=0)
    service = TaskService(None, engine, "bench", WorkingCalendar(), CalendarConfig())  # type: ignore[arg-type]
    app = create_app(settings, engine=engine, service=service)
    with Session(engine) as s:
        national = s.exec(select(Official).join(Unit, Unit.id == Official.unit_id).where(
            Unit.kind == "province")).first()
        province = s.exec(select(Unit).where(Unit.kind == "province")).first()
    assert national is not None and province is not None
    token = issue_dev_token(settings, national.username)
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        for name, query in QUERIES.items():
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                r = await http.post("/graphql", json={"query": query,
                                                      "variables": {"u": province.id}},
                                    headers=headers, timeout=120)
                times.append(time.perf_counter() - start)
                body = r.json()
                assert "errors" not in body, body["errors"]
            print(f"{name}: median {statistics.median(times) * 1000:.0f} ms, "
                  f"max {max(times) * 1000:.0f} ms over {repeats} runs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(main(args.tasks, args.repeats, args.database_url))
