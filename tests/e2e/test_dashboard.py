"""The leadership dashboard end to end: `giaoviec dev` as a real process, the page in headless
Chromium (Playwright, the Debian chromium), other users acting through the GraphQL API.

Screenshots go to test-artifacts/. Where Chromium or Playwright is missing, these skip (fail
in CI: tests/services.py).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from api.auth import issue_dev_token
from api.dashboard.first_paint import START
from api.dashboard.web import SESSION_COOKIE
from domain.lifecycle import ACTION_LABELS_VI, STATE_LABELS_VI, Action, TaskState
from giaoviec.config import Settings
from tests.conftest import free_port
from tests.e2e.dashboard_data import ASSIGN, COMMUNE, COMMUNE_OFFICER, populate, task_input
from tests.e2e.test_dev_command import Running, _start, _stop
from tests.services import chromium, need

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SECRET = "e2e-dashboard-secret-0123456789abcdef"
# Well under the page's 60-second refresh timer, so only the live feed can bring the change in;
# not a speed target (a loaded CI machine may take several seconds): bench/ measures speed.
LIVE_SECONDS = 20.0


@dataclass
class Site:
    running: Running
    ids: dict[str, str]
    settings: Settings

    @property
    def base(self) -> str:
        return self.running.base

    def gql(self, user: str, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base}/graphql", json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {issue_dev_token(self.settings, user)}"},
            timeout=60)
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


@contextlib.contextmanager
def dev_site(data_dir: Path) -> Iterator[Site]:
    """`giaoviec dev` on free ports with the demo province, stopped (cleanly) on leaving."""
    chromium()  # before starting anything: skips here, fails in CI
    port = free_port()
    env = {**os.environ, "GIAOVIEC_DATA_DIR": str(data_dir),
           "GIAOVIEC_PORT": str(port), "TEMPORAL_DEV_PORT": str(free_port()),
           "TEMPORAL_UI_PORT": str(free_port()), "GIAOVIEC_MODE": "dev",
           "GIAOVIEC_JWT_SECRET": SECRET, "GIAOVIEC_PUBLIC_URL": f"http://127.0.0.1:{port}",
           # The home's first figures always painted with the page, however loaded the
           # machine (300 ms unless set): a test sees one path, not either.
           "GIAOVIEC_DASHBOARD_FIRST_PAINT_MS": "20000"}
    for name in ("DATABASE_URL", "TEMPORAL_ADDRESS", "SMTP_HOST"):
        env.pop(name, None)
    running = _start(env, port)
    try:
        settings = Settings(_env_file=None, mode="dev", jwt_secret=SECRET)  # type: ignore[call-arg]
        yield Site(running, {}, settings)
    finally:
        assert _stop(running) == 0


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with dev_site(tmp_path_factory.mktemp("dash") / "data") as site:
        site.ids.update(populate(site.gql))
        yield site


def expect(locator: Any) -> Any:
    """Playwright's assertions, which retry until the page agrees (or time out)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium()
    try:
        from playwright import sync_api
    except ImportError:
        need("Playwright for Python", "`make install` installs the dev extras")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


# Every page a test opens, closed when the test ends (close_pages): a page left open keeps
# re-asking on live events and spends its official's cost budget for the tests after it.
OPEN_CONTEXTS: list[Any] = []


@pytest.fixture(autouse=True)
def close_pages() -> Iterator[None]:
    yield
    while OPEN_CONTEXTS:
        with contextlib.suppress(Exception):  # already closed by the test itself
            OPEN_CONTEXTS.pop().close()


def open_as(browser: Any, site: Site, username: str, **context: Any) -> Any:
    """Sign in through the dev sign-in page, as a person would; wait for the home page."""
    context.setdefault("viewport", {"width": 1280, "height": 900})
    opened = browser.new_context(**context)
    OPEN_CONTEXTS.append(opened)
    page = opened.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # The modules load under the page's CSP: a refusal would be logged, not thrown.
    page.on("console", lambda m: errors.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.goto(f"{site.base}/")
    page.wait_for_url("**/dang-nhap")
    page.select_option("#username", username)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("body[data-home-ready]")
    page.errors = errors  # type: ignore[attr-defined]
    return page


DOCS = Path(__file__).resolve().parents[2] / "docs"
DOC_SHOTS = ("home", "unit", "task")


def shot(page: Any, name: str) -> None:
    """Into test-artifacts/; with GIAOVIEC_SCREENSHOTS=docs, the README's three into docs/."""
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)
    if os.environ.get("GIAOVIEC_SCREENSHOTS") == "docs" and name in DOC_SHOTS:
        page.wait_for_timeout(300)  # the chart settles
        page.screenshot(path=str(DOCS / f"dashboard-{name}.png"),
                        clip={"x": 0, "y": 0, "width": 1280, "height": 1100}, full_page=True)


def figure(page: Any, key: str) -> int:
    text = page.inner_text(f'#figures [data-figure="{key}"] .value')
    return int(text.replace(".", "").replace(",", ""))


