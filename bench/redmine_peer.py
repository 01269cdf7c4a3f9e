"""Benchmark: giaoviec beside a real peer, Redmine from Debian's packages, on the same work.

The bench starts both itself and leaves the machine as it found it:
- Redmine (`apt-get install redmine redmine-pgsql`): an instance of its own
  (/var/lib/redmine/<instance>, Debian's multi-tenancy), its own PostgreSQL database migrated
  with Redmine's migrations and default data, the REST API enabled and the admin's API key
  read with `rails runner`, served by WEBrick (`rackup`) on a free port. Afterwards the server
  is stopped, the database dropped, the instance directory removed.
- giaoviec: its own PostgreSQL database (migrated, the national organisation seeded), run as
  `make run` runs it (`giaoviec dev`: the Temporal dev server, the API and the worker).

One province (the one with the number of communes nearest 100; `--province` to choose) is
built in Redmine as a project tree: the province's project, a subproject per commune, each
unit's chairman a user and a member (Manager) of his unit's project. N tasks, spread as
bench.million spreads them (with `--overdue-share` of them open and overdue, so the overdue
list has pages), are created in Redmine as issues through its REST API (assignee, start and
due date, status); the same rows are loaded into giaoviec's read model in bulk. Then, timed on
both over HTTP:
- creating: Redmine `POST /issues.json`; giaoviec `assignTask` (GraphQL, through Temporal);
- overdue per unit with its descendants: for the province and each commune, Redmine
  `GET /issues.json?project_id=…&status_id=o&due_date=<=yesterday&limit=1` (subprojects are
  included, Redmine's default) and giaoviec `unit(id) { countsWithDescendants { openOverdue } }`;
- the paged overdue list of the province, 50 a page, by due date: Redmine's offset pages,
  giaoviec's cursor pages.

    nice -n 10 .venv/bin/python -m bench.redmine_peer --tasks 2000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from api.auth import issue_dev_token
from bench.million import SPREAD, percentiles, task_rows
from giaoviec.config import Settings
from giaoviec.orgdata.seed import seed_national
from giaoviec.store.db import make_engine
from giaoviec.store.migrate import upgrade_database
from giaoviec.store.models import Official, Unit
from tests.conftest import free_port

REDMINE = Path("/usr/share/redmine")
INSTANCES = REDMINE / "instances"  # Debian: a link to /var/lib/redmine
# Redmine's default data (REDMINE_LANG=en): its statuses by name, for giaoviec's states.
STATUS_OF = {"assigned": "New", "in_progress": "In Progress", "submitted": "Resolved",
             "returned": "Feedback", "paused": "Feedback", "completed": "Closed",
             "cancelled": "Rejected", "declined": "Rejected"}
COLUMN = {name: i for i, name in enumerate((
    "id", "client_key", "request_hash", "title", "search_text", "state", "lead_unit_id",
    "lead_unit_path", "owner_id", "assigner_id", "deadline", "original_deadline",
    "created_at"))}


def _admin_url(url: str, database: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


def _psql(admin: str, sql: str) -> None:
    subprocess.run(["psql", admin, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True,
                   stdout=subprocess.DEVNULL)


# Redmine ----------------------------------------------------------------------------------


@dataclass
class Redmine:
    url: str
    key: str
    database_url: str  # its own PostgreSQL database


def _rails_env(instance: str) -> dict[str, str]:
    return {**os.environ, "REDMINE_INSTANCE": instance, "RAILS_ENV": "production",
            "REDMINE_LANG": "en",
            # Debian's Redmine bundle lists no web server; WEBrick (ruby-webrick, installed
            # with Ruby) is loaded before Bundler narrows the load path.
            "RUBYOPT": "-rwebrick"}


@contextmanager
def redmine(postgres: str, say: Callable[[str], None]) -> Iterator[Redmine]:
    if not (REDMINE / "config.ru").exists():
        raise SystemExit("Redmine is needed: apt-get install redmine redmine-pgsql")
    instance = f"giaoviec-bench-{secrets.token_hex(3)}"
    home = INSTANCES / instance
    database = instance.replace("-", "_")
    host = urllib.parse.urlsplit(postgres)
    server: subprocess.Popen[bytes] | None = None
    created_db = False
    try:
        for sub in ("config", "log", "tmp", "files", "public"):
            (home / sub).mkdir(parents=True)
        (home / "config" / "database.yml").write_text(
            "production:\n  adapter: postgresql\n"
            f"  database: {database}\n  host: {host.hostname}\n  port: {host.port or 5432}\n"
            f"  username: {host.username or 'postgres'}\n  encoding: utf8\n")
        (home / "config" / "secret_key.txt").write_text(secrets.token_hex(32))
        _psql(postgres, f"CREATE DATABASE {database}")
        created_db = True
        env = _rails_env(instance)
        t0 = time.perf_counter()
        for step in (["rake", "db:migrate"], ["rake", "redmine:load_default_data"]):
            subprocess.run(step, cwd=REDMINE, env=env, check=True, stdout=subprocess.DEVNULL)
        script = home / "tmp" / "setup.rb"
        script.write_text("Setting.rest_api_enabled = '1'\n"
                          "puts User.find_by(login: 'admin').api_key\n")
        key = subprocess.run(["rails", "runner", str(script)], cwd=REDMINE, env=env,
                             check=True, capture_output=True, text=True).stdout.split()[-1]
        port = free_port()
        log = (home / "log" / "server.log").open("wb")
        server = subprocess.Popen(
            ["rackup", "-E", "production", "-o", "127.0.0.1", "-p", str(port), "-s", "webrick"],
            cwd=REDMINE, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        _wait_until(lambda: httpx.get(f"{url}/trackers.json", timeout=5,
                                      headers={"X-Redmine-API-Key": key}).status_code == 200,
                    180, "Redmine did not start: see its log above")
        say(f"Redmine {_redmine_version()} up (migrated, default data, REST API on) in "
            f"{time.perf_counter() - t0:.0f} s: {url}")
        yield Redmine(url, key, _admin_url(postgres, database))
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        if created_db:
            _psql(postgres, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        shutil.rmtree(home, ignore_errors=True)


def _redmine_version() -> str:
    found = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "redmine"],
                           capture_output=True, text=True)
    return found.stdout.strip() or "?"


def _wait_until(ready: Callable[[], bool], seconds: float, failure: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(failure)


class RedmineApi:
    def __init__(self, rm: Redmine, in_flight: int) -> None:
        self.http = httpx.AsyncClient(
            base_url=rm.url, timeout=300, headers={"X-Redmine-API-Key": rm.key},
            limits=httpx.Limits(max_connections=in_flight))

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.http.post(path, json=body)
        if r.status_code >= 300:
            raise RuntimeError(f"Redmine {path}: {r.status_code} {r.text[:500]}")
        return r.json() if r.content.strip() else {}

    async def get(self, path: str, **params: Any) -> dict[str, Any]:
        r = await self.http.get(path, params=params)
        if r.status_code >= 300:
            raise RuntimeError(f"Redmine {path}: {r.status_code} {r.text[:500]}")
        return r.json()


async def build_tree(api: RedmineApi, units: list[tuple[str, str, str | None]],
                     heads: dict[str, tuple[str, str]]) -> tuple[dict[str, int], dict[str, int]]:
    """The units as projects (communes under their province) and each unit's chairman as a
    user and Manager of it; Redmine's project and user ids by giaoviec's unit id."""
    projects: dict[str, int] = {}
    users: dict[str, int] = {}
    for unit_id, name, parent in sorted(units, key=lambda u: u[2] is not None):
        body: dict[str, Any] = {"name": name[:255], "identifier": unit_id.lower(),
                                "is_public": True, "enabled_module_names": ["issue_tracking"]}
        if parent:
            body["parent_id"] = projects[parent]
        projects[unit_id] = (await api.post("/projects.json", {"project": body}))["project"]["id"]
        login, full_name = heads[unit_id]
        first, _, last = full_name.rpartition(" ")
        users[unit_id] = (await api.post("/users.json", {"user": {
            "login": login, "firstname": first or full_name, "lastname": last or "-",
            "mail": f"{login}@example.gov.vn", "password": secrets.token_urlsafe(12)}}
        ))["user"]["id"]
        await api.post(f"/projects/{projects[unit_id]}/memberships.json",
                       {"membership": {"user_id": users[unit_id], "role_ids": [3]}})  # Manager
    return projects, users


# Timing -----------------------------------------------------------------------------------


@dataclass
class Phase:
    latencies: list[float]  # ms
    wall: float  # s

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall

    def line(self) -> str:
        p50, p95, top = percentiles(self.latencies)
        return (f"{self.rate:7.1f}/s  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {top:7.1f} ms"
                f"  (n={len(self.latencies)})")


async def timed(n: int, in_flight: int, one: Callable[[int], Awaitable[Any]]) -> Phase:
    sem = asyncio.Semaphore(in_flight)
    latencies: list[float] = []

    async def run(i: int) -> None:
        async with sem:
            t0 = time.perf_counter()
            await one(i)
            latencies.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    await asyncio.gather(*(run(i) for i in range(n)))
    return Phase(latencies, time.perf_counter() - t0)


# giaoviec ----------------------------------------------------------------------------------


@contextmanager
def giaoviec(database_url: str, say: Callable[[str], None]) -> Iterator[tuple[str, Settings]]:
    """`giaoviec dev` (as `make run`) on the given read model, on free ports."""
    tmp = Path(tempfile.mkdtemp(prefix="giaoviec-peer-"))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "GIAOVIEC_DATA_DIR": str(tmp),
           "GIAOVIEC_PORT": str(port), "TEMPORAL_DEV_PORT": str(free_port()),
           "TEMPORAL_UI_PORT": str(free_port()), "GIAOVIEC_MODE": "dev",
           "GIAOVIEC_JWT_SECRET": secrets.token_hex(24),
           # One client sends every request: the per-token limit would throttle it.
           "GIAOVIEC_RATE_MUTATIONS_PER_MINUTE": "0", "GIAOVIEC_RATE_COST_PER_MINUTE": "0",
           "GIAOVIEC_RATE_REFUSALS_PER_MINUTE": "0"}
    settings = Settings(_env_file=None, jwt_secret=env["GIAOVIEC_JWT_SECRET"])  # type: ignore[call-arg]
    log = (tmp / "giaoviec.log").open("wb")
    subprocess.run([sys.executable, "-m", "compileall", "-q", "domain", "workflows"],
                   check=True)
    proc = subprocess.Popen([sys.executable, "-m", "giaoviec.programs.cli", "dev"], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            if proc.poll() is not None:
                raise SystemExit("giaoviec stopped: " + (tmp / "giaoviec.log").read_text()[-2000:])
            return httpx.get(f"{url}/health", timeout=5).status_code == 200

        _wait_until(up, 180, f"giaoviec did not start: see {tmp / 'giaoviec.log'}")
        say(f"giaoviec up (`giaoviec dev`: Temporal dev server, API and worker): {url}")
        yield url, settings
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


class GiaoviecApi:
    def __init__(self, url: str, settings: Settings, username: str, in_flight: int) -> None:
        token = issue_dev_token(settings, username)
        self.http = httpx.AsyncClient(base_url=url, timeout=300,
                                      headers={"Authorization": f"Bearer {token}"},
                                      limits=httpx.Limits(max_connections=in_flight))

    async def ask(self, query: str, **variables: Any) -> dict[str, Any]:
        body = (await self.http.post("/graphql", json={"query": query,
                                                        "variables": variables})).json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return body["data"]


ASSIGN = """mutation($input: AssignTaskInput!) { assignTask(input: $input) { id state } }"""
OVERDUE_COUNT = "query($u: ID!) { unit(id: $u) { countsWithDescendants { openOverdue } } }"
OVERDUE_PAGE = """query($u: ID!, $after: String) {
  tasks(first: 50, after: $after, filter: { unitId: $u, timeliness: [OVERDUE] }) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id title deadline leadUnit { name } owner { fullName } } } } }"""


# The run -----------------------------------------------------------------------------------


def pick_province(engine: Any, wanted: str | None) -> str:
    with Session(engine) as s:
        sizes = dict(s.execute(select(Unit.parent_id, func.count()).where(
            Unit.parent_id.is_not(None)).group_by(Unit.parent_id)).all())  # type: ignore[union-attr]
    return wanted or min(sizes, key=lambda p: abs(sizes[p] - 100))


async def run(tasks: int, creates: int, in_flight: int, overdue_share: float, postgres: str,
              province: str | None) -> None:
    def say(message: str) -> None:
        print(message, flush=True)

    database = f"giaoviec_peer_{secrets.token_hex(3)}"
    _psql(postgres, f"CREATE DATABASE {database}")
    url = _admin_url(postgres, database)
    try:
        upgrade_database(url)
        engine = make_engine(url)
        with Session(engine) as s:
            seed_national(s)
        province = pick_province(engine, province)
        with Session(engine) as s:
            rows = s.execute(select(Unit.id, Unit.name, Unit.parent_id, Unit.path).where(
                (Unit.id == province) | (Unit.parent_id == province))).all()
            heads = {r[0]: (r[1], r[2]) for r in s.execute(
                select(Official.unit_id, Official.username, Official.full_name))}
            chairmen = {r[0]: r[1] for r in s.execute(select(Official.unit_id, Official.id))}
        units = [(r[0], r[1], r[2]) for r in rows]
        spread = tuple((k, overdue_share if k == "open_overdue" else w) for k, w in SPREAD)
        now = datetime.now(UTC)
        work = list(task_rows([(r[0], r[3], r[2]) for r in rows], chairmen, tasks, now,
                              spread=spread))
        name = next(r[1] for r in rows if r[0] == province)
        say(f"{len(units)} units ({name} and its communes), {tasks} tasks, "
            f"{overdue_share:.0%} open and overdue")
        with redmine(postgres, say) as rm:
            results = await against_redmine(rm, units, heads, work, in_flight, now)
        load_rows(engine, work)
        with giaoviec(url, say) as (gv_url, settings):
            ours = await against_giaoviec(gv_url, settings, heads[province][0], province,
                                          [u[0] for u in units], creates, in_flight, work)
        engine.dispose()
        print_results(results, ours, in_flight)
    finally:
        _psql(postgres, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def load_rows(engine: Any, work: list[tuple[Any, ...]]) -> None:
    from bench.million import _copy

    _copy(engine, iter(work))


@dataclass
class Side:
    create: Phase
    counts: Phase
    pages: Phase
    overdue: int  # the province's overdue count with its descendants
    listed: int  # tasks the paged list went through


async def against_redmine(rm: Redmine, units: list[tuple[str, str, str | None]],
                          heads: dict[str, tuple[str, str]], work: list[tuple[Any, ...]],
                          in_flight: int, now: datetime) -> Side:
    api = RedmineApi(rm, in_flight)
    t0 = time.perf_counter()
    projects, users = await build_tree(api, units, heads)
    print(f"Redmine: {len(projects)} projects, users and memberships in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    known = (await api.get("/issue_statuses.json"))["issue_statuses"]
    statuses = {s["name"]: s["id"] for s in known}
    closed = {s["id"] for s in known if s.get("is_closed")}
    c = COLUMN
    by_status: dict[int, list[int]] = {}

    async def create(i: int) -> None:
        row = work[i]
        unit = row[c["lead_unit_id"]]
        due: date = row[c["deadline"]].date()
        start = min(row[c["created_at"]].date(), due)
        got = await api.post("/issues.json", {"issue": {
            "project_id": projects[unit], "tracker_id": 3, "subject": row[c["title"]],
            "description": "Tổng hợp, báo cáo kết quả thực hiện.",
            "assigned_to_id": users[unit], "start_date": start.isoformat(),
            "due_date": due.isoformat()}})
        status = statuses[STATUS_OF[row[c["state"]]]]
        by_status.setdefault(status, []).append(got["issue"]["id"])

    created = await timed(len(work), in_flight, create)
    # A new issue takes its tracker's default status whatever is asked (Redmine's default
    # workflows have no transitions from "new issue"); the states the tasks stand in are set
    # in its database in bulk, as setup, not timed.
    engine = create_engine(rm.database_url, poolclass=NullPool)
    with engine.begin() as conn:
        for status, ids in by_status.items():
            conn.execute(text("UPDATE issues SET status_id = :s, closed_on = CASE WHEN :c "
                              "THEN now() END WHERE id = ANY(:ids)"),
                         {"s": status, "c": status in closed, "ids": ids})
    engine.dispose()
    print(f"Redmine: created {len(work)} issues, then set their statuses: "
          + ", ".join(f"{n} {len(by_status.get(i, []))}" for n, i in statuses.items()),
          flush=True)
    yesterday = (now.date() - timedelta(days=1)).isoformat()
    overdue = {"status_id": "o", "due_date": f"<={yesterday}"}
    ids = [u[0] for u in units]
    province = next(u[0] for u in units if u[2] is None)
    total = 0

    async def count(i: int) -> None:
        nonlocal total
        got = await api.get("/issues.json", project_id=projects[ids[i]], limit=1, **overdue)
        if ids[i] == province:
            total = got["total_count"]

    counts = await timed(len(ids), 1, count)
    listed = 0
    pages_seen: list[float] = []
    t0 = time.perf_counter()
    while True:
        s0 = time.perf_counter()
        got = await api.get("/issues.json", project_id=projects[province], sort="due_date,id",
                            limit=50, offset=listed, **overdue)
        pages_seen.append((time.perf_counter() - s0) * 1000)
        listed += len(got["issues"])
        if not got["issues"] or listed >= got["total_count"]:
            break
    pages = Phase(pages_seen, time.perf_counter() - t0)
    await api.http.aclose()
    return Side(created, counts, pages, total, listed)


async def against_giaoviec(url: str, settings: Settings, head: str, province: str,
                           unit_ids: list[str], creates: int, in_flight: int,
                           work: list[tuple[Any, ...]]) -> Side:
    api = GiaoviecApi(url, settings, head, in_flight)
    await api.ask(OVERDUE_COUNT, u=province)  # warm up
    total = 0

    async def count(i: int) -> None:
        nonlocal total
        got = await api.ask(OVERDUE_COUNT, u=unit_ids[i])
        if unit_ids[i] == province:
            total = got["unit"]["countsWithDescendants"]["openOverdue"]

    counts = await timed(len(unit_ids), 1, count)
    listed = 0
    after: str | None = None
    pages_seen: list[float] = []
    t0 = time.perf_counter()
    while True:
        s0 = time.perf_counter()
        got = (await api.ask(OVERDUE_PAGE, u=province, after=after))["tasks"]
        pages_seen.append((time.perf_counter() - s0) * 1000)
        listed += len(got["edges"])
        after = got["pageInfo"]["endCursor"]
        if not got["pageInfo"]["hasNextPage"]:
            break
    pages = Phase(pages_seen, time.perf_counter() - t0)
    communes = [u for u in unit_ids if u != province]
    owners = {r[COLUMN["lead_unit_id"]]: r[COLUMN["owner_id"]] for r in work}
    run_id = secrets.token_hex(4)

    async def assign(i: int) -> None:
        unit = communes[i % len(communes)]
        await api.ask(ASSIGN, input={
            "clientKey": f"peer-{run_id}-{i}", "title": work[i][COLUMN["title"]],
            "description": "Tổng hợp, báo cáo kết quả thực hiện.",
            "leadUnitId": unit, "ownerId": owners.get(unit) or _chairman_of(unit),
            "basis": "Kế hoạch số 208/KH-UBND", "workingDays": 10 + i % 20,
            "product": {"kind": "báo cáo", "description": "Báo cáo kết quả",
                        "measure": "Trình Chủ tịch"}})

    await timed(min(8, creates), min(in_flight, 4), assign)  # warm up the workflow path
    created = await timed(creates, in_flight, assign)
    await api.http.aclose()
    return Side(created, counts, pages, total, listed)


def _chairman_of(unit_id: str) -> str:
    # seed_national's ids: commune "p91-xa-30313", its chairman "p91.ct.30313".
    province, _, code = unit_id.partition("-xa-")
    return f"{province}.ct.{code}"


def print_results(rm: Side, gv: Side, in_flight: int) -> None:
    print("\n                                   " + "Redmine".ljust(66) + "giaoviec")
    rows = (
        (f"create ({in_flight} in flight)", rm.create, gv.create),
        ("overdue count, one unit + subtree", rm.counts, gv.counts),
        ("overdue list, 50 a page", rm.pages, gv.pages),
    )
    for name, a, b in rows:
        print(f"{name:<35}{a.line():<66}{b.line()}")
    print(f"overdue in the province: Redmine {rm.overdue}, giaoviec {gv.overdue}; "
          f"listed by paging: Redmine {rm.listed}, giaoviec {gv.listed}")
    print("\nratios giaoviec / Redmine (rate: higher is better for giaoviec; p50: lower is):")
    for name, a, b in rows:
        print(f"  {name:<35} rate {b.rate / a.rate:5.2f}   p50 "
              f"{statistics.median(b.latencies) / statistics.median(a.latencies):5.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=2000, help="issues created in Redmine")
    parser.add_argument("--creates", type=int, default=400,
                        help="assignTask calls timed on giaoviec")
    parser.add_argument("--in-flight", type=int, default=4)
    parser.add_argument("--overdue-share", type=float, default=0.10)
    parser.add_argument("--province", default=None, help="a province id (default: ~100 communes)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server where the bench may create databases")
    args = parser.parse_args()
    # Stopped with SIGTERM, still stop Redmine and giaoviec and drop their databases.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    asyncio.run(run(args.tasks, args.creates, args.in_flight, args.overdue_share,
                    args.postgres, args.province))
