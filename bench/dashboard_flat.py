"""Benchmark: the chairman's dashboard queries stay flat while one officer's token runs the
heaviest queries the API allows (issue 16 item 3).

Seeds the national organisation and N tasks in one province's communes (read_bench's
population), gives one officer of a commune a share of them to own, serves the real app over
uvicorn (real HTTP, its own process) and times the home page's queries as the chairman's
browser sends them (FIGURES, LISTS, RANKING, one after the other), p50 and p95 over R rounds:
- alone;
- while the officer runs, in parallel, three loops of the heaviest query under the cost
  limit (a page of 100 tasks with their counts, actions, plan, parent…), one loop of the
  issue's 30-alias query (refused before it runs), and one loop uploading the heaviest plan
  file the upload limits let through (parsed in full, then refused);
- the same with the limits as they were before the officer's share was bounded (no cost
  budget per minute, no refusal limit, 20 expensive reads a minute; he still runs one
  expensive operation at a time), for comparison.

    .venv/bin/python -m bench.dashboard_flat --tasks 20000 --rounds 30

The server listens on --port (default 8510), the next run's on the port after it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlmodel import Session, SQLModel, col, select, update

from api.app import create_app
from api.auth import issue_dev_token
from api.cost import query_cost
from api.schema import build_schema
from bench.read_bench import populate
from domain.calendar import WorkingCalendar
from giaoviec.config import Settings
from giaoviec.services.tasks import TaskService
from giaoviec.store.db import make_engine
from giaoviec.store.models import Official, Task, Unit
from workflows.contracts import CalendarConfig

PROVINCE = "p79"
OFFICER = "p79.canbo"
STATIC = Path(__file__).parents[1] / "api" / "dashboard" / "static"


def dashboard_queries() -> dict[str, str]:
    """Every query the dashboard sends, as its modules (api/dashboard/static/*.js) build them
    from their constants (the tests price the same)."""
    js = "\n".join(f.read_text(encoding="utf-8") for f in sorted(STATIC.glob("*.js")))
    consts = dict(re.findall(r"const (\w+) = [`\"](.*?)[`\"];", js, re.S))

    def expand(text: str, depth: int = 0) -> str:
        # A constant may be built of others built of others (FIGURES of JURISDICTION_FIGURES
        # of COUNTS): expand until none is left, a few levels at most.
        done = re.sub(r"\$\{(\w+)\}", lambda m: consts.get(m.group(1), m.group(0)), text)
        return done if done == text or depth > 5 else expand(done, depth + 1)

    return {name: expand(text) for name, text in consts.items()
            if re.match(r"\s*(query\b|\{)", expand(text))}


# The home page's first three queries, as the chairman's browser sends them.
DASHBOARD = {name: dashboard_queries()[name] for name in ("FIGURES", "LISTS", "RANKING")}
# The heaviest page the cost limit lets through, and the issue's query (refused).
HEAVY = """{ tasks(first: 100) { totalCount edges { node { id title
  subtaskCounts { total } availableActions parent { id } plan { id } fulfilledBy { id }
  owner { counts { total } } leadUnit { countsWithDescendants { total } }
  chain { leadUnit { id } } subtasks { id } } } } }"""
ATTACK = "{" + " ".join(
    f"a{i}: tasks(first: 100) {{ edges {{ node {{ plan {{ counts {{ total }} byUnit {{ "
    f"counts {{ total }} unit {{ countsWithDescendants {{ total }} }} }} }} }} }} }}"
    for i in range(30)) + "}"


# The limits before the officer's share was bounded (the comparison run).
BEFORE = {"rate_cost_per_minute": 0, "rate_refusals_per_minute": 0,
          "rate_expensive_reads_per_minute": 20}
IMPORT = """mutation($file: Upload!, $key: String!) {
  importPlan(file: $file, clientKey: $key) { id } }"""


def heaviest_upload() -> bytes:
    """The heaviest plan workbook the upload limits let through: 1,600 rows of 104 cells
    (3.8 MB of sheet XML, under the 4 MB a part) and 50,000 shared strings, 17 KB zipped; it
    is parsed in full and then refused (its rows are not tasks)."""
    from tests.api.test_upload_limits import HEADER, xlsx

    texts = '<c t="inlineStr"><is><t>Nội dung nhiệm vụ cần làm</t></is></c>' * 4
    row = "<row>" + texts + '<c t="s"><v>7</v></c>' * 100 + "</row>"
    return xlsx(HEADER + row * 1600, shared="<si><t>abcdefgh</t></si>" * 50_000)


def settings_for(port: int, before: bool) -> Settings:
    return Settings(_env_file=None, port=port,  # type: ignore[call-arg]
                    **(BEFORE if before else {}))


def serve(database_url: str, port: int, before: bool) -> None:
    engine = make_engine(database_url)
    service = TaskService(None, engine, "bench", WorkingCalendar(), CalendarConfig())  # type: ignore[arg-type]
    app = create_app(settings_for(port, before), engine=engine, service=service)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def seed(url: str, tasks: int) -> str:
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    populate(engine, tasks, province=PROVINCE)
    with Session(engine) as s:
        communes = s.exec(select(Unit.id).where(Unit.parent_id == PROVINCE)
                          .order_by(col(Unit.id))).all()
        s.add(Official(id=OFFICER, username=OFFICER, full_name="Nguyễn Văn Cán Bộ",
                       title="Công chức", unit_id=communes[0], roles="officer"))
        s.flush()
        # He owns the tasks of a tenth of the communes: his pages are full.
        s.execute(update(Task).where(col(Task.lead_unit_id).in_(communes[: len(communes) // 10]))
                  .values(owner_id=OFFICER))
        s.commit()
        chairman = s.exec(select(Official.id).where(Official.unit_id == PROVINCE)).first()
    assert chairman is not None
    return chairman


async def dashboard_round(http: httpx.AsyncClient, token: str) -> dict[str, float]:
    out = {}
    for name, query in DASHBOARD.items():
        start = time.perf_counter()
        r = await http.post("/graphql", json={"query": query, "variables": {"u": PROVINCE}},
                            headers={"Authorization": f"Bearer {token}"})
        out[name] = (time.perf_counter() - start) * 1000
        body = r.json()
        assert r.status_code == 200 and not body.get("errors"), body
    return out


async def officer(http: httpx.AsyncClient, token: str, query: str | bytes,
                  seen: Counter[str], stop: asyncio.Event) -> None:
    """One loop of the officer's: a query again and again, or (bytes) a plan file uploaded
    again and again; each answer counted by what it was (a refusal by its code)."""
    kind, n = ("upload" if isinstance(query, bytes) else "query"), 0
    while not stop.is_set():
        headers = {"Authorization": f"Bearer {token}"}
        if isinstance(query, bytes):
            n += 1
            operations = json.dumps({"query": IMPORT,
                                     "variables": {"file": None, "key": f"bench-{n}"}})
            r = await http.post("/graphql", headers=headers, timeout=300,
                                data={"operations": operations,
                                      "map": '{"0": ["variables.file"]}'},
                                files={"0": ("ke-hoach.xlsx", query, "application/octet-stream")})
        else:
            r = await http.post("/graphql", json={"query": query}, headers=headers,
                                timeout=300)
        body = r.json()
        code = body["errors"][0]["extensions"]["code"] if body.get("errors") else "answered"
        seen[f"{kind} {code}" + (f" (HTTP {r.status_code})" if r.status_code != 200 else "")] += 1


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


async def attack(base: str, officer_token: str, started: Any, stop: Any, out: Any) -> None:
    """The officer's loops, in a process of their own (as his machine would be): the
    chairman's timings are not the bench client's own event loop busy with his answers."""
    seen, stopped = Counter[str](), asyncio.Event()
    async with httpx.AsyncClient(base_url=base, timeout=300) as http:
        loops = [asyncio.create_task(officer(http, officer_token, q, seen, stopped))
                 for q in (HEAVY, HEAVY, HEAVY, ATTACK, heaviest_upload())]
        while sum(seen.values()) < 5:  # every loop sending (their first answers back)
            await asyncio.sleep(0.1)
        started.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        stopped.set()
        await asyncio.gather(*loops)
    out.put(dict(seen))


def attacker(base: str, officer_token: str, started: Any, stop: Any, out: Any) -> None:
    asyncio.run(attack(base, officer_token, started, stop, out))


async def measure(base: str, chairman: str, officer_token: str, rounds: int,
                  attacked: bool, settings: Settings) -> str:
    token = issue_dev_token(settings, chairman)
    spawn = multiprocessing.get_context("spawn")
    started, stop, out = spawn.Event(), spawn.Event(), spawn.Queue()
    async with httpx.AsyncClient(base_url=base, timeout=300) as http:
        await dashboard_round(http, token)  # warm
        if attacked:
            officer_process = spawn.Process(target=attacker,
                                            args=(base, officer_token, started, stop, out))
            officer_process.start()
            await asyncio.to_thread(started.wait, 300)
            await asyncio.sleep(1)
        times: dict[str, list[float]] = {name: [] for name in DASHBOARD}
        for _ in range(rounds):
            for name, ms in (await dashboard_round(http, token)).items():
                times[name].append(ms)
        stop.set()
    seen: dict[str, int] = {}
    if attacked:
        seen = await asyncio.to_thread(out.get, True, 600)
        officer_process.join(timeout=60)
    parts = [f"{name} p50 {statistics.median(v):.0f} ms, p95 {percentile(v, 0.95):.0f} ms"
             for name, v in times.items()]
    officer_said = ", ".join(f"{k} {n}" for k, n in Counter(seen).most_common())
    return "; ".join(parts) + (f"  [officer's requests: {officer_said}]" if attacked else "")


def run_server(url: str, port: int, before: bool) -> tuple[subprocess.Popen[bytes], str,
                                                           Settings]:
    args = [sys.executable, "-m", "bench.dashboard_flat", "--serve", url, "--port", str(port)]
    server = subprocess.Popen(args + (["--limits-before"] if before else []))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    return server, base, settings_for(port, before)


def main(tasks: int, rounds: int, port: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="giaoviec-dashboard-flat-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    t0 = time.perf_counter()
    chairman = seed(url, tasks)
    schema = build_schema()
    from graphql import parse

    print(f"seeded {tasks} tasks in {PROVINCE} in {time.perf_counter() - t0:.1f} s; costs: "
          + ", ".join(f"{n} {query_cost(schema, parse(q), {'u': PROVINCE})}"
                      for n, q in {**DASHBOARD, "HEAVY": HEAVY, "ATTACK": ATTACK}.items()))
    runs = (("alone", False, False), ("officer attacking, all limits", False, True),
            ("officer attacking, the limits before", True, True))
    for n, (label, before, attacked) in enumerate(runs):
        server, base, settings = run_server(url, port + n, before)
        try:
            line = asyncio.run(measure(base, chairman, issue_dev_token(settings, OFFICER),
                                       rounds, attacked, settings))
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(f"{label}: {line}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--serve")
    parser.add_argument("--port", type=int)
    parser.add_argument("--limits-before", action="store_true")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.limits_before)
    else:
        main(args.tasks, args.rounds, args.port or 8510)