def counts_row(page: Any, selector: str) -> list[int]:
    cells = page.locator(f"{selector} td").all_inner_texts()
    return [int(c.replace(".", "")) for c in cells[:6]]


UNIT_COUNTS = """query($u: ID!) { unit(id: $u) { countsWithDescendants { total openOverdue
  openInTime dueSoon completedOnTime completedLate } } }"""


def test_sign_in_and_drill_down_from_province_to_a_task(browser: Any, site: Site) -> None:
    page = open_as(browser, site, "chutich")
    api = site.gql("chutich", UNIT_COUNTS, u="ag")["unit"]["countsWithDescendants"]
    for key in ("total", "openOverdue", "openInTime", "dueSoon", "completedOnTime"):
        assert figure(page, key) == api[key], key  # the page shows what the API answers
    assert page.locator("#decisions li[data-task]").count() == 2
    shot(page, "home")

    page.click(f'#ranking tr[data-unit="{COMMUNE}"] a')  # province → commune
    page.wait_for_selector("#children")
    crumbs = page.locator("nav[aria-label='Đường dẫn'] li").all_inner_texts()
    assert crumbs[0] == "Tổng quan" and crumbs[-1] == "UBND xã Mỹ Hòa Hưng"
    own = counts_row(page, '#children tr[data-unit="own"]')
    total = counts_row(page, "#children tfoot tr")
    children = [counts_row(page, f'#children tr[data-unit="{u}"]') for u in
                page.eval_on_selector_all("#children tbody tr[data-unit]",
                                          "rows => rows.map(r => r.dataset.unit)")
                if u != "own"]
    assert [sum(col) for col in zip(own, *children, strict=True)] == total  # adds up
    people = [counts_row(page, f'#officials tr[data-official="{o}"]') for o in
              page.eval_on_selector_all("#officials tbody tr",
                                        "rows => rows.map(r => r.dataset.official)")]
    assert [sum(col) for col in zip(*people, strict=True)] == own  # officials add up to the unit
    shot(page, "unit")

    page.click(f'#officials tr[data-official="{COMMUNE_OFFICER}"] a')  # commune → official
    page.wait_for_selector(f'li[data-task="{site.ids["xa-chuyendoiso"]}"]')
    page.click(f'li[data-task="{site.ids["xa-chuyendoiso"]}"] a')  # official → task
    page.wait_for_selector("#timeline")
    assert page.inner_text("#task-title") == "Báo cáo chuyển đổi số cấp xã"
    assert page.inner_text("#task-state") == STATE_LABELS_VI[TaskState.SUBMITTED]
    for ro in ("Rõ việc", "Rõ người", "Rõ thẩm quyền", "Rõ trách nhiệm", "Rõ thời gian",
               "Rõ sản phẩm"):
        assert page.get_by_role("heading", name=ro).is_visible()
    steps = page.eval_on_selector_all("#timeline li", "li => li.map(x => x.dataset.action)")
    assert steps == ["assign", "accept", "submit"]
    assert page.locator('button[data-action="approve"]').is_visible()  # he may decide
    shot(page, "task")
    page.get_by_role("link", name="UBND xã Mỹ Hòa Hưng").click()  # breadcrumbs back up
    page.wait_for_selector("#children")
    shot(page, "task-back")
    assert page.errors == []  # type: ignore[attr-defined]


def test_assign_refused_for_a_missing_ro_then_accepted(browser: Any, site: Site) -> None:
    page = open_as(browser, site, "chutich")
    page.get_by_role("link", name="Giao việc").click()
    page.wait_for_selector("#assign-form")
    page.fill("#a-title", "Tổng hợp báo cáo giao ban tháng")
    page.fill("#a-description", "Tổng hợp kết quả thực hiện nhiệm vụ của các sở")
    page.select_option("#a-leadUnitId", "ag-snv")
    page.wait_for_selector("#a-ownerId option[value='snv.cb2']", state="attached")
    page.select_option("#a-ownerId", "snv.cb2")
    page.fill("#a-deadlineValue", "7")
    page.fill("#a-productKind", "báo cáo")
    page.fill("#a-productDescription", "Báo cáo tổng hợp")
    page.fill("#a-productMeasure", "Trình Chủ tịch trước giao ban")
    # Checked as it is typed: only "rõ thẩm quyền" (the basis) is still missing.
    # The check runs as each field is typed: wait (Playwright retries) for the last answer,
    # not the first one that happens to name the basis among others.
    page.wait_for_selector("#ro-check li.missing[data-ro='rõ thẩm quyền']")
    expect(page.locator("#ro-check li.missing")).to_have_count(1)
    page.click("#assign-submit")
    refused = page.wait_for_selector("#assign-refused")
    assert "MISSING_BASIS" not in refused.inner_text()  # messages, not codes
    assert page.locator('#assign-refused li[data-field="basis"]').is_visible()
    expect(page.locator('[data-error-for="basis"]')).to_contain_text("Thiếu căn cứ")
    assert page.get_attribute("#a-basis", "aria-invalid") == "true"
    shot(page, "assign-refused")

    page.fill("#a-basis", "Kế hoạch số 208/KH-UBND")
    page.wait_for_selector("#ro-check li.missing", state="detached")
    page.click("#assign-submit")
    page.wait_for_url("**#/nhiem-vu/*")
    page.wait_for_selector("#timeline")
    assert page.inner_text("#task-title") == "Tổng hợp báo cáo giao ban tháng"
    task_id = page.url.rsplit("/", 1)[-1]
    found = site.gql("snv.cb2", "query($id: ID!) { task(id: $id) { owner { id } basis } }",
                     id=task_id)["task"]
    assert found == {"owner": {"id": "snv.cb2"}, "basis": "Kế hoạch số 208/KH-UBND"}


