"""Benchmark: the dashboard's home page for a province holding N tasks, in headless Chromium.

Seeds the national organisation (34 provinces, 3,321 communes), puts all N tasks in one
province's communes (read_bench's population), serves the real app over uvicorn, signs in as
that province's chairman (a dev session cookie), opens `/` and times, per run:
- the first figures painted (the page's own performance mark, from navigation start);
- each GraphQL request the page sends (Chromium's resource timing: request sent to response
  end, so queries running side by side on the server are measured as the page lives them).
First with no stored weekly snapshots (every trend week computed now), then as a running
system has it: the past weeks stored by the weekly kiểm đếm (activities.tally).

    .venv/bin/python -m bench.dashboard_bench --tasks 100000
    .venv/bin/python -m bench.dashboard_bench --tasks 100000 \
        --database-url postgresql://postgres@127.0.0.1:5432/giaoviec_dashboard_bench
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlmodel import Session, SQLModel, select

from activities.tally import compute, store
from api.app import create_app
from api.auth import issue_dev_token
from api.dashboard.web import SESSION_COOKIE
from bench.read_bench import populate
from domain.calendar import WorkingCalendar
from domain.periods import PeriodKind, period_containing
from domain.tally import tally_instant
from giaoviec.config import Settings
from giaoviec.reads.dashboard import trend_weeks
from giaoviec.services.tasks import TaskService
from giaoviec.store.db import make_engine, session_scope
from giaoviec.store.models import Official, Unit
from tests.conftest import free_port
from workflows.contracts import CalendarConfig

PROVINCE = "p79"  # Thành phố Hồ Chí Minh: the most communes (168)


def label(post_data: str | None) -> str:
    """The first root field(s) of the GraphQL request, to name it."""
    query = json.loads(post_data or "{}").get("query", "")
    body = query[query.index("{") + 1:] if "{" in query else query
    return " ".join(body.split())[:40]


def open_home(browser: Any, base: str, token: str) -> tuple[float, float, dict[str, float]]:
    context = browser.new_context()
    context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
    page = context.new_page()
    timings: dict[str, float] = {}

    def finished(request: Any) -> None:
        if request.url.endswith("/graphql"):
            t = request.timing
            timings[label(request.post_data)] = t["responseEnd"] - t["requestStart"]

    page.on("requestfinished", finished)
    page.goto(f"{base}/")
    page.wait_for_selector("body[data-figures-ready]", timeout=60_000)
    painted = page.evaluate("performance.getEntriesByName('figures-painted')[0].startTime")
    page.wait_for_selector("body[data-home-ready]", timeout=120_000)
    complete = page.evaluate("performance.getEntriesByName('home-complete')[0].startTime")
    context.close()
    return painted, complete, timings


def measure(browser: Any, base: str, token: str, runs: int, title: str) -> None:
    painted: list[float] = []
    complete: list[float] = []
    queries: dict[str, list[float]] = defaultdict(list)
    first, done, timings = open_home(browser, base, token)
    print(f"\n{title}\n  first load after start: figures {first:.0f} ms, whole page {done:.0f} ms;"
          f" " + ", ".join(f"{name.split('(')[0].split()[0]} {ms:.0f} ms"
                         for name, ms in timings.items()))
    for _ in range(runs):
        first, done, timings = open_home(browser, base, token)
        painted.append(first)
        complete.append(done)
        for name, ms in timings.items():
            queries[name].append(ms)
    print(f"  first figures painted: median {statistics.median(painted):.0f} ms, "
          f"max {max(painted):.0f} ms over {runs} loads")
    print(f"  whole home page loaded: median {statistics.median(complete):.0f} ms, "
          f"max {max(complete):.0f} ms")
    for name, values in queries.items():
        print(f"  {name:<42} median {statistics.median(values):.0f} ms, "
              f"max {max(values):.0f} ms")


def store_past_weeks(engine: Any, weeks: int) -> float:
    """What the weekly Schedule leaves behind: a stored tally for each past week."""
    now = datetime.now(UTC)
    start = time.perf_counter()
    current = period_containing(now, PeriodKind.WEEK)
    for period in trend_weeks(now, weeks):
        if period.key == current.key:
            continue
        with session_scope(engine) as session:
            at = tally_instant(period, now)
            roots, _ = compute(session, period, at, WorkingCalendar())
            store(session, period, roots, at, now)
    return time.perf_counter() - start


def main(tasks: int, runs: int, database_url: str | None) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Chromium is needed (Debian: apt-get install chromium).")
    tmp = Path(tempfile.mkdtemp(prefix="giaoviec-dashboard-bench-"))
    url = database_url or f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    t0 = time.perf_counter()
    populate(engine, tasks, province=PROVINCE)
    with Session(engine) as s:
        province = s.get(Unit, PROVINCE)
        chairman = s.exec(select(Official).where(Official.unit_id == PROVINCE)).first()
    assert province is not None and chairman is not None
    print(f"seeded 34 provinces, 3,321 communes; {tasks} tasks all in {province.name} "
          f"in {time.perf_counter() - t0:.1f} s ({engine.dialect.name})")
    port = free_port()
    settings = bench_settings(port)
    # The API in a process of its own, as deployed (and not sharing a GIL with the browser's
    # driver in this one).
    server = subprocess.Popen([sys.executable, "-m", "bench.dashboard_bench", "--serve", url,
                               "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base)
    token = issue_dev_token(settings, chairman.username)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking"])
            measure(browser, base, token, runs, "no stored weekly tallies yet:")
            took = store_past_weeks(engine, 12)
            print(f"\n(stored the past 11 weeks' tallies as the weekly run does: {took:.1f} s)")
            measure(browser, base, token, runs, "past weeks stored (a running system):")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def bench_settings(port: int) -> Settings:
    # One browser reloads the page again and again: the per-official budgets would refuse it.
    return Settings(_env_file=None, port=port,  # type: ignore[call-arg]
                    public_url=f"http://127.0.0.1:{port}", rate_cost_per_minute=0,
                    rate_refusals_per_minute=0)


def serve(database_url: str, port: int) -> None:
    engine = make_engine(database_url)
    service = TaskService(None, engine, "bench", WorkingCalendar(), CalendarConfig())  # type: ignore[arg-type]
    app = create_app(bench_settings(port), engine=engine, service=service)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the API did not start")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None,
                        help="an empty database (default: a new SQLite file)")
    parser.add_argument("--serve", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
    else:
        main(args.tasks, args.runs, args.database_url)
