"""The dashboard's page and its files, as a browser loads them: every module the page needs
is named for preloading, and the files are kept a year under a content-hashed folder, so a
reload asks for none of them (issue 17: the first figures painted)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.dashboard.web import ASSETS, dashboard_router

STATIC = Path(__file__).resolve().parents[2] / "api" / "dashboard" / "static"


def _client() -> TestClient:
    app = FastAPI()
    settings = SimpleNamespace(is_dev=True, public_url="http://testserver")
    app.include_router(dashboard_router(SimpleNamespace(settings=settings)))  # type: ignore[arg-type]
    return TestClient(app)


def _imported_by(name: str, seen: set[str] | None = None) -> set[str]:
    """Every module `name` needs, itself included, following its static imports."""
    seen = set() if seen is None else seen
    seen.add(name)
    text = (STATIC / name).read_text(encoding="utf-8")
    for target in re.findall(r'from "\./([\w-]+\.js)"', text):
        if target not in seen:
            _imported_by(target, seen)
    return seen


def test_the_page_preloads_every_module_app_js_needs_from_one_versioned_folder() -> None:
    html = _client().get("/").text
    entry = re.search(r'<script src="(/bang-dieu-hanh/[0-9a-f]{12})/app\.js" type="module">',
                      html)
    assert entry, "app.js is not served from a content-hashed folder"
    folder = entry.group(1)
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', html))
    assert {f"{folder}/{m}" for m in _imported_by("app.js")} <= preloaded
    # The page's module before the chart and live-feed libraries: deferred scripts run in
    # document order, and the first questions are app.js's.
    assert html.index(f"{folder}/app.js") < html.index(f"{folder}/uplot.js")
    assert f'href="{folder}/app.css"' in html


def test_files_are_kept_under_their_version_and_revalidated_otherwise() -> None:
    client = _client()
    folder = re.search(r'src="(/bang-dieu-hanh/[0-9a-f]{12})/app\.js"',
                       client.get("/").text).group(1)  # type: ignore[union-attr]
    for name in ("app.js", "home.js", "app.css"):
        kept = client.get(f"{folder}/{name}")
        assert kept.status_code == 200 and kept.content == ASSETS[name].read_bytes()
        assert "immutable" in kept.headers["cache-control"]
        assert "max-age=31536000" in kept.headers["cache-control"]
        assert kept.headers["x-content-type-options"] == "nosniff"
        # The same file without a version (or an old page's version) is asked again each time,
        # answered 304 while unchanged.
        for url in (f"/bang-dieu-hanh/{name}", f"/bang-dieu-hanh/000000000000/{name}"):
            plain = client.get(url)
            assert plain.headers["cache-control"] == "no-cache"
            again = client.get(url, headers={"If-None-Match": plain.headers["etag"]})
            assert again.status_code == 304 and not again.content
    assert client.get(f"{folder}/web.py").status_code == 404
    assert client.get(f"{folder}/..%2Fweb.py").status_code == 404
    assert client.get("/").headers["cache-control"] == "no-store"  # the page itself
