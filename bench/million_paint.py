"""Benchmark: the first figures painted in a browser, over a million tasks on PostgreSQL.

The database is the one `bench.million` loaded (a million tasks over the national
organisation; run that first). The real app is served over uvicorn in a process of its own
(`bench.dashboard_bench --serve`: reads only, no Temporal), and headless Chromium opens the
dashboard's home `/` as a province's chairman (a dev session cookie; the province with the
most communes unless told), as many times as asked, each load in a fresh browser context.
Per load, from navigation start:
- the browser's element timing of the figures the server painted with the HTML
  (`elementtiming="figures"`, api/dashboard/first_paint.py: when they were painted, before any
  script ran), on loads where it painted them;
- the page's own mark `figures-painted` (home.js: the figure cards are in the document; for
  cards the server painted, when the script found and took them over);
- **figures painted**: the earlier of the two (what the eye sees first);
- the first frame after it (a mark the bench adds: requestAnimationFrame, then a task, once
  the cards are in): what the eye sees;
- the whole home page (`home-complete`), and each GraphQL request the page sends (request
  sent to response end; the page asks the figures with `me`, in one request, and the four
  other home queries together once the figures are in);
- where the time to the figures went: the page's HTML in (with the figures the server read,
  when it did), the page's scripts ready (DOMContentLoaded), `me`'s answer in, the figures'
  answer in (these two only where the page asked `Start` itself).

    nice -n 10 .venv/bin/python -m bench.million_paint --runs 20 --port 8700 \\
        --database-url postgresql://postgres@127.0.0.1:5432/giaoviec_million

`--first-paint-ms 0` serves the page as before (no figures with the HTML: the scripts ask
`Start`); unset, the app's own setting (GIAOVIEC_DASHBOARD_FIRST_PAINT_MS, 300 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from api.auth import issue_dev_token
from api.dashboard.web import SESSION_COOKIE
from bench.dashboard_bench import bench_settings, label, wait_until_up
from bench.million import percentiles, sample_units
from giaoviec.store.db import make_engine
from giaoviec.store.models import Task

# Once the figures are in the document: the frame that shows them, then a task after it.
# (Added by the browser's driver, so the page's CSP does not apply; the bench waits for the
# attribute, as a function evaluated in the page would be refused by it.)
FRAME_MARK = """
new MutationObserver((_, watcher) => {
  if (!document.body || !document.body.dataset.figuresReady) return;
  watcher.disconnect();
  requestAnimationFrame(() => setTimeout(() => {
    performance.mark("figures-frame");
    document.body.dataset.figuresFrame = "true";
  }, 0));
}).observe(document,
           { subtree: true, attributes: true, attributeFilter: ["data-figures-ready"] });
"""

# The element timing of the figures the server painted (home_figures.html), kept for the
# bench: the latest of the cards' entries, ms from navigation start.
FIGURES_TIMING = """
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.identifier !== "figures") continue;
    window.figuresTiming = Math.max(window.figuresTiming || 0, e.renderTime || e.loadTime);
  }
}).observe({ type: "element", buffered: true });
"""


def answers(query: str) -> list[str]:
    """What a request's answer brings that the figures wait for: `me`; the figures, asked
    with `me` (the viewer's jurisdiction's counts in `Start`, as the page asks them now), on
    their own of the viewer's jurisdiction, or of the unit by its id (as it asked them before)."""
    body = " ".join(query.split())
    found = []
    if body.startswith("query Start"):
        found.append("`me` answered")
    if ("jurisdiction { id name" in body and "countsWithDescendants" in body) or (
            "unit(id: $u) { id name countsWithDescendants" in body):
        found.append("figures answered")
    return found


def mark(page: Any, name: str) -> float:
    return float(page.evaluate(f"performance.getEntriesByName('{name}')[0].startTime"))