def test_approve_an_extension_from_home(browser: Any, site: Site) -> None:
    page = open_as(browser, site, "chutich")
    task_id = site.ids["snv-quyche"]
    item = page.locator(f'#decisions li[data-task="{task_id}"]')
    assert "Đề nghị gia hạn" in item.inner_text()
    item.locator('button[data-approve="true"]').click()
    item.wait_for(state="detached")
    task = site.gql("chutich", """query($id: ID!) { task(id: $id) { pendingExtension
      { reason } deadline originalDeadline } }""", id=task_id)["task"]
    assert task["pendingExtension"] is None and task["deadline"] > task["originalDeadline"]


def test_another_users_action_appears_live(browser: Any, site: Site) -> None:
    page = open_as(browser, site, "chutich")
    page.wait_for_selector("#live[data-state='on']")
    task_id = site.ids["xa-caicach"]
    assert page.locator(f'#decisions li[data-task="{task_id}"]').count() == 0
    before = figure(page, "total")
    site.gql(COMMUNE_OFFICER, """mutation($id: ID!) { submitOutput(id: $id, output:
      {description: "Biên bản kiểm tra"}) { id } }""", id=task_id)
    page.wait_for_selector(f'#decisions li[data-task="{task_id}"]',
                           timeout=LIVE_SECONDS * 1000)
    assert figure(page, "total") == before
    shot(page, "live")


def test_a_hidden_tab_asks_nothing_until_it_is_shown(browser: Any, site: Site) -> None:
    """Live events re-ask the page; a tab nobody looks at would spend its leader's cost budget
    for nothing: it waits, and catches up once shown."""
    page = open_as(browser, site, "chutich")
    events: list[str] = []  # the live feed's messages, seen on the page's websocket
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda f: events.append(f) if '"next"' in str(f) else None))
    page.reload()
    page.wait_for_selector("#live[data-state='on']")
    before = figure(page, "total")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/graphql" in r.url else None)
    page.evaluate("""() => { Object.defineProperty(document, "hidden",
      { configurable: true, get: () => true }); }""")
    site.gql("chutich", ASSIGN, input=task_input(
        "e2e-hidden-tab", "Rà soát hồ sơ trong lúc thẻ bị ẩn", "ag-sxd", "sxd.cb1"))
    deadline = time.monotonic() + LIVE_SECONDS
    while not events and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert events, "the live event never reached the page"
    page.wait_for_timeout(5_000)  # past the live re-ask's gap (3 s): it would have asked
    assert asked == [] and figure(page, "total") == before
    page.evaluate("""() => { Object.defineProperty(document, "hidden",
      { configurable: true, get: () => false });
      document.dispatchEvent(new Event("visibilitychange")); }""")
    expect(page.locator('#figures [data-figure="total"] .value')).not_to_have_text(
        page.inner_text('#figures [data-figure="total"] .value'), timeout=LIVE_SECONDS * 1000)
    assert figure(page, "total") == before + 1 and asked


def test_only_what_cannot_be_done_twice_may_be_replayed(browser: Any, site: Site) -> None:
    """The proxy replays a request a dying API held only when it carries an Idempotency-Key:
    the page's queries do, a mutation without a clientKey never does."""
    page = open_as(browser, site, COMMUNE_OFFICER)
    sent: list[tuple[str, str | None]] = []
    page.on("request", lambda r: sent.append((r.post_data or "", r.headers.get(
        "idempotency-key"))) if "/graphql" in r.url else None)
    page.reload()
    page.wait_for_selector("body[data-home-ready]")
    queries = [key for body, key in sent if '"query":"query' in body.replace(" ", "")]
    assert queries and all(queries)
    page.evaluate("""() => {
      const base = document.querySelector('script[type="module"]').src.replace(/[^/]+$/, "");
      return import(base + "api.js").then(({ gql }) => gql(
        "mutation { markNotificationsRead(ids: []) }").catch(() => null));
    }""")
    page.wait_for_timeout(500)
    mutations = [key for body, key in sent if '"query":"mutation' in body.replace(" ", "")]
    assert mutations == [None]


