"""The cluster's read-model database on the machine's PostgreSQL, and backup and restore of
both stores (docs/backup.md)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from giaoviec.config import Settings
from giaoviec.programs.cluster_processes import Cluster, one_shot, say

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/giaoviec_cluster"


def database_url(settings: Settings) -> str:
    return os.environ.get("CLUSTER_DATABASE_URL") or DEFAULT_DATABASE_URL


def admin_url(url: str) -> tuple[str, str]:
    """The server's `postgres` database (to create ours from) and our database's name."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit(f"CLUSTER_DATABASE_URL phải nêu tên cơ sở dữ liệu: {url}")
    return urlunsplit(parts._replace(path="/postgres")), name


def ensure_database(url: str) -> bool:
    """Creates the cluster's database on the server if it is missing; True when created."""
    admin, name = admin_url(url)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    except psycopg.OperationalError as err:
        raise SystemExit(f"Không kết nối được PostgreSQL ({admin}): {err}") from err


def drop_database(url: str) -> None:
    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


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
    one_shot([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
               "--file", str(target / READ_MODEL_DUMP), _libpq_url(url)], {},
              "pg_dump", cluster.log_file("backup"))
    files = {name: _sha256(target / name) for name in (TEMPORAL_DB, READ_MODEL_DUMP)}
    (target / MANIFEST).write_text(json.dumps(
        {"taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
         "database": admin_url(url)[1], "sha256": files}, indent=2) + "\n")
    say(f"Đã sao lưu cụm vào {target} (Temporal: {TEMPORAL_DB}, CSDL: {READ_MODEL_DUMP}).")


def restore(settings: Settings, cluster: Cluster, source: Path) -> None:
    """Both stores back as they were at the backup, into a stopped cluster; `up` then carries
    every workflow on from its restored history (timers included)."""
    running = [name for name in cluster.processes() if cluster.pid(name)]
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
    one_shot([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
               "--dbname", _libpq_url(url), str(source / READ_MODEL_DUMP)], {},
              "pg_restore", cluster.log_file("restore"))
    cluster.home.mkdir(parents=True, exist_ok=True)
    for leftover in ("-wal", "-shm", "-journal"):
        (cluster.home / f"{TEMPORAL_DB}{leftover}").unlink(missing_ok=True)
    shutil.copyfile(source / TEMPORAL_DB, cluster.home / TEMPORAL_DB)
    say(f"Đã phục hồi cụm từ {source} (sao lưu lúc {manifest['taken_at']}); "
         "khởi động: make cluster.")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"Không tìm thấy `{name}` (gói Debian postgresql-client).")
    return found
