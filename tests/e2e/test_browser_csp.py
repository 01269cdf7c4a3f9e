"""Pages in headless Chromium under the app's Content-Security-Policy: GraphiQL renders, breaks
no rule of the policy and leaves no bearer token in localStorage; the HTML briefing's inline
styles are allowed by their hashes."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from api.headers import inline_styles_csp
from domain.calendar import WorkingCalendar
from giaoviec.services.tasks import TaskService
from tests.api.harness import make_settings
from tests.conftest import free_port
from tests.org_fixture import seed_small_org
from tests.services import chromium, graphiql_assets
from workflows.contracts import CalendarConfig

# GraphiQL's default header editor content: stored like a real token would be, if it were.
PLACEHOLDER = "PASTE-TOKEN-HERE"
SAMPLE = Path(__file__).parents[2] / "docs" / "briefing-sample.html"


def render(url: str, profile: Path) -> tuple[str, str]:
    """The DOM after scripts ran, and the browser's console (where CSP refusals are logged)."""
    run = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=8000", "--dump-dom", url],
        capture_output=True, timeout=120, check=True,
    )
    return run.stdout.decode(), run.stderr.decode(errors="replace")


@pytest.fixture
def served(engine: Engine) -> Iterator[str]:
    """The dev-mode app over real HTTP; the page and introspection need no Temporal."""
    with Session(engine) as session:
        seed_small_org(session)
    service = TaskService(None, engine, "browser", WorkingCalendar(), CalendarConfig())  # type: ignore[arg-type]
    app = create_app(make_settings(), engine=engine, service=service)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_graphiql_renders_under_the_csp_and_keeps_no_token(served: str, tmp_path: Path) -> None:
    chromium()
    graphiql_assets()
    page = httpx.get(f"{served}/graphql", headers={"Accept": "text/html"})
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert "<script>" not in page.text and "<style>" not in page.text
    profile = tmp_path / "profile"
    dom, console = render(f"{served}/graphql", profile)
    assert "graphiql-container" in dom
    assert "Content Security Policy" not in console, console
    stored = b"".join(p.read_bytes() for p in (profile / "Default" / "Local Storage").rglob("*")
                      if p.is_file())
    assert b"graphiql" in stored  # GraphiQL did use localStorage…
    for encoding in ("latin-1", "utf-16-le"):  # …but not for the headers
        assert PLACEHOLDER.encode(encoding) not in stored


def test_the_html_briefing_keeps_its_styles_under_the_csp(tmp_path: Path) -> None:
    html = SAMPLE.read_bytes()
    policy = inline_styles_csp(html.decode("utf-8"))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", policy)
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dom, console = render(f"http://127.0.0.1:{server.server_address[1]}/",
                              tmp_path / "profile")
    finally:
        server.shutdown()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in dom
    assert "Content Security Policy" not in console, console