def test_user_text_is_shown_as_text(browser: Any, site: Site) -> None:
    hostile = '<img src=x onerror="document.body.dataset.pwned=1"><b>Rà soát</b>'
    task = site.gql("chutich", ASSIGN, input=task_input(
        "e2e-hostile", hostile, "ag-sxd", "sxd.cb1", basis="<script>alert(1)</script>"))[
        "assignTask"]["id"]
    page = open_as(browser, site, "chutich")
    page.goto(f"{site.base}/#/nhiem-vu/{task}")
    page.wait_for_selector("#timeline")
    assert page.inner_text("#task-title") == hostile  # shown, character for character
    assert page.locator("#task-title img, #task-title b, article script").count() == 0
    assert page.get_attribute("body", "data-pwned") is None


def test_owner_acts_on_a_phone(browser: Any, site: Site) -> None:
    page = open_as(browser, site, COMMUNE_OFFICER, viewport={"width": 390, "height": 844},
                   is_mobile=True, has_touch=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    task_id = site.ids["xa-dulieu"]
    page.goto(f"{site.base}/#/nhiem-vu/{task_id}")
    page.wait_for_selector('button[data-action="accept"]')
    page.click('button[data-action="accept"]')
    page.wait_for_selector('button[data-action="report_progress"]')
    form = page.locator('form[data-form="report_progress"]')
    form.get_by_label("Tiến độ (%)").fill("60")
    form.get_by_role("button", name="Báo cáo tiến độ").click()
    page.wait_for_selector('#timeline li[data-action="report_progress"]')
    assert "Tiến độ 60%" in page.inner_text("article.task")
    assert page.locator('button[data-action="request_extension"]').is_visible()
    assert page.locator('button[data-action="submit"]').is_visible()
    assert page.locator('button[data-action="approve"]').count() == 0  # not his to decide
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "phone")


# --- The dashboard as code (issue 19): navigation tokens, questions sent together, the API's
# names; and what people see and do (item 12).


class Held:
    """Holds the page's GraphQL requests (unanswered) while `on`, to answer them later."""

    def __init__(self, page: Any) -> None:
        self.on = True
        self.routes: list[Any] = []
        page.route("**/graphql", self._route)

    def _route(self, route: Any) -> None:
        if self.on:
            self.routes.append(route)
        else:
            route.continue_()

    def wait_for_quiet(self, page: Any, seconds: float = 1.0, limit: float = 30.0) -> int:
        """Until no new request was held for `seconds`; how many are held."""
        waited, seen, still = 0.0, -1, 0.0
        while waited < limit and (len(self.routes) != seen or still < seconds or not seen):
            if len(self.routes) != seen:
                seen, still = len(self.routes), 0.0
            page.wait_for_timeout(100)
            waited += 0.1
            still += 0.1
        return len(self.routes)

    def release(self) -> None:
        self.on = False
        for route in self.routes:
            # The page may have aborted it: a navigation it left.
            with contextlib.suppress(Exception):
                route.continue_()


def quiet_network(page: Any, seconds: float = 1.5) -> None:
    """Until the page has had no request in flight for `seconds`."""
    page.wait_for_function("""ms => new Promise(done => {
      let last = performance.now(), seen = performance.getEntriesByType('resource').length;
      const tick = () => {
        const n = performance.getEntriesByType('resource').length;
        if (n !== seen) { seen = n; last = performance.now(); }
        if (performance.now() - last > ms) done(true); else setTimeout(tick, 100);
      };
      tick();
    })""", arg=seconds * 1000, timeout=60_000)


def test_a_late_answer_for_a_page_left_does_not_paint_over_it(browser: Any, site: Site) -> None:
    page = open_as(browser, site, "chutich")
    page.wait_for_selector("#live[data-state='on']")
    held = Held(page)
    # Another official acts: the live feed makes the home page refresh quietly, and its
    # questions are held unanswered…
    site.gql("stc.cb1", "mutation($id: ID!) { acceptTask(id: $id) { id } }",
             id=site.ids["stc-ngansach"])
    assert held.wait_for_quiet(page) >= 1
    held.on = False
    # …while the chairman opens a commune's page, which is drawn.
    page.evaluate(f"window.location.hash = '#/don-vi/{COMMUNE}'")
    page.wait_for_selector("#children")
    held.release()  # the refresh's answers arrive late
    quiet_network(page)
    assert page.locator("#children").count() == 1, "the late home page painted over the unit"
    assert page.locator("div.home").count() == 0
    assert page.inner_text("h1") == "UBND xã Mỹ Hòa Hưng"
    assert page.errors == []  # type: ignore[attr-defined]


def _asked(held: Held) -> list[str]:
    """The names of the held requests' named operations (`query Figures …` → "Figures");
    another page's unnamed checks (the assign form's) are not the home's."""
    names = (re.match(r"\s*query\s+(\w+)", r.request.post_data_json["query"])
             for r in held.routes)
    return [m.group(1) for m in names if m]


def served_without_start(page: Any) -> None:
    """The page as the server sends it when it could not read `Start` in time (no island):
    the page's scripts ask it themselves."""
    island = re.compile(r'<script type="application/json" id="start-data">.*?</script>', re.S)

    def strip(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=island.sub("", response.text()))

    page.route(lambda url: urlsplit(url).path == "/", strip)


