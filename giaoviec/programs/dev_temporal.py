"""The Temporal dev server `giaoviec dev` runs, and what it must not trust: whatever else
already listens on its port.

Before starting, the port is probed by binding it. If it is taken, the listener is either our
own server left behind by a crash (named by `<data_dir>/temporal-dev.pid` and recognised by its
command line: `temporal server start-dev` with our database file and port), which is stopped
and replaced, or someone else's, and we refuse rather than send our workflows to it. A server
that dies while starting (e.g. its UI port is taken) is reported with the end of its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from temporalio.client import Client

from giaoviec.config import Settings
from giaoviec.programs.temporal import connect

HOST = "127.0.0.1"
PID_FILE = "temporal-dev.pid"
LOG_FILE = "temporal.log"
START_TIMEOUT = 60.0

# Temporal's history service keeps the mutable state of every workflow it has touched in one
# host-level cache (since 1.29 there is no per-shard `history.cacheMaxSize`) until the cache is
# full; the hour's TTL is checked only when an entry is read again, so a closed task's workflow
# stays in memory. The dev server sets 8,096 entries (the server's default: 128,000 per history
# host); under `make chaos` each entry held ≈ 12 KB of live heap and the server's memory rose
# until the cache would be full, 20 minutes in (docs/benchmarks.md, "The host-level
# mutable-state cache"). Bounded to 1,024 entries (≈ 12 MB at that size) for `make run` and
# `make cluster`, and in the production values (deploy/temporal-dynamicconfig.yaml,
# deploy/k8s/temporal/values.yaml), so the stand-in and production keep the same bound: the
# workflows being worked on at one time fit; one evicted is read back when next touched.
TEMPORAL_DYNAMIC_CONFIG: dict[str, int] = {"history.hostLevelCacheMaxSize": 1024}


def dynamic_config_options() -> list[str]:
    """TEMPORAL_DYNAMIC_CONFIG as the dev server's options (in `make cluster` before
    GIAOVIEC_CLUSTER_TEMPORAL_ARGS, whose value for the same key wins: a benchmark may try another
    bound)."""
    return [part for key, value in TEMPORAL_DYNAMIC_CONFIG.items()
            for part in ("--dynamic-config-value", f"{key}={json.dumps(value)}")]


def port_taken(port: int, host: str = HOST) -> bool:
    with socket.socket() as probe:
        # SO_REUSEADDR, as servers set it: a closed connection lingering in TIME_WAIT is not
        # a listener, and must not count as one.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def free_port_near(port: int) -> int | None:
    return next((p for p in range(port + 1, min(port + 200, 65536)) if not port_taken(p)), None)


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting for its parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _option(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def is_our_server(pid: int, port: int, db: str) -> bool:
    """Whether `pid` is `temporal server start-dev` on our database file and port."""
    if not _alive(pid):
        return False
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except (OSError, UnicodeDecodeError):
        return False
    return (
        bool(args) and Path(args[0]).name == "temporal" and args[1:3] == ["server", "start-dev"]
        and _option(args, "--db-filename", "-f") == db and _option(args, "--port", "-p")
        == str(port)
    )


def stop_process(pid: int, grace: float = 15.0) -> None:
    """SIGTERM, a grace period to shut down cleanly, then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.1)


def stop_child(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """Stop a server we started: SIGTERM, then SIGKILL after `grace` seconds; reaped either way."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_bytes()[-8000:].decode("utf-8", errors="replace")
    except OSError:
        return "(không có nhật ký)"
    return "\n".join(text.strip().splitlines()[-lines:])


class DevTemporal:
    def __init__(self, settings: Settings, binary: str, say: Callable[[str], None]) -> None:
        self.settings = settings
        self.binary = binary
        self.say = say
        self.port = settings.temporal_dev_port
        self.db = str((settings.data_dir / "temporal.db").resolve())
        self.pid_file = settings.data_dir / PID_FILE
        self.log = settings.data_dir / LOG_FILE
        self.process: subprocess.Popen[bytes] | None = None

    def _leftover(self) -> int | None:
        try:
            record = json.loads(self.pid_file.read_text())
            pid = int(record["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if record.get("port") != self.port or record.get("db") != self.db:
            return None
        return pid if is_our_server(pid, self.port, self.db) else None

    def _refuse_taken_port(self) -> None:
        other = free_port_near(self.port)
        example = f"TEMPORAL_DEV_PORT={other} " if other else "TEMPORAL_DEV_PORT=<cổng khác> "
        raise SystemExit(
            f"Cổng {self.port} trên {HOST} (máy chủ Temporal của chế độ dev) đang có chương "
            f"trình khác sử dụng; giaoviec không gửi dữ liệu cho máy chủ lạ. Dừng chương "
            f"trình đó, hoặc chọn cổng khác, ví dụ: {example}giaoviec dev "
            f"(hoặc đặt TEMPORAL_ADDRESS để dùng một máy chủ Temporal có sẵn).")

    def start(self) -> None:
        if port_taken(self.port):
            pid = self._leftover()
            if pid is None:
                self._refuse_taken_port()
            else:
                self.say(f"Máy chủ Temporal (pid {pid}) của lần chạy trước vẫn chạy trên cổng "
                         f"{self.port}: dừng nó và khởi động lại.")
                stop_process(pid)
                if port_taken(self.port):
                    self._refuse_taken_port()
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    self.binary, "server", "start-dev", "--db-filename", self.db,
                    "--ip", HOST, "--port", str(self.port),
                    "--ui-port", str(self.settings.temporal_ui_port),
                    "--namespace", self.settings.temporal_namespace, "--log-level", "warn",
                    *dynamic_config_options(),
                ],
                stdout=log, stderr=log,
                # Its own session: Ctrl-C reaches us first, and we stop it after the worker
                # drains. It also outlives a crash of ours: the pid file lets the next start
                # recognise it.
                start_new_session=True,
            )
        self.pid_file.write_text(json.dumps(
            {"pid": self.process.pid, "port": self.port, "db": self.db}) + "\n")

    async def client(self, timeout: float = START_TIMEOUT) -> Client:
        """Connects once the server answers; reports it if it exits first."""
        assert self.process is not None
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                raise SystemExit(
                    f"Máy chủ Temporal của chế độ dev đã dừng khi đang khởi động (mã {code}), "
                    f"có thể do cổng {self.settings.temporal_ui_port} (giao diện, "
                    f"TEMPORAL_UI_PORT) hoặc cổng {self.port} (TEMPORAL_DEV_PORT) đã có chương "
                    f"trình khác dùng. Cuối nhật ký {self.log}:\n{log_tail(self.log)}")
            try:
                return await connect(self.settings)
            except RuntimeError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.5)

    def stop(self) -> None:
        if self.process is None:
            return
        stop_child(self.process)
        self.pid_file.unlink(missing_ok=True)