def load_home(browser: Any, base: str, token: str, reload: bool = False) -> dict[str, float]:
    """One load of `/` in a fresh context (`reload`: the load after a first one in it, its
    files in the browser's cache): the marks and each GraphQL request's time, ms."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
    page = context.new_page()
    page.add_init_script(FRAME_MARK)
    page.add_init_script(FIGURES_TIMING)
    found: dict[str, float] = {}
    answered: dict[str, float] = {}  # when each request's answer was in, epoch ms

    def finished(request: Any) -> None:
        if request.url.endswith("/graphql"):
            t = request.timing
            name = label(request.post_data)
            found[f"request: {name}"] = t["responseEnd"] - t["requestStart"]
            for what in answers(json.loads(request.post_data or "{}").get("query", "")):
                answered[what] = t["startTime"] + t["responseEnd"]

    page.on("requestfinished", finished)
    page.goto(f"{base}/")
    if reload:
        page.wait_for_selector("body[data-home-ready]", timeout=300_000)
        found.clear()
        answered.clear()
        page.reload()
    page.wait_for_selector("body[data-figures-ready]", timeout=120_000)
    page.wait_for_selector("body[data-figures-frame]", state="attached", timeout=60_000)
    found["figures painted (page's mark)"] = mark(page, "figures-painted")
    found["figures painted (next frame)"] = mark(page, "figures-frame")
    page.wait_for_selector("body[data-home-ready]", timeout=300_000)
    painted = float(page.evaluate("window.figuresTiming || 0"))
    if page.evaluate("document.body.dataset.figuresReady") == "server" and painted > 0:
        found["figures painted (element timing, with the HTML)"] = painted
    found["figures painted (earlier of the two)"] = min(
        found.get("figures painted (element timing, with the HTML)", float("inf")),
        found["figures painted (page's mark)"])
    found["whole home page"] = mark(page, "home-complete")
    origin = float(page.evaluate("performance.timeOrigin"))
    found["page's HTML in (responseEnd)"] = float(page.evaluate(
        "performance.getEntriesByType('navigation')[0].responseEnd"))
    found["page's scripts ready (DOMContentLoaded)"] = float(page.evaluate(
        "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
    for what, at in answered.items():
        found[what] = at - origin
    context.close()
    return found


def main(database_url: str, runs: int, port: int, province: str | None,
         reload: bool = False, first_paint_ms: int | None = None) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    engine = make_engine(database_url)
    with Session(engine) as s:
        tasks = s.execute(select(func.count()).select_from(Task)).scalar_one()
    if not tasks:
        raise SystemExit("no tasks: load them first with bench.million")
    units = dict(sample_units(engine, 34)["province"])
    engine.dispose()
    unit = province or next(iter(units))
    print(f"{tasks:,} tasks; home of {unit} as {units[unit]}, {runs} loads"
          + (" (each a reload, the page's files cached)" if reload else ""))
    settings = bench_settings(port)
    env = dict(os.environ)
    if first_paint_ms is not None:
        env["GIAOVIEC_DASHBOARD_FIRST_PAINT_MS"] = str(first_paint_ms)
        print(f"figures painted with the HTML: waited for at most {first_paint_ms} ms"
              if first_paint_ms else "figures painted with the HTML: never (as before)")
    server = subprocess.Popen([sys.executable, "-m", "bench.dashboard_bench", "--serve",
                               database_url, "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    samples: dict[str, list[float]] = defaultdict(list)
    try:
        wait_until_up(base)
        token = issue_dev_token(settings, units[unit])
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking"])
            first = load_home(browser, base, token, reload)
            print("first load after the server started (not counted): "
                  + ", ".join(f"{k} {v:.0f}" for k, v in first.items()))
            for _ in range(runs):
                for name, ms in load_home(browser, base, token, reload).items():
                    samples[name].append(ms)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("ms from navigation start (marks) or request sent to response end: "
          "p50 / p95 / max (loads)")
    for name, values in sorted(samples.items(), key=lambda kv: (kv[0].startswith("request"),
                                                                percentiles(kv[1])[0])):
        p50, p95, top = percentiles(values)
        print(f"  {name:<45} {p50:7.0f} {p95:7.0f} {top:7.0f} ({len(values)})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True,
                        help="the database bench.million loaded")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--province", default=None,
                        help="a province's unit id (default: the one with most communes)")
    parser.add_argument("--reload", action="store_true",
                        help="time a reload of the page in its context (its files cached)")
    parser.add_argument("--first-paint-ms", type=int, default=None,
                        help="the server's wait for the figures it paints with the HTML "
                             "(GIAOVIEC_DASHBOARD_FIRST_PAINT_MS); 0: never, as before")
    args = parser.parse_args()
    main(args.database_url, args.runs, args.port, args.province, args.reload,
         args.first_paint_ms)