def test_the_home_pages_figures_go_out_first_then_the_rest_together(browser: Any,
                                                                   site: Site) -> None:
    page = open_as(browser, site, "chutich")
    # Opening the page without the server's answer: the figures are asked with `me`, in the
    # same request, not after its answer; nothing else until they are in (held here).
    served_without_start(page)
    held = Held(page)
    page.reload()
    held.wait_for_quiet(page)
    assert _asked(held) == ["Start"]
    assert "countsWithDescendants" in held.routes[0].request.post_data_json["query"]
    held.release()
    page.wait_for_selector("#ranking table")
    # Coming back home: the figures alone (the viewer's two database threads are theirs)…
    page.evaluate("window.location.hash = '#/giao-viec'")
    page.wait_for_selector("#assign-form")
    quiet_network(page)
    held = Held(page)
    page.evaluate("window.location.hash = '#/'")
    held.wait_for_quiet(page)
    assert _asked(held) == ["Figures"]
    figures, held.routes = held.routes, []
    figures[0].continue_()
    page.wait_for_selector("body[data-figures-ready] #figures")
    # …then lists, ranking, trend and briefing, all before any is answered.
    held.wait_for_quiet(page)
    assert sorted(_asked(held)) == ["Briefing", "Lists", "Ranking", "Trend"]
    held.release()
    page.wait_for_selector("#ranking table")
    assert page.errors == []  # type: ignore[attr-defined]
    # Not left open: its live refreshes would spend the chairman's cost budget per minute in
    # the tests after this one.
    page.context.close()


# The browser's element timing of the figures the server painted (`elementtiming="figures"`),
# kept where the test can read it: added by the driver, so the page's CSP does not apply.
FIGURES_TIMING = """
window.figuresTiming = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.identifier === "figures") window.figuresTiming.push(e.renderTime || e.loadTime);
  }
}).observe({ type: "element", buffered: true });
"""
FIGURE_KEYS = ("openOverdue", "dueSoon", "openInTime", "completedOnTime", "completedLate",
               "total")


def _cards(page: Any) -> list[Any]:
    """Each card's text and place on the page: what the eye sees of the figures."""
    return page.eval_on_selector_all("#figures .card", """cards => cards.map(c => {
      const r = c.getBoundingClientRect();
      return [c.dataset.figure, c.innerText, r.x, r.y, r.width, r.height]; })""")


