"""`giaoviec dev` and its Temporal port: a stranger listening there is refused (not trusted), its
own server left behind by a crash is recognised and replaced, a server dying at start-up is
reported with its log."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import binary, process_env

GIAOVIEC = str(Path(sys.executable).parent / "giaoviec")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return process_env(tmp_path / "data")


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """Someone else's server: a plain socket listening on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def dev_refused(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([GIAOVIEC, "dev"], env=env, capture_output=True, text=True,
                          timeout=90)
    assert done.returncode != 0, done.stdout
    return done


def test_a_stranger_on_the_port_is_not_trusted(
    env: dict[str, str], listener: socket.socket, tmp_path: Path
) -> None:
    port = listener.getsockname()[1]
    done = dev_refused({**env, "TEMPORAL_DEV_PORT": str(port)})
    assert f"Cổng {port} trên 127.0.0.1" in done.stderr
    assert "TEMPORAL_DEV_PORT=" in done.stderr and "đang có chương trình khác" in done.stderr
    # A pid file naming a live process that is not our server changes nothing, and that
    # process is left alone.
    data = Path(env["GIAOVIEC_DATA_DIR"])
    data.mkdir(parents=True)
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (data / "temporal-dev.pid").write_text(json.dumps({
            "pid": stranger.pid, "port": port, "db": str((data / "temporal.db").resolve())}))
        again = dev_refused({**env, "TEMPORAL_DEV_PORT": str(port)})
        assert f"Cổng {port} trên 127.0.0.1" in again.stderr
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_a_taken_api_port_is_refused_before_anything_starts(
    env: dict[str, str], listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    done = dev_refused({**env, "GIAOVIEC_PORT": str(port)})
    assert f"Cổng {port} trên 127.0.0.1 (API và bảng điều hành" in done.stderr
    assert "GIAOVIEC_PORT=" in done.stderr
    # Refused first: no Temporal server was started, no database made.
    data = Path(env["GIAOVIEC_DATA_DIR"])
    assert not (data / "temporal-dev.pid").exists() and not (data / "temporal.log").exists()
    assert not listening(int(env["TEMPORAL_DEV_PORT"]))
    assert not (data / "giaoviec.db").exists()


def test_a_server_dying_at_start_up_is_reported_with_its_log(
    env: dict[str, str], listener: socket.socket
) -> None:
    ui_port = listener.getsockname()[1]
    done = dev_refused({**env, "TEMPORAL_UI_PORT": str(ui_port)})
    assert "đã dừng khi đang khởi động" in done.stderr
    assert f"can't set UI port {ui_port}" in done.stderr  # the end of data/temporal.log


def test_its_own_server_left_behind_is_replaced(env: dict[str, str]) -> None:
    data = Path(env["GIAOVIEC_DATA_DIR"])
    data.mkdir(parents=True)
    port, db = int(env["TEMPORAL_DEV_PORT"]), str((data / "temporal.db").resolve())
    # What a crashed `giaoviec dev` leaves: the server, still running, and the pid file.
    left = subprocess.Popen(
        [binary("temporal"), "server", "start-dev", "--db-filename", db, "--ip", "127.0.0.1",
         "--port", str(port), "--ui-port", env["TEMPORAL_UI_PORT"], "--log-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        (data / "temporal-dev.pid").write_text(json.dumps({"pid": left.pid, "port": port,
                                                           "db": db}))
        deadline = time.monotonic() + 30
        while not listening(port):
            assert time.monotonic() < deadline and left.poll() is None
            time.sleep(0.2)
        log = (data / "dev.log").open("w")
        dev = subprocess.Popen([GIAOVIEC, "dev"], env=env, stdout=log, stderr=log)
        try:
            health = f"http://127.0.0.1:{env['GIAOVIEC_PORT']}/health"
            deadline = time.monotonic() + 90
            while True:
                assert dev.poll() is None, (data / "dev.log").read_text()
                assert time.monotonic() < deadline, "no answer on /health"
                try:
                    if httpx.get(health, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            assert left.wait(timeout=5) is not None  # the old server was stopped…
            said = (data / "dev.log").read_text()
            assert f"Máy chủ Temporal (pid {left.pid}) của lần chạy trước" in said
            record = json.loads((data / "temporal-dev.pid").read_text())
            assert record["pid"] != left.pid and record["port"] == port  # …and a new one runs
        finally:
            dev.send_signal(signal.SIGINT)
            assert dev.wait(timeout=60) == 0
        assert not (data / "temporal-dev.pid").exists()
    finally:
        if left.poll() is None:
            left.kill()
            left.wait()
