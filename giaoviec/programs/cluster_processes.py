"""The processes of `make cluster`, held by pid files under `<data_dir>/cluster/`: each records
the process's start time, so a recycled pid is never taken for ours; `state.json` records how
each was started, so `start NAME` starts it the same way."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from giaoviec.programs.dev_temporal import log_tail as _tail

# An API and a worker make a pair; a province's shape has two pairs (GIAOVIEC_CLUSTER_PAIRS or
# `up --pairs N` chooses another number, e.g. one to measure what a second pair adds).
PAIRS = 2
MAX_PAIRS = 8
PAIRS_ENV = "GIAOVIEC_CLUSTER_PAIRS"


def apis(pairs: int = PAIRS) -> tuple[str, ...]:
    return tuple(f"api{i}" for i in range(1, pairs + 1))


def workers(pairs: int = PAIRS) -> tuple[str, ...]:
    return tuple(f"worker{i}" for i in range(1, pairs + 1))


def order(pairs: int = PAIRS) -> tuple[str, ...]:
    """Started in this order, stopped in the reverse one: nothing starts before what it needs."""
    return ("temporal", *workers(pairs), *apis(pairs), "proxy")


def parse_pairs(value: str | None) -> int:
    """How many API+worker pairs: a whole number from 1 to MAX_PAIRS (unset: PAIRS)."""
    if value is None or not value.strip():
        return PAIRS
    try:
        pairs = int(value)
    except ValueError:
        pairs = 0
    if not 1 <= pairs <= MAX_PAIRS:
        raise SystemExit(f"{PAIRS_ENV} (số cặp API + worker) phải là số nguyên từ 1 đến "
                         f"{MAX_PAIRS}, không phải {value!r}.")
    return pairs


START_TIMEOUT = 90.0
STOP_GRACE = 20.0


def say(message: str) -> None:
    print(message, flush=True)


def find_binary(name: str) -> str:
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

    def pairs(self) -> int:
        """The pairs it was started with (a state from before the choice existed: PAIRS)."""
        return int(str(self.load().get("pairs", PAIRS)))

    def processes(self) -> tuple[str, ...]:
        """Its processes, in start order."""
        return order(self.pairs())

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


def log_tail(path: Path) -> str:
    """The end of a log, or from a Go panic's first line on (its stack alone says nothing)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return _tail(path)
    at = text.find("panic:")
    return "\n".join(text[at:].splitlines()[:12]) if at >= 0 else _tail(path)


def one_shot(argv: list[str], env: dict[str, str], what: str, log: Path) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        code = subprocess.run(argv, env={**os.environ, **env}, stdout=out, stderr=out,
                              stdin=subprocess.DEVNULL, timeout=300).returncode
    if code != 0:
        raise SystemExit(f"{what} thất bại (mã {code}). Cuối nhật ký {log}:\n{log_tail(log)}")


def wait_port(cluster: Cluster, spec: Spec, timeout: float = START_TIMEOUT) -> None:
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