def test_the_first_figures_come_with_the_page(browser: Any, site: Site) -> None:
    """A first visit, signed in: the figures are on screen with the HTML, before any script
    has run and before any request to /graphql is answered; the page's scripts then take
    them over, the same, and work as before (the rest of home, live updates, coming back)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    OPEN_CONTEXTS.append(context)
    context.add_cookies([{"name": SESSION_COOKIE, "url": site.base,
                          "value": issue_dev_token(site.settings, "chutich")}])
    # The scripts draw the same: without the page's answer (the island) they ask `Start` and
    # draw the home over the server's cards — the same cards, in the same places.
    drawn = context.new_page()
    served_without_start(drawn)
    asked = Held(drawn)
    drawn.goto(f"{site.base}/", wait_until="commit")
    drawn.wait_for_selector('#figures [data-figure="total"] .value', state="visible")
    server_cards = _cards(drawn)
    asked.wait_for_quiet(drawn)
    assert _asked(asked) == ["Start"]
    start, asked.routes = asked.routes, []
    start[0].continue_()
    drawn.wait_for_selector("body[data-figures-ready='script']")
    assert _cards(drawn) == server_cards
    drawn.close()

    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.add_init_script(FIGURES_TIMING)
    scripts: list[Any] = []  # app.js, held: no script of the page runs meanwhile
    def hold(route: Any) -> None:
        scripts.append(route)

    page.route("**/app.js", hold)
    held = Held(page)
    page.goto(f"{site.base}/", wait_until="commit")
    page.wait_for_selector('#figures [data-figure="total"] .value', state="visible")
    api = site.gql("chutich", START)["me"]["jurisdiction"]
    assert page.inner_text("h1") == api["name"]
    for key in FIGURE_KEYS:
        assert figure(page, key) == api["countsWithDescendants"][key], key
    page.wait_for_function("window.figuresTiming.length >= 6")  # the browser saw them painted
    assert scripts and page.evaluate("document.body.dataset.figuresReady") is None
    painted = _cards(page)
    text = page.inner_text("#app")
    # The scripts run: they take the page's answer for `Start` and ask nothing before the
    # rest of home (held unanswered: the figures were never waiting on /graphql).
    page.unroute("**/app.js", hold)
    for route in scripts:
        with contextlib.suppress(Exception):  # unrouting may have let it through already
            route.continue_()
    page.wait_for_selector("body[data-figures-ready='server']")
    held.wait_for_quiet(page)
    assert sorted(_asked(held)) == ["Briefing", "Lists", "Ranking", "Trend"]
    assert page.locator("div.home[data-painted='server']").count() == 0  # taken over…
    assert _cards(page) == painted and page.inner_text("#app") == text  # …as it is, in place
    timing = page.evaluate("Math.max(...window.figuresTiming)")
    assert 0 < timing < page.evaluate(
        "performance.getEntriesByName('figures-painted')[0].startTime")
    held.release()
    page.wait_for_selector("body[data-home-ready]")
    assert page.locator("#decisions li[data-task]").count() >= 1
    # Live: another user's new task reaches the figures.
    page.wait_for_selector("#live[data-state='on']")
    before = figure(page, "total")
    site.gql("chutich", ASSIGN, input=task_input(
        "e2e-first-paint", "Rà soát số liệu vẽ cùng trang", "ag-sxd", "sxd.cb1"))
    expect(page.locator('#figures [data-figure="total"] .value')).not_to_have_text(
        str(before), timeout=LIVE_SECONDS * 1000)
    assert figure(page, "total") == before + 1
    # Away and back home: the page asks its figures itself, as before.
    page.get_by_role("link", name="Giao việc").click()
    page.wait_for_selector("#assign-form")
    page.locator("nav.menu a[href='#/']").click()
    page.wait_for_selector("body[data-figures-ready='script'] #figures")
    assert figure(page, "total") == before + 1
    page.wait_for_selector("#ranking table")
    assert errors == []
    context.close()


def test_an_address_of_another_page_never_shows_the_homes_figures(browser: Any,
                                                                   site: Site) -> None:
    """Opened at a task's address, the page does not flash the home's figures the server
    painted on its way to the task (route.js, before the body; app.css)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    OPEN_CONTEXTS.append(context)
    context.add_cookies([{"name": SESSION_COOKIE, "url": site.base,
                          "value": issue_dev_token(site.settings, "chutich")}])
    page = context.new_page()
    scripts: list[Any] = []

    def hold(route: Any) -> None:
        scripts.append(route)

    page.route("**/app.js", hold)
    page.goto(f"{site.base}/#/nhiem-vu/{site.ids['xa-chuyendoiso']}", wait_until="commit")
    page.wait_for_selector("#start-data", state="attached")
    figures = page.locator("#figures")
    assert figures.count() == 1 and figures.is_hidden()
    page.unroute("**/app.js", hold)
    for route in scripts:
        with contextlib.suppress(Exception):  # unrouting may have let it through already
            route.continue_()
    page.wait_for_selector("#timeline")
    assert page.inner_text("#task-title") == "Báo cáo chuyển đổi số cấp xã"
    assert page.locator("#figures").count() == 0
    page.locator("nav.menu a[href='#/']").click()  # home: its figures, asked and shown
    page.wait_for_selector("body[data-figures-ready='script'] #figures", state="visible")
    context.close()


def test_names_on_the_page_are_the_domains(browser: Any, site: Site) -> None:
    def capital(text: str) -> str:
        return text[0].upper() + text[1:]

    page = open_as(browser, site, "chutich")
    page.goto(f"{site.base}/#/nhiem-vu/{site.ids['xa-chuyendoiso']}")
    page.wait_for_selector("#timeline")
    assert page.inner_text("#task-state") == STATE_LABELS_VI[TaskState.SUBMITTED]
    for button in page.locator("#actions button[data-action]").all():
        action = Action(button.get_attribute("data-action"))
        if action is not Action.DECIDE_EXTENSION:  # "Đồng ý gia hạn" / "Không đồng ý"
            assert button.inner_text() == capital(ACTION_LABELS_VI[action])
    for step in page.locator("#timeline li").all():
        action = Action(step.get_attribute("data-action"))
        assert step.locator("strong").inner_text() == capital(ACTION_LABELS_VI[action])


def test_weeks_read_as_people_write_them(browser: Any, site: Site) -> None:
    page = open_as(browser, site, "chutich")
    page.wait_for_selector("#trend-table tbody tr", state="attached")
    weeks = page.eval_on_selector_all("#trend-table tbody th", "th => th.map(x => x.textContent)")
    assert len(weeks) == 12
    for week in weeks:
        assert re.fullmatch(r"Tuần \d{1,2} \(\d\d/\d\d(/\d{4})?–\d\d/\d\d/\d{4}\)( \(tạm tính\))?",
                            week), week
    assert not re.search(r"\d{4}-W\d\d", page.eval_on_selector("#app", "a => a.textContent"))


