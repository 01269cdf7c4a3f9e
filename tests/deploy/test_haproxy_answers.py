"""The generated HAProxy configuration, run by HAProxy itself in front of two stand-in API
processes: one that dies holding the request (reads it, closes without an answer, as a
`kill -9` does), or is gone altogether, and one that answers. The client always gets an HTTP
answer, never a cut connection; only a replay-safe request is sent again after it reached the
dying one; a request that never reached it always is."""

from __future__ import annotations

import json
import shutil
import socket
import socketserver
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from giaoviec.programs.cluster_processes import free_port
from giaoviec.programs.haproxy_config import render
from tests.services import need


@dataclass
class Backend:
    """A stand-in API: ready on /health/ready; `dies` reads any other request and closes the
    connection without a word."""

    name: str
    dies: bool
    got: list[str] = field(default_factory=list)  # the request lines it received
    port: int = 0

    def handle(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        line = head.split(b"\r\n", 1)[0].decode()
        length = next((int(h.split(b":", 1)[1]) for h in head.split(b"\r\n")[1:]
                       if h.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += conn.recv(65536)
        if "/health/ready" not in line:
            self.got.append(line)
            if self.dies:
                return  # closed without an answer
        payload = json.dumps({"data": {"from": self.name}}).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(payload)).encode() + b"\r\nConnection: close\r\n\r\n" + payload)


def serve(backend: Backend) -> socketserver.ThreadingTCPServer:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            backend.handle(self.request)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    backend.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class Proxy:
    base: str
    dying: Backend
    healthy: Backend


def proxy(tmp_path: Path, *, first_gone: bool) -> Iterator[Proxy]:
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        need("HAProxy", "apt-get install haproxy (.ci/run installs it)")
    dying, healthy = Backend("api1", dies=True), Backend("api2", dies=False)
    servers = [serve(dying), serve(healthy)]
    if first_gone:
        servers[0].shutdown()
        servers[0].server_close()  # nothing listens there any more: connections are refused
    port = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(render(f"127.0.0.1:{port}",
                             [f"127.0.0.1:{dying.port}", f"127.0.0.1:{healthy.port}"]))
    process = subprocess.Popen([haproxy, "-db", "-f", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield Proxy(f"http://127.0.0.1:{port}", dying, healthy)
    finally:
        process.terminate()
        process.wait(10)
        for server in servers[1:] if first_gone else servers:
            server.shutdown()
            server.server_close()


@pytest.fixture
def dying_first(tmp_path: Path) -> Iterator[Proxy]:
    yield from proxy(tmp_path, first_gone=False)


@pytest.fixture
def gone_first(tmp_path: Path) -> Iterator[Proxy]:
    yield from proxy(tmp_path, first_gone=True)


def posts(base: str, n: int, replay_safe: bool = False) -> list[httpx.Response]:
    """`n` mutations from one client keeping its connection alive, as the dashboard and the
    load do: a request after the first on a kept-alive connection is where HAProxy used to
    cut the connection instead of answering."""
    with httpx.Client(base_url=base, timeout=10) as client:
        return [client.post("/graphql", json={"query": 'mutation { acceptTask(id: "1") { id } }'},
                            headers={"Idempotency-Key": f"k{i}"} if replay_safe else {})
                for i in range(n)]


def test_a_request_the_dying_process_held_is_answered_502_with_a_body_not_replayed(
        dying_first: Proxy) -> None:
    answers = posts(dying_first.base, 6)  # raises if a connection is cut
    failed = [a for a in answers if a.status_code != 200]
    assert len(failed) == len(dying_first.dying.got) >= 2, "not twice at the dying process"
    for answer in failed:
        assert answer.status_code == 502
        assert answer.headers["content-type"].startswith("application/json")
        error = answer.json()["errors"][0]
        assert error["extensions"]["code"] == "UNAVAILABLE"
        assert "có thể đã được thực hiện" in error["message"]
    assert all(a.json() == {"data": {"from": "api2"}} for a in answers if a.status_code == 200)


def test_a_replay_safe_request_the_dying_process_held_is_answered_by_the_other(
        dying_first: Proxy) -> None:
    answers = posts(dying_first.base, 4, replay_safe=True)
    assert dying_first.dying.got, "none reached the dying process"
    assert [a.status_code for a in answers] == [200] * 4
    assert all(a.json() == {"data": {"from": "api2"}} for a in answers)


def test_a_request_refused_by_a_process_gone_is_sent_to_the_other(gone_first: Proxy) -> None:
    answers = posts(gone_first.base, 4)
    assert [a.status_code for a in answers] == [200] * 4
    assert len(gone_first.healthy.got) == 4


def test_the_config_retries_only_what_is_safe_and_takes_a_dead_process_out_fast() -> None:
    config = render("127.0.0.1:8000", ["127.0.0.1:8001", "127.0.0.1:8002"])
    assert "retry-on conn-failure empty-response response-timeout" in config
    assert "option redispatch 1" in config
    assert "option http-buffer-request" in config
    assert "http-request disable-l7-retry unless replay_safe" in config
    assert "acl replay_safe req.hdr(idempotency-key) -m found" in config
    # A process failing readiness (Temporal down) keeps its in-flight requests.
    assert "shutdown-sessions" not in config
    assert "option httpclose" in config and "http-server-close" not in config
    assert "inter 1s fastinter 250ms downinter 1s fall 2 rise 2" in config
    assert "observe layer4 error-limit 1 on-error mark-down" in config
    for status in (502, 503, 504):
        assert f"http-error status {status} content-type" in config