def test_the_red_card_opens_the_overdue_tasks_with_their_owners(browser: Any, site: Site) -> None:
    task_id = site.ids["xa-dulieu"]
    # A deadline already passed, put straight into the read model: the engine cannot be
    # asked for one in the past.
    db = sqlite3.connect(Path(site.running.env["GIAOVIEC_DATA_DIR"]) / "giaoviec.db")
    with db:
        (deadline,) = db.execute("SELECT deadline FROM task WHERE id = ?", (task_id,)).fetchone()
        db.execute("UPDATE task SET deadline = ? WHERE id = ?",
                   (f"2020-01-02{str(deadline)[10:]}", task_id))
    db.close()
    page = open_as(browser, site, "chutich")
    overdue = figure(page, "openOverdue")
    assert overdue >= 1
    page.click('#figures [data-figure="openOverdue"]')
    page.wait_for_selector("#overdue")
    assert page.locator("#overdue li[data-task]").count() == overdue
    item = page.locator(f'#overdue li[data-task="{task_id}"]')
    owner = site.gql("chutich", "query($id: ID!) { task(id: $id) { owner { fullName } } }",
                     id=task_id)["task"]["owner"]["fullName"]
    assert item.locator(".owner").inner_text() == owner


def test_on_a_phone_the_ranking_keeps_its_key_columns_in_view(browser: Any, site: Site) -> None:
    page = open_as(browser, site, "chutich", viewport={"width": 390, "height": 844},
                   is_mobile=True, has_touch=True)
    page.wait_for_selector("#ranking table")
    wrap = page.eval_on_selector("#ranking .table-wrap",
                                 "w => [w.scrollWidth, w.clientWidth]")
    assert wrap[0] <= wrap[1], f"the ranking scrolls sideways: {wrap}"
    shown = [t for t in page.locator("#ranking thead th").all_inner_texts() if t.strip()]
    assert shown[0] == "Đơn vị" and "Quá hạn" in shown and "Tỷ lệ đúng hạn" in shown
    shot(page, "phone-ranking")


def test_the_chairman_extends_and_reassigns_from_the_task_page(browser: Any, site: Site) -> None:
    task_id = site.ids["stc-ngansach"]  # accepted by its owner above
    later = (datetime.now(UTC) + timedelta(days=50)).isoformat()
    site.gql("stc.cb1", """mutation($id: ID!, $at: DateTime!) { requestExtension(id: $id,
      newDeadline: $at, reason: "Chờ số liệu thu ngân sách") { id } }""", id=task_id, at=later)
    page = open_as(browser, site, "chutich")
    page.goto(f"{site.base}/#/nhiem-vu/{task_id}")
    before = page.wait_for_selector("#task-deadline").inner_text()
    page.click('#actions button[data-action="decide_extension"][data-approve="true"]')
    page.wait_for_function("b => document.querySelector('#task-deadline')?.textContent !== b",
                           arg=before)
    task = site.gql("chutich", "query($id: ID!) { task(id: $id) { deadline originalDeadline } }",
                    id=task_id)["task"]
    assert task["deadline"] > task["originalDeadline"]

    form = page.locator('form[data-form="reassign"]')
    choice = form.locator("select option:not([value=''])").first
    new_owner = choice.get_attribute("value")
    form.locator("select").select_option(new_owner)
    form.get_by_label("Lý do giao lại").fill("Đồng chí được giao phụ trách ngân sách")
    form.get_by_role("button", name="Giao lại").click()
    page.wait_for_selector('#timeline li[data-action="reassign"]')
    owner = site.gql("chutich", "query($id: ID!) { task(id: $id) { owner { id fullName } } }",
                     id=task_id)["task"]["owner"]
    assert owner["id"] == new_owner
    assert page.inner_text("#task-owner") == owner["fullName"]


def test_the_chairman_sets_a_new_deadline_from_the_task_page(browser: Any, site: Site) -> None:
    """The form is offered to whoever may change the deadline (availableActions), not to the
    owner; sent, it moves the deadline and the trail names it with the API's label."""
    task_id = site.ids["syt-tiemchung"]
    owner = open_as(browser, site, "syt.cb1")
    owner.goto(f"{site.base}/#/nhiem-vu/{task_id}")
    owner.wait_for_selector("#task-deadline")
    assert owner.locator('form[data-form="change_deadline"]').count() == 0
    owner.context.close()
    page = open_as(browser, site, "chutich")
    page.goto(f"{site.base}/#/nhiem-vu/{task_id}")
    before = page.wait_for_selector("#task-deadline").inner_text()
    new_day = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(days=90)).date()
    form = page.locator('form[data-form="change_deadline"]')
    label = ACTION_LABELS_VI[Action.CHANGE_DEADLINE]
    form.get_by_label("Hạn mới").fill(new_day.isoformat())
    form.get_by_label(f"Lý do {label}").fill("Chờ vắc-xin của Bộ Y tế")
    form.get_by_role("button", name=label[0].upper() + label[1:]).click()
    page.wait_for_function("b => document.querySelector('#task-deadline')?.textContent !== b",
                           arg=before)
    assert new_day.strftime("%d/%m/%Y") in page.inner_text("#task-deadline")
    entry = page.locator('#timeline li[data-action="change_deadline"]')
    expect(entry).to_contain_text(label[0].upper() + label[1:])
    expect(entry).to_contain_text(f"hạn mới {new_day:%d/%m/%Y}")
    expect(entry).to_contain_text("Chờ vắc-xin của Bộ Y tế")
    task = site.gql("chutich", "query($id: ID!) { task(id: $id) { deadline } }",
                    id=task_id)["task"]
    assert task["deadline"].startswith(new_day.isoformat())
    assert page.errors == []  # type: ignore[attr-defined]


def test_an_officials_own_page(browser: Any, site: Site) -> None:
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    site.gql("snv.cb1", """mutation($from: Date!, $to: Date!) { setSubstitute(input: {
      substituteId: "snv.cb2", startsOn: $from, endsOn: $to, reason: "Nghỉ phép"}) { id } }""",
             **{"from": today.isoformat(), "to": (today + timedelta(days=3)).isoformat()})
    coordinated = site.gql("chutich", ASSIGN, input=task_input(
        "e2e-mine-coord", "Rà soát thủ tục hành chính lĩnh vực tài chính", "ag-stc", "stc.cb1",
        coordinators=[{"unitId": "ag-snv", "duty": "Góp ý về tổ chức bộ máy"}]))[
        "assignTask"]["id"]
    page = open_as(browser, site, "snv.cb2")
    page.get_by_role("link", name="Việc của tôi").click()
    page.wait_for_selector("#notifications")
    mine = site.gql("snv.cb2", """{ me { id } standingInFor { id }
      notifications(first: 200) { readAt } }""")
    assert [o["id"] for o in mine["standingInFor"]] == ["snv.cb1"]
    owned = site.gql("snv.cb2", """query($me: ID!) { tasks(first: 100, filter: {ownerId: $me,
      states: [ASSIGNED, IN_PROGRESS, SUBMITTED, RETURNED, PAUSED]}) { edges { node { id } } } }""",
                     me="snv.cb2")["tasks"]["edges"]
    assert owned  # the task assigned to him in the assign test above
    assert {e["node"]["id"] for e in owned} == set(page.eval_on_selector_all(
        "#owned li[data-task]", "li => li.map(x => x.dataset.task)"))
    assert page.locator(f'#coordinating li[data-task="{coordinated}"]').count() == 1
    assert page.locator(
        f'#standing-in [data-official="snv.cb1"] li[data-task="{site.ids["snv-quyche"]}"]'
    ).count() == 1
    unread = sum(1 for n in mine["notifications"] if n["readAt"] is None)
    assert unread >= 1
    assert f"({unread} chưa đọc)" in page.inner_text("#notifications-h")
    page.click("#mark-read")
    page.wait_for_selector("#notifications-h:has-text('(0 chưa đọc)')")
    shot(page, "mine")


def test_my_notifications_by_category(browser: Any, site: Site) -> None:
    """Việc của tôi: the unread count of each category as the API counts and names them, and
    the list of one category on a click."""
    task_id = site.gql("chutich", ASSIGN, input=task_input(
        "e2e-mine-urge", "Báo cáo tình hình dịch bệnh", "ag-syt", "syt.cb1"))["assignTask"]["id"]
    site.gql("chutich", """mutation($id: ID!) { remindTask(id: $id,
      note: "Đề nghị báo cáo trước thứ Sáu") { id } }""", id=task_id)
    counts = site.gql("syt.cb1", """{ notificationCounts { unread
      byCategory { category label unread } } }""")["notificationCounts"]
    by = {c["category"]: c for c in counts["byCategory"]}
    assert by["URGE"]["unread"] >= 1 and by["OTHER"]["unread"] >= 1
    page = open_as(browser, site, "syt.cb1")
    page.get_by_role("link", name="Việc của tôi").click()
    page.wait_for_selector("#notification-categories")
    for category, c in by.items():
        chip = page.locator(f'#notification-categories a[data-category="{category}"]')
        expect(chip).to_have_text(f"{c['label']} ({c['unread']} chưa đọc)")
    assert f"({counts['unread']} chưa đọc)" in page.inner_text("#notifications-h")
    page.locator('#notification-categories a[data-category="URGE"]').click()
    page.wait_for_url("**/#/cua-toi/urge")
    page.wait_for_selector('#notification-categories a[data-category="URGE"][aria-current]')
    shown = page.eval_on_selector_all("#notifications li[data-notification]",
                                      "li => li.map(x => x.dataset.category)")
    assert shown and set(shown) == {"URGE"}
    expect(page.locator("#notifications li[data-notification]").first).to_contain_text(
        "Đề nghị báo cáo trước thứ Sáu")
    page.click("#mark-read")  # marks the urges in view, and no other
    page.wait_for_selector(
        '#notification-categories a[data-category="URGE"]:has-text("(0 chưa đọc)")')
    after = {c["category"]: c["unread"] for c in site.gql("syt.cb1", """{ notificationCounts {
      byCategory { category unread } } }""")["notificationCounts"]["byCategory"]}
    assert after["URGE"] == 0 and after["OTHER"] == by["OTHER"]["unread"]
    page.locator('#notification-categories a[data-category="ALL"]').click()
    page.wait_for_url("**/#/cua-toi")
    page.wait_for_selector('#notifications li[data-category="OTHER"]')
    shot(page, "mine-categories")
    assert page.errors == []  # type: ignore[attr-defined]
